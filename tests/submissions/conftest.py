"""A cohort of the real programme with two project groups, its tutor, and ways to submit."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from certify.accounts.models import Role
from certify.cohorts.enrolments import enrol
from certify.cohorts.models import GroupMembership, ProjectGroup
from certify.core.clock import utcnow
from certify.extensions import db
from certify.submissions import grading
from certify.submissions.files import IncomingFile
from certify.submissions.submitting import submit_prototype
from tests.factories import make_cohort, make_person
from tests.submissions.samples import PDF

TEXTS = {
    "title": "Ventanilla rural móvil",
    "problem": "Las personas de sectores rurales viajan horas para hacer trámites municipales.",
    "audience": "Personas mayores y familias de sectores rurales de Melipeuco.",
    "discover": "Entrevistamos a 14 vecinas y vecinos y observamos la fila de la oficina.",
    "define": "¿Cómo podríamos acercar los trámites a quienes viven lejos del centro?",
    "develop": "Prototipamos una ruta semanal con una camioneta y un formulario en papel.",
    "deliver": "Pilotamos la ruta dos semanas en tres sectores con 40 trámites resueltos.",
    "description": "Una oficina móvil que recorre los sectores rurales con trámites frecuentes.",
}
# Points for the real rubric's criteria (weights 1, 1, 1, 2, 1; four levels of 1-4 points):
# 3 + 2 + 4 + 2*3 + 1 = 16 of 24 -> 66.67 %.
SCORES = {"problem_understanding": 3, "people_focus": 2, "feasibility": 4, "public_value": 3,
          "presentation": 1}


def make_group(cohort, name: str, members, *, joined_at: datetime | None = None) -> ProjectGroup:
    """A project group with ``members`` in it (rows written directly: the groups area's own
    use cases are tested there)."""
    group = ProjectGroup(cohort=cohort, name=name)
    db.session.add(group)
    db.session.flush()
    for person in members:
        db.session.add(GroupMembership(group_id=group.id, cohort_id=cohort.id, person_id=person.id,
                                       joined_at=joined_at or utcnow() - timedelta(days=30)))
    db.session.commit()
    return group


def pdf_upload(name: str = "prototipo.pdf", data: bytes = PDF) -> IncomingFile:
    return IncomingFile(name, io.BytesIO(data))


def submit(group, person, *, files=(), **changes):
    submission = submit_prototype(group, by=person, files=list(files), **{**TEXTS, **changes})
    db.session.commit()
    return submission


def grade(submission, tutor, *, scores=None, feedback="Buen trabajo de terreno.", release=False):
    result = grading.save_draft(submission, by=tutor, scores=SCORES if scores is None else scores,
                                feedback=feedback)
    if release:
        grading.release_grade(result, by=tutor)
    db.session.commit()
    return result


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    """Files go to a folder of this test's own, so what was written can be checked."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOADS_DIR", str(folder))
    return folder


def stored_files(folder) -> list:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


@pytest.fixture
def world(programme, tutor, other_tutor, manager, uploads):
    """Two groups of the real programme's cohort: ``members`` (ana, beto) and ``others`` (carla)."""
    cohort = make_cohort(programme, "Cohorte de prueba", tutors=[tutor])
    other_cohort = make_cohort(programme, "Otra cohorte", tutors=[other_tutor])
    ana = make_person(Role.OFFICIAL, given_names="Ana", family_names="Alarcón")
    beto = make_person(Role.OFFICIAL, given_names="Beto", family_names="Benítez")
    carla = make_person(Role.OFFICIAL, given_names="Carla", family_names="Castro")
    for person in (ana, beto, carla):
        enrol(cohort, person)
    db.session.commit()
    group = make_group(cohort, "Equipo Melipeuco", [ana, beto])
    others = make_group(cohort, "Equipo Curarrehue", [carla])
    return SimpleNamespace(programme=programme, cohort=cohort, other_cohort=other_cohort,
                           tutor=tutor, other_tutor=other_tutor, manager=manager, ana=ana,
                           beto=beto, carla=carla, group=group, others=others, uploads=uploads)


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English, so tests read the msgids whatever the catalogs say."""
    client.set_cookie("certify_locale", "en")
