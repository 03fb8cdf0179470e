"""What a programme declares about its certificates beyond the page: the competencies it
aligns to and its issuer's e-mail, checked by the loader, kept by each certificate, stated in
its Open Badges credential (alignment, hours as a result, issuer email) within the 1EdTech
schema, and listed on the public badge page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from certify.certificates.openbadges import open_badge_credential
from certify.extensions import db
from certify.programmes.content import load_course_content
from certify.programmes.content_files import ContentError
from certify.programmes.models import Programme
from tests.certificates.conftest import portuguese_holders_certificate
from tests.certificates.test_openbadges import schema_errors

pytestmark = pytest.mark.one_database  # the loader and the credential: no database-specific query
OPSI = ("https://www.oecd.org/media/oecdorg/satellitesites/opsi/contents/files/"
        "OECD_OPSI-core_skills_for_public_sector_innovation-201704.pdf")


@pytest.fixture
def certified(programme, manager):
    """A Portuguese-speaking holder's certificate of the demo programme."""
    return portuguese_holders_certificate(programme, manager, "Cohorte competencias")


def test_the_demo_programme_declares_oecd_competencies_and_an_issuer_email(programme):
    assert programme.issuer_email == "certificados@example.org"
    assert [c["code"] for c in programme.competencies] == [
        "iteration", "data-literacy", "user-centricity", "storytelling"]
    first = programme.competencies[0]
    assert first["name"] == {"es": "Iteración", "pt": "Iteração", "en": "Iteration"}
    assert first["url"] == f"{OPSI}#page=10"
    assert first["framework"] == "OECD Core Skills for Public Sector Innovation"
    assert first["type"] == "ceasn:Competency"


def test_the_credential_aligns_states_hours_and_names_the_issuers_email(certified):
    credential = open_badge_credential(certified)
    assert schema_errors(credential) == []
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["alignment"][0] == {
        "type": ["Alignment"], "targetName": "Iteração", "targetUrl": f"{OPSI}#page=10",
        "targetType": "ceasn:Competency",
        "targetDescription": "Melhorar políticas, produtos e serviços aos poucos e com rapidez, "
                             "aprendendo com cada teste.",
        "targetFramework": "OECD Core Skills for Public Sector Innovation",
        "targetCode": "iteration"}
    assert len(achievement["alignment"]) == 4
    [hours] = achievement["resultDescription"]
    assert hours["resultType"] == "ext:Hours" and hours["type"] == ["ResultDescription"]
    assert hours["id"].startswith(achievement["id"]) and hours["name"] == "Horas de formação"
    assert credential["credentialSubject"]["result"] == [
        {"type": ["Result"], "resultDescription": hours["id"], "value": "74"}]
    assert credential["issuer"]["email"] == "certificados@example.org"
    assert achievement["image"]["id"].endswith(".png")  # the emblem as a PNG, for wallets


def test_the_schema_refuses_an_alignment_without_its_target(certified):
    credential = open_badge_credential(certified)
    del credential["credentialSubject"]["achievement"]["alignment"][0]["targetUrl"]
    credential["credentialSubject"]["result"][0]["status"] = "Finished"
    errors = " ".join(schema_errors(credential))
    assert "'targetUrl' is a required property" in errors
    assert "'Finished' is not one of" in errors


def test_a_certificate_keeps_the_competencies_it_was_issued_with(certified, programme):
    programme.competencies = []
    programme.issuer_email = None
    db.session.commit()
    credential = open_badge_credential(certified)
    assert len(credential["credentialSubject"]["achievement"]["alignment"]) == 4
    assert credential["issuer"]["email"] == "certificados@example.org"


def test_the_issuer_profile_names_its_email(client, programme):
    profile = client.get(f"/issuers/{programme.code}").get_json()
    assert profile["email"] == "certificados@example.org"


def test_the_badge_page_lists_the_competencies_in_the_readers_language(client, certified):
    html = client.get(f"/badges/{certified.serial}?lang=en").text
    assert "Competencies" in html and "User centricity" in html
    assert f'href="{OPSI}#page=14"' in html


@pytest.fixture
def content_copy(app, tmp_path) -> Path:
    target = tmp_path / "course_content"
    shutil.copytree(app.config["CONTENT_DIR"], target)
    return target


@pytest.mark.parametrize(("old", "new", "expected"), [
    (f'    url: "{OPSI}#page=10"', '    url: "http://example.org/skill"',
     "competency 1: 'url' must start with https://"),
    ('  - name: {es: "Narrativa", pt: "Narrativa", en: "Storytelling"}',
     '  - label: {es: "Narrativa"}', "missing required key 'name'"),
    ("    code: iteration", "    code: iteration\n    type: Skill",
     "competency 1: 'type' must be one of ceasn:Competency"),
    ('  email: "certificados@example.org"', '  email: "certificados-at-example.org"',
     "issuer email: "),
])
def test_bad_competencies_and_emails_are_refused_with_their_line(content_copy, old, new,
                                                                  expected):
    path = content_copy / "programme.yaml"
    text = path.read_text()
    assert old in text
    changed = text.replace(old, new, 1)
    path.write_text(changed)
    # The line the problem is on: the last line the change wrote.
    line = changed.split(new, 1)[0].count("\n") + new.count("\n") + 1
    with pytest.raises(ContentError) as raised:
        load_course_content(content_copy)
    problems = [str(problem) for problem in raised.value.problems]
    assert any(f"programme.yaml:{line}: " in problem and expected in problem
               for problem in problems), (line, problems)
    assert db.session.scalar(sa.select(Programme)) is None


def test_the_signed_credential_with_alignment_verifies_by_kid_with_joserfc(client, login_as,
                                                                          certified):
    from joserfc import jwt
    from joserfc.jwk import KeySet

    from certify.accounts.models import Person

    login_as(db.session.get(Person, certified.person_id))
    token = client.get(f"/api/v1/certificates/{certified.serial}/credential").text
    keys = KeySet.import_key_set(client.get("/.well-known/jwks.json").get_json())
    decoded = jwt.decode(token, keys, algorithms=["RS256"])  # the key found by the header's kid
    claims = {name: value for name, value in decoded.claims.items()
              if name not in {"iss", "jti", "nbf", "sub", "exp"}}
    assert schema_errors(claims) == []
    assert claims["credentialSubject"]["achievement"]["alignment"][2]["targetName"] == \
        "Centralidade no usuário"
    assert claims["credentialSubject"]["result"][0]["value"] == "74"
