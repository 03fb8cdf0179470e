"""Kept verification answers stay true for every app sharing the database: two apps (as two
gunicorn workers or two machines would be), every commit real. The answers are kept under the
stamp of each request's own read of the row, so nothing needs to be told of a revocation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from certify.accounts.models import Person
from certify.certificates.facts_cache import forget_answers
from certify.certificates.issuing import reissue, revoke
from certify.certificates.kept_answers import forget_kept_answers
from certify.certificates.models import Certificate
from certify.extensions import db
from tests.concurrency import committed_certificate, statements_sent
from tests.conftest import make_app

pytestmark = pytest.mark.committing


@pytest.fixture
def two_apps(app, tmp_path):
    apps = [make_app(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path / name),
                     SIGNING_KEYS_DIR=app.config["SIGNING_KEYS_DIR"]) for name in "ab"]
    yield apps
    for made in apps:
        with made.app_context():
            db.engine.dispose()


@pytest.fixture
def certified(two_apps):
    """A certificate committed through the first app; everything it made deleted after."""
    with committed_certificate(two_apps[0], "SHARED", "Compartida") as ids:
        yield ids
    forget_answers()
    forget_kept_answers()


def _answers(app, ids) -> tuple[str, str]:
    """The page's verdict word and the JSON state, as a verifier gets them from ``app``."""
    client = app.test_client()
    page = client.get(f"/v/{ids['qr_token']}?lang=en")
    api = client.get(f"/api/v1/verify/{ids['serial']}?t={ids['qr_token']}&lang=en")
    word = page.text.split('class="verdict-word">', 1)[1].split("</p>", 1)[0]
    body = api.get_json()
    return word.rsplit(" ", 1)[-1], body.get("state") or body.get("code")


def _in(app, work):
    with app.app_context():
        certificate = db.session.get(Certificate, work["certificate"])
        manager = db.session.get(Person, work["manager"])
        result = work["do"](certificate, manager)
        db.session.commit()
        db.session.remove()
        return result


def test_a_revocation_in_one_app_shows_at_once_in_the_other(two_apps, certified):
    first, second = two_apps
    for _ in range(2):  # the second time from the kept answers
        assert _answers(second, certified) == ("Valid", "VALID")
        assert _answers(first, certified) == ("Valid", "VALID")
    _in(first, {**certified, "do": lambda certificate, manager: revoke(
        certificate, reason="issued_in_error", actor=manager)})
    assert _answers(second, certified) == ("Revoked", "REVOKED")
    assert _answers(first, certified) == ("Revoked", "REVOKED")


def test_a_reissue_in_one_app_shows_its_link_at_once_in_the_other(two_apps, certified):
    first, second = two_apps
    assert _answers(second, certified) == ("Valid", "VALID")
    replacement = _in(first, {**certified, "do": lambda certificate, manager: reissue(
        certificate, reason="Nombre corregido", actor=manager).serial})
    html = second.test_client().get(f"/v/{certified['qr_token']}?lang=en").text
    assert "Revoked" in html and f'<a href="/v/{replacement}"><code>{replacement}</code></a>' in html
    assert _answers(second, certified)[1] == "REVOKED"


def test_a_row_changed_behind_the_apps_back_is_judged_again(two_apps, certified):
    """Whoever changes the row (here plain SQL, no app told), the kept answer is not used."""
    first, second = two_apps
    assert _answers(second, certified) == ("Valid", "VALID")
    with first.app_context(), db.engine.begin() as connection:
        connection.execute(sa.update(Certificate).where(
            Certificate.id == certified["certificate"]).values(holder_name="Otra Persona"))
    assert _answers(second, certified) == ("signature", "invalid_signature")


def test_a_verification_is_one_statement_outside_any_transaction(two_apps, certified):
    """No BEGIN before the read (nor the round trips PostgreSQL's driver adds around it),
    whether Flask judges the verification or a kept answer is checked against the row."""
    second = two_apps[1]
    client = second.test_client()
    client.get(f"/v/{certified['qr_token']}")  # the first request of an app reads more
    with second.app_context():
        engine = db.engine
    with statements_sent(engine) as sent:
        for _ in range(2):  # judged, then answered from the kept answer
            assert client.get(f"/v/{certified['qr_token']}?lang=en").status_code == 200
            assert client.get(f"/api/v1/verify/{certified['serial']}").status_code == 200
    assert len(sent) == 4 and set(sent) <= {"SELECT", "EXECUTE"}, sent
