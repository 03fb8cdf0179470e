"""The holder's page, the register, revoking and reissuing, issuing from the cohort page."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from certify.accounts.models import Role
from certify.attendance import services as attendance
from certify.certificates.issuing import issue_programme_certificate, revoke
from certify.certificates.models import Certificate
from certify.core.clock import utcnow
from certify.core.jobs import Job
from certify.extensions import db
from certify.progress.status import certified_people
from tests.certificates.conftest import enrolled
from tests.factories import make_person

# Pages render what the services (tested on both databases) return: SQLite only.
pytestmark = pytest.mark.one_database


def test_the_holder_sees_her_certificate_and_everything_to_share_it(client, login_as, world,
                                                                     issued):
    login_as(world.holder)
    page = client.get("/my-certificates?lang=en")
    assert page.status_code == 200
    html = page.text
    assert "Public Innovation Agent" in html and issued.serial in html
    assert f"/certificates/{issued.serial}.pdf" in html
    assert f"/api/v1/certificates/{issued.serial}/credential" in html
    assert f'value="https://certify.test/badges/{issued.serial}"' in html  # to copy
    link = next(part.split('"')[0] for part in html.split('href="')
                if part.startswith("https://www.linkedin.com/profile/add"))
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert query == {"startTask": ["CERTIFICATION_NAME"], "name": ["Public Innovation Agent"],
                     "organizationName": ["Red de Laboratorios"], "issueYear": ["2026"],
                     "issueMonth": ["12"], "certUrl": [f"https://certify.test/badges/{issued.serial}"],
                     "certId": [issued.serial]}


def test_a_revoked_certificate_is_shown_as_such_without_sharing_links(client, login_as, world,
                                                                       issued):
    revoke(issued, reason="issued_in_error", note="Error de nombre", actor=world.manager)
    db.session.commit()
    login_as(world.holder)
    html = client.get("/my-certificates?lang=en").text
    assert "Issued in error" in html and "linkedin.com" not in html
    assert "Error de nombre" not in html  # the note is the managers' own


def test_someone_eligible_without_certificates_reads_that_issuance_is_coming(client, login_as, world):
    login_as(enrolled(world.cohort))  # this programme asks nothing: everyone enrolled is eligible
    page = client.get("/my-certificates?lang=en").text
    assert "awaiting issuance" in page and "You have no certificates yet" not in page


def test_a_holder_is_certified_in_the_status_model(client, login_as, world, issued):
    assert certified_people(world.cohort, [world.holder.id]) == {world.holder.id}
    login_as(world.holder)
    assert "awaiting issuance" not in client.get("/my-certificates?lang=en").text
    assert "Certified: your certificate" in client.get("/my-programme?lang=en").text


def test_someone_without_certificates_or_cohort(client, login_as, world):
    login_as(make_person(Role.OFFICIAL))
    assert "You have no certificates yet" in client.get("/my-certificates?lang=en").text


def test_the_pdf_downloads_for_the_holder(client, login_as, world, issued):
    login_as(world.holder)
    response = client.get(f"/certificates/{issued.serial}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert issued.serial in response.headers["Content-Disposition"]


def test_the_register_finds_certificates_by_any_spelling_name_or_status(client, login_as, world,
                                                                         issued):
    other = issue_programme_certificate(enrolled(world.cohort, given_names="Rodrigo",
                                                 family_names="Paillal"), world.cohort, actor=None)
    revoke(other, reason="Duplicado", actor=world.manager)
    db.session.commit()
    login_as(world.manager)

    def serials(**query) -> set[str]:
        html = client.get("/certificates", query_string=query).text
        return {serial for serial in (issued.serial, other.serial) if serial in html}

    assert serials() == {issued.serial, other.serial}
    assert serials(q=issued.serial.lower().replace("-", "")) == {issued.serial}
    assert serials(q="paillal") == {other.serial}
    assert serials(status="revoked") == {other.serial}
    assert serials(status="live") == {issued.serial}
    assert serials(person_id=world.holder.id) == {issued.serial}


def test_the_register_costs_the_same_queries_for_many_certificates(client, login_as, world,
                                                                    count_queries):
    login_as(world.manager)

    def queries() -> int:
        with count_queries() as counter:
            assert client.get("/certificates").status_code == 200
        return counter["n"]

    issue_programme_certificate(enrolled(world.cohort), world.cohort, actor=None)
    db.session.commit()
    few = queries()
    for _ in range(12):
        issue_programme_certificate(enrolled(world.cohort), world.cohort, actor=None)
    db.session.commit()
    assert queries() == few


def test_revoking_from_the_detail_page(client, login_as, world, issued):
    login_as(world.manager)
    page = client.get(f"/certificates/{issued.serial}?lang=en")
    assert page.status_code == 200 and "Revoke certificate" in page.text
    response = client.post(f"/certificates/{issued.serial}/revoke", data={"reason": ""})
    assert response.status_code == 422
    assert db.session.get(Certificate, issued.id).revoked_at is None
    asked = client.post(f"/certificates/{issued.serial}/revoke?lang=en",
                        data={"reason": "issued_in_error", "note": "El nombre está mal escrito"})
    # A confirmation page first: what happens, to whom, that it cannot be undone.
    assert asked.status_code == 200
    assert f"Revoke certificate {issued.serial}?" in asked.text
    assert "Issued in error" in asked.text and "El nombre está mal escrito" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    assert re.search(r'id="confirm-people">1<', asked.text)
    assert 'id="confirm-reversible"><span class="badge bad">No' in asked.text
    assert f'href="/certificates/{issued.serial}"' in asked.text  # cancel
    db.session.expire_all()
    assert db.session.get(Certificate, issued.id).revoked_at is None
    response = client.post(f"/certificates/{issued.serial}/revoke",
                           data={"reason": "issued_in_error", "note": "El nombre está mal escrito",
                                 "confirmed": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    revoked = db.session.get(Certificate, issued.id)
    assert (revoked.revocation_reason, revoked.revocation_note) == (
        "issued_in_error", "El nombre está mal escrito")
    verification = client.get(f"/v/{issued.serial}?lang=en").text
    assert "verdict-revoked" in verification and "Issued in error" in verification
    assert "El nombre está mal escrito" not in verification  # never shown to the public
    history = client.get(f"/certificates/{issued.serial}?lang=en").text
    assert "El nombre está mal escrito" in history and world.manager.full_name in history
    again = client.post(f"/certificates/{issued.serial}/revoke",
                        data={"reason": "other", "confirmed": "yes"})
    assert again.status_code == 422
    # A revoked certificate is not offered for confirmation: the refusal comes at once.
    assert client.post(f"/certificates/{issued.serial}/revoke",
                       data={"reason": "other"}).status_code == 422


def test_reissuing_from_the_detail_page(client, login_as, world, issued):
    login_as(world.manager)
    asked = client.post(f"/certificates/{issued.serial}/reissue?lang=en",
                        data={"reason": "replaced", "note": "Cambio de nombre"})
    assert asked.status_code == 200 and f"Reissue certificate {issued.serial}?" in asked.text
    db.session.expire_all()
    assert db.session.get(Certificate, issued.id).replaced_by_id is None
    response = client.post(f"/certificates/{issued.serial}/reissue",
                           data={"reason": "replaced", "note": "Cambio de nombre", "confirmed": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    old = db.session.get(Certificate, issued.id)
    new = db.session.get(Certificate, old.replaced_by_id)
    assert response.headers["Location"].endswith(f"/certificates/{new.serial}")
    page = client.get(f"/v/{old.serial}").text
    assert "verdict-revoked" in page and new.serial in page
    assert client.post(f"/certificates/{new.serial}/reissue", data={}).status_code == 422


def test_issuing_from_the_cohort_page(client, login_as, world):
    login_as(world.manager)
    page = client.get(f"/cohorts/{world.cohort.id}/certificates?lang=en")
    assert page.status_code == 200 and f'value="{world.holder.id}"' in page.text
    # First a confirmation: who, that an e-mail goes out, and that it cannot be undone.
    asked = client.post(f"/cohorts/{world.cohort.id}/certificates?lang=en",
                        data={"person_id": world.holder.id})
    assert asked.status_code == 200 and f"to {world.holder.full_name}?" in asked.text
    assert 'id="confirm-people">1<' in asked.text and world.holder.email in asked.text
    assert 'id="confirm-reversible"><span class="badge bad">No' in asked.text
    assert f'name="person_id" value="{world.holder.id}"' in asked.text
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
    response = client.post(f"/cohorts/{world.cohort.id}/certificates",
                           data={"person_id": world.holder.id, "confirmed": "yes"})
    assert response.status_code == 302
    certificate = db.session.scalar(sa.select(Certificate).where(
        Certificate.person_id == world.holder.id))
    assert certificate.cohort_id == world.cohort.id
    # Its PDF is laid out and stored by a job, so that downloading it only reads.
    rendering = db.session.scalar(sa.select(Job).where(Job.name == "render_certificates"))
    assert rendering.payload == {"certificate_ids": [certificate.id]}
    again = client.post(f"/cohorts/{world.cohort.id}/certificates?lang=en",
                        data={"person_id": world.holder.id}, follow_redirects=True)
    assert again.status_code == 200 and "already holds certificate" in again.text
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1
    assert client.post(f"/cohorts/{world.cohort.id}/certificates",
                       data={"person_id": 999999}).status_code == 422


def test_someone_not_eligible_is_refused_on_the_cohort_page(client, login_as, programme, manager):
    from certify.cohorts.services import create_cohort

    cohort = create_cohort(programme, name="Cohorte real")
    db.session.commit()
    person = enrolled(cohort)
    login_as(manager)
    page = client.get(f"/cohorts/{cohort.id}/certificates?lang=en").text
    assert "Final survey not answered yet" in page and f'value="{person.id}"' not in page
    response = client.post(f"/cohorts/{cohort.id}/certificates?lang=en",
                           data={"person_id": person.id})
    assert response.status_code == 422 and "cannot be certified yet" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_the_cohort_page_costs_the_same_queries_for_a_larger_cohort(client, login_as, world,
                                                                     count_queries):
    login_as(world.manager)

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(f"/cohorts/{world.cohort.id}/certificates").status_code == 200
        return counter["n"]

    issue_programme_certificate(world.holder, world.cohort, actor=None)
    db.session.commit()
    few = queries()
    for _ in range(10):
        issue_programme_certificate(enrolled(world.cohort), world.cohort, actor=None)
    db.session.commit()
    assert queries() == few


def test_issuing_certificates_of_participation_from_the_session_page(client, login_as, world):
    start = utcnow().replace(microsecond=0) - timedelta(days=1)
    session = attendance.create_session(
        cohort=world.cohort, module=world.programme.modules[1], title="Encuentro",
        starts_at=start, ends_at=start + timedelta(hours=8), venue="GAM", capacity=10)
    db.session.flush()
    absent = enrolled(world.cohort, given_names="Ausente")
    for person, status in ((world.holder, "present"), (absent, "absent")):
        registration = attendance.register(session, person, now=start - timedelta(days=3))
        attendance.set_attendance(registration, status, by=world.manager)
    db.session.commit()
    login_as(world.manager)
    page = client.get(f"/sessions/{session.id}/certificates?lang=en").text
    assert world.holder.family_names in page and "Ausente" not in page
    asked = client.post(f"/sessions/{session.id}/certificates?lang=en",
                        data={"person_id": world.holder.id})
    assert asked.status_code == 200 and "certificate of participation in Encuentro" in asked.text
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
    response = client.post(f"/sessions/{session.id}/certificates",
                           data={"person_id": world.holder.id, "confirmed": "yes"})
    assert response.status_code == 302
    certificate = db.session.scalar(sa.select(Certificate).where(
        Certificate.session_id == session.id))
    assert certificate.person_id == world.holder.id
    assert client.post(f"/sessions/{session.id}/certificates",
                       data={"person_id": absent.id}).status_code == 422
