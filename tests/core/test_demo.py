"""`certify demo` builds the programme's world, and running it again changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from certify.accounts.models import Country, Municipality, MunicipalityKind, Person, Role, RoleGrant
from certify.cohorts.models import Cohort, Enrolment
from certify.demo.builder import build_demo
from certify.extensions import db


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def role_count(role: Role) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RoleGrant).where(RoleGrant.role == role))


def test_demo_world(app):
    report = build_demo(app.config["CONTENT_DIR"])
    assert {c.code for c in db.session.scalars(sa.select(Country))} == {"CL", "UY", "BR", "PY"}
    rural = db.session.scalar(sa.select(sa.func.count()).select_from(Municipality)
                              .where(Municipality.kind == MunicipalityKind.RURAL))
    assert rural == 15
    names = set(db.session.scalars(sa.select(Municipality.name)))
    assert {"Peñalolén", "Calama"} <= names
    assert role_count(Role.OFFICIAL) == 60 and role_count(Role.TUTOR) == 2 and role_count(Role.MANAGER) == 1
    assert len(report.cohort.enrolments) == 60 and len(report.cohort.tutors) == 2
    spread = db.session.scalar(sa.select(sa.func.count(sa.distinct(Person.municipality_id)))
                               .where(Person.role_grants.any(RoleGrant.role == Role.OFFICIAL)))
    assert spread == 17

    before = {model: count(model) for model in (Person, Municipality, Cohort, Enrolment, RoleGrant)}
    again = build_demo(app.config["CONTENT_DIR"])
    assert again.created_people == 0
    assert {model: count(model) for model in before} == before


def test_demo_logins_work(app, client):
    from certify.demo import world

    build_demo(app.config["CONTENT_DIR"])
    db.session.commit()
    response = client.post("/login", data={"email": "gestora@demo.certify.example",
                                           "password": world.DEMO_PASSWORD})
    assert response.status_code == 302
