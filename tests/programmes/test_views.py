"""Staff browse programmes and modules; officials read the modules of their own cohorts."""

from __future__ import annotations

import pytest

from certify.cohorts.enrolments import enrol
from certify.cohorts.services import create_cohort
from certify.extensions import db
from tests.factories import make_person

# Pages render what the services (tested on both databases) return: SQLite only.
pytestmark = pytest.mark.one_database


@pytest.fixture
def cohort(programme):
    cohort = create_cohort(programme, name="Cohorte de prueba")
    db.session.commit()
    return cohort


def test_staff_see_the_programme_rules_and_module_text(client, login_as, tutor, programme):
    login_as(tutor)
    page = client.get(f"/programmes/{programme.id}").text
    assert "Innovación como Herramienta de Buen Gobierno" in page
    assert "Carolina Fuentes Aravena" in page
    module = client.get(f"/programmes/{programme.id}/modules/M2")
    assert module.status_code == 200 and "Doble Diamante" in module.text
    assert client.get(f"/programmes/{programme.id}/modules/M9").status_code == 404


def test_an_official_sees_their_programme_and_reads_its_modules(client, login_as, programme, cohort):
    official = login_as(make_person())
    assert "no estás inscrito" in client.get("/my-programme").text.lower() or \
        "not enrolled" in client.get("/my-programme", headers={"Accept-Language": "en"}).text
    enrol(cohort, official)
    db.session.commit()
    page = client.get("/my-programme").text
    assert "Encuentro presencial" in page or "M5" in page
    module = client.get(f"/my-programme/{cohort.id}/modules/M1")
    assert module.status_code == 200
    assert "<script" not in module.text.split("<main", 1)[1]
    assert "triángulo" in module.text


def test_an_official_cannot_read_another_cohorts_pages(client, login_as, programme, cohort):
    login_as(make_person())
    assert client.get(f"/my-programme/{cohort.id}/modules/M1").status_code == 404
    assert client.get(f"/programmes/{programme.id}").status_code == 403


@pytest.mark.parametrize(("url", "expected"), [
    ("/programmes", {"anonymous": 302, "official": 403, "tutor": 200, "manager": 200}),
    ("/programmes/{programme_id}", {"anonymous": 302, "official": 403, "tutor": 200, "manager": 200}),
    ("/programmes/{programme_id}/modules/M1", {"anonymous": 302, "official": 403, "tutor": 200,
                                                "manager": 200}),
    ("/my-programme", {"anonymous": 302, "official": 200, "tutor": 403, "manager": 403}),
    ("/my-programme/{cohort_id}/modules/M1", {"anonymous": 302, "official": 200, "tutor": 403,
                                              "manager": 403}),
])
def test_access_matrix(client, login_as, programme, cohort, url, expected):
    from certify.accounts.models import Role

    for role, status in expected.items():
        client.post("/logout")
        if role != "anonymous":
            person = login_as(make_person(Role(role)))
            if role == "official":
                enrol(cohort, person)
                db.session.commit()
        response = client.get(url.format(programme_id=programme.id, cohort_id=cohort.id))
        assert response.status_code == status, (role, url)


def test_a_module_reads_like_a_lesson_text_then_quiz_then_the_next_module(
        client, login_as, programme, cohort):
    official = login_as(make_person())
    enrol(cohort, official)
    db.session.commit()
    page = client.get(f"/my-programme/{cohort.id}/modules/M2?lang=en").text
    assert page.index('class="card prose"') < page.index('class="card quiz-cta"') < page.index('rel="next"')
    assert f'href="/my-programme/{cohort.id}/modules/M1"' in page and "Previous module (M1)" in page
    assert f'href="/my-programme/{cohort.id}/modules/M3"' in page and "Next module (M3)" in page
    first = client.get(f"/my-programme/{cohort.id}/modules/M1?lang=en").text
    assert 'rel="prev"' not in first
    last = client.get(f"/my-programme/{cohort.id}/modules/M5?lang=en").text
    assert 'rel="next"' not in last and 'rel="prev"' in last
