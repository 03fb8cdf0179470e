"""Who may use each certificate page and endpoint: URL x role -> status.

Verification needs no account; holders see their own certificates only (404
for anyone else's, so serials cannot be probed); managers run the register.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from certify.accounts.models import Role
from certify.attendance import services as attendance
from certify.certificates.issuing import issue_programme_certificate
from certify.certificates.models import DesignImage
from certify.core.clock import utcnow
from certify.extensions import db
from tests.access_matrix import LOGIN, assert_access, matrix_ids, request_as
from tests.certificates.conftest import enrolled
from tests.factories import make_person

# Who may see what is decided in Python, not by the database: SQLite only.
pytestmark = pytest.mark.one_database

JOB_VIEWS = "certify.certificates.jobs_views"
ROLES = ("anonymous", "holder", "other_official", "tutor", "manager", "admin")
EVERYONE = (200,) * 6
MANAGERS = (LOGIN, 403, 403, 403, 200, 200)
MANAGERS_ACT = (LOGIN, 403, 403, 403, 302, 302)
HOLDER_OR_MANAGER = (LOGIN, 200, 404, 404, 200, 200)
API_MANAGERS = (401, 403, 403, 403, 200, 200)
API_HOLDER_OR_MANAGER = (401, 200, 404, 404, 200, 200)
REASON = {"reason": "issued_in_error", "note": "Revisión del registro"}
CONFIRMED_REASON = {**REASON, "confirmed": "yes"}  # the page's post after its confirmation step

MATRIX = [
    ("GET", "/v", None, EVERYONE),
    ("GET", "/v/{serial}", None, EVERYONE),
    ("GET", "/.well-known/jwks.json", None, EVERYONE),
    ("GET", "/.well-known/did.json", None, EVERYONE),
    ("GET", "/v/offline", None, EVERYONE),
    ("GET", "/v/offline.webmanifest", None, EVERYONE),
    ("GET", "/v/offline-sw.js", None, EVERYONE),
    ("GET", "/keys/{kid}", None, EVERYONE),
    ("GET", "/issuers/CRT", None, EVERYONE),
    ("GET", "/v/offline", None, EVERYONE),
    ("GET", "/v/offline.webmanifest", None, EVERYONE),
    ("GET", "/v/offline-sw.js", None, EVERYONE),
    ("GET", "/images/{image}", None, EVERYONE),
    ("GET", "/images/{image}.png", None, EVERYONE),
    ("GET", "/badges/{serial}", None, EVERYONE),
    ("GET", "/badges/{serial}.png", None, EVERYONE),
    ("GET", "/status/1", None, EVERYONE),
    ("GET", "/my-certificates", None, (LOGIN, 200, 200, 403, 403, 200)),
    ("GET", "/certificates/{serial}.pdf", None, HOLDER_OR_MANAGER),
    ("GET", "/certificates/{serial}/badge", None, HOLDER_OR_MANAGER),
    ("GET", "/certificates", None, MANAGERS),
    ("GET", "/certificates/import", None, MANAGERS),
    ("GET", "/certificates/import/template.csv", None, MANAGERS),
    # A confirmation whose file is not waiting: refused, nothing written.
    ("POST", "/certificates/import", {"confirmed": "yes", "token": "x" * 22, "expected": "1"},
     (LOGIN, 403, 403, 403, 422, 422)),
    ("GET", "/certificates/{serial}", None, MANAGERS),
    ("POST", "/certificates/{serial}/revoke", REASON, MANAGERS),  # asks to confirm
    ("POST", "/certificates/{serial}/revoke", CONFIRMED_REASON, MANAGERS_ACT),
    ("POST", "/certificates/{serial}/reissue", REASON, MANAGERS),
    ("POST", "/certificates/{serial}/reissue", CONFIRMED_REASON, MANAGERS_ACT),
    ("GET", "/cohorts/{cohort}/certificates", None, MANAGERS),
    # The holder already holds it: nothing to confirm, the page says so.
    ("POST", "/cohorts/{cohort}/certificates", lambda w: {"person_id": w.holder.id},
     MANAGERS_ACT),
    ("GET", "/sessions/{session}/certificates", None, MANAGERS),
    ("POST", "/sessions/{session}/certificates", lambda w: {"person_id": w.holder.id},
     MANAGERS),  # asks to confirm
    ("POST", "/sessions/{session}/certificates",
     lambda w: {"person_id": w.holder.id, "confirmed": "yes"}, MANAGERS_ACT),
    ("GET", "/api/v1/verify/{serial}", None, EVERYONE),
    ("GET", "/api/v1/certificates", None, API_MANAGERS),
    ("POST", "/api/v1/certificates", lambda w: {"person_id": w.holder.id,
                                                "cohort_id": w.cohort.id}, API_MANAGERS),
    ("GET", "/api/v1/certificates/{serial}", None, API_HOLDER_OR_MANAGER),
    ("GET", "/api/v1/certificates/{serial}/credential", None, API_HOLDER_OR_MANAGER),
    ("POST", "/api/v1/certificates/{serial}/revocation", REASON, API_MANAGERS),
    ("POST", "/api/v1/certificates/{serial}/reissue", REASON,
     (401, 403, 403, 403, 201, 201)),
]


@pytest.fixture
def access_world(world, tutor, admin):
    start = utcnow().replace(microsecond=0) - timedelta(days=2)
    session = attendance.create_session(
        cohort=world.cohort, module=world.programme.modules[1], title="Encuentro",
        starts_at=start, ends_at=start + timedelta(hours=8), venue="GAM", capacity=10)
    db.session.flush()
    registration = attendance.register(session, world.holder, now=start - timedelta(days=3))
    attendance.set_attendance(registration, "present", by=world.manager)
    certificate = issue_programme_certificate(world.holder, world.cohort, actor=world.manager)
    image = DesignImage(sha256="ab" * 32, media_type="image/svg+xml", width=1, height=1,
                        data=b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>')
    db.session.add(image)
    certificate.design = {"emblem": image.sha256}  # so that it has a badge to bake
    db.session.commit()
    other = enrolled(world.cohort)
    return SimpleNamespace(
        holder=world.holder, cohort=world.cohort, session=session, certificate=certificate,
        image=image.sha256,
        people={"holder": world.holder, "other_official": other, "tutor": tutor,
                "manager": world.manager, "admin": admin})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "body", "expected"), MATRIX, ids=matrix_ids(MATRIX))
def test_access(client, login_as, bearer, access_world, role, method, url, body, expected):
    world = access_world
    target = url.format(serial=world.certificate.serial, kid=world.certificate.kid,
                        cohort=world.cohort.id, session=world.session.id, image=world.image)
    payload = body(world) if callable(body) else body
    response = request_as(client, login_as, bearer, world.people.get(role), method, target,
                          payload)
    assert_access(response, expected[ROLES.index(role)])


def test_the_matrix_covers_every_certificate_endpoint(app):
    adapter = app.url_map.bind("certify.test")
    covered = {(adapter.match(url.format(serial="K7QM-3XDA-9PFT", kid="20260101-AAAAAAAA",
                                         cohort=1, session=1, image="ab" * 32),
                              method=method)[0], method)
               for method, url, _body, _expected in MATRIX}
    # Bulk issuance and the job pages (certificates.jobs_views) are tested with the jobs
    # (tests/certificates/test_jobs.py).
    endpoints = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
                 if rule.endpoint.split(".")[0] in {"certificates", "certificates_api"}
                 and app.view_functions[rule.endpoint].__module__ != JOB_VIEWS
                 for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert endpoints and endpoints == covered


def test_officials_never_see_others_certificates_in_the_api(client, bearer, world, issued):
    stranger = make_person(Role.OFFICIAL)
    headers = bearer(stranger)
    response = client.get(f"/api/v1/certificates/{issued.serial}", headers=headers)
    assert response.status_code == 404
    assert issued.holder_name not in response.text
