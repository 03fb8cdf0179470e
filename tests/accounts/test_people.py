"""People: creation rules, passwords, roles and API tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from certify.accounts import services
from certify.accounts.models import Role
from certify.core.clock import utcnow
from certify.core.errors import Conflict, ValidationError
from tests.factories import PASSWORD, make_person


def test_email_is_unique_whatever_its_case():
    make_person(email="Ana.Perez@Example.org")
    with pytest.raises(Conflict):
        make_person(email="ana.perez@EXAMPLE.ORG")
    assert services.find_person_by_email("ANA.PEREZ@example.org") is not None


@pytest.mark.parametrize("email", ["not-an-email", "ana@", "@example.org", "ana perez@example.org"])
def test_invalid_emails_are_refused(email):
    with pytest.raises(ValidationError):
        make_person(email=email)


def test_passwords_are_hashed_and_checked():
    person = make_person(email="pw@example.org", password=PASSWORD)
    assert PASSWORD not in person.password_hash
    assert services.authenticate("PW@example.org", PASSWORD) == person
    assert services.authenticate("pw@example.org", "wrong password") is None
    assert services.authenticate("nobody@example.org", PASSWORD) is None


def test_short_passwords_are_refused():
    with pytest.raises(ValidationError, match="12"):
        make_person(password="short")


def test_inactive_people_cannot_sign_in():
    person = make_person(email="gone@example.org", password=PASSWORD)
    person.active = False
    assert services.authenticate("gone@example.org", PASSWORD) is None


def test_admins_hold_every_role():
    admin = make_person(Role.ADMIN)
    official = make_person(Role.OFFICIAL)
    assert admin.has_role(Role.MANAGER) and admin.has_role(Role.TUTOR)
    assert official.has_role(Role.OFFICIAL) and not official.has_role(Role.MANAGER, Role.TUTOR)


def test_api_tokens_are_stored_hashed_and_can_expire_or_be_revoked():
    person = make_person()
    token, plaintext = services.issue_api_token(person, "reporting", expires_in_days=30)
    assert plaintext not in token.token_hash and token.prefix == plaintext[:10]
    assert services.authenticate_api_token(plaintext) == token
    assert services.authenticate_api_token(plaintext, now=utcnow() + timedelta(days=31)) is None
    services.revoke_api_token(token)
    assert services.authenticate_api_token(plaintext) is None
    assert services.authenticate_api_token("cfy_made-up") is None
