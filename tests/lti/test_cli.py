"""``certify lti ...``: register a platform and print what to paste, rotate keys, sync a
roster, send the grades that are due, hand out a registration link."""

from __future__ import annotations

import sqlalchemy as sa

from certify.extensions import db
from certify.lti import keys
from certify.lti.models import LtiContext, LtiPlatform, RegistrationInvite


def test_register_a_moodle_site_and_print_the_values_to_paste(app, programme):
    result = app.test_cli_runner().invoke(args=[
        "lti", "register-platform", "--moodle-url", "https://moodle.example.org/",
        "--client-id", "XyZ", "--deployment-id", "3", "--deployment-id", "4"])
    assert result.exit_code == 0, result.output
    platform = db.session.scalar(sa.select(LtiPlatform))
    assert (platform.issuer, platform.auth_login_url, platform.auth_token_url,
            platform.key_set_url) == (
        "https://moodle.example.org", "https://moodle.example.org/mod/lti/auth.php",
        "https://moodle.example.org/mod/lti/token.php",
        "https://moodle.example.org/mod/lti/certs.php")
    assert platform.deployment_ids == ["3", "4"] and platform.programme_id == programme.id
    assert "Registered platform" in result.output
    for value in ("Initiate login URL: https://certify.test/lti/login",
                  "Redirection URI(s): https://certify.test/lti/launch",
                  "Public keyset URL: https://certify.test/lti/jwks", "BEGIN PUBLIC KEY"):
        assert value in result.output

    again = app.test_cli_runner().invoke(args=[
        "lti", "register-platform", "--moodle-url", "https://moodle.example.org",
        "--client-id", "XyZ", "--deployment-id", "5", "--trusted-for-email"])
    assert again.exit_code == 0 and "Updated platform" in again.output
    db.session.refresh(platform)
    assert platform.deployment_ids == ["5"] and platform.trusted_for_email is True


def test_missing_or_bad_values_exit_with_2_and_say_which(app):
    result = app.test_cli_runner().invoke(args=[
        "lti", "register-platform", "--issuer", "http://moodle.example.org",
        "--client-id", "XyZ", "--deployment-id", "1"])
    assert result.exit_code == 2
    for field in ("issuer", "auth_login_url", "auth_token_url", "key_set_url"):
        assert field in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LtiPlatform)) == 0


def test_rotate_keys_and_tool_values(app):
    before = keys.signing_key().kid
    result = app.test_cli_runner().invoke(args=["lti", "rotate-keys"])
    assert result.exit_code == 0
    assert keys.signing_key().kid != before and keys.signing_key().kid in result.output
    shown = app.test_cli_runner().invoke(args=["lti", "tool-values"])
    assert keys.signing_key().kid in shown.output


def test_invite_prints_a_registration_link(app):
    result = app.test_cli_runner().invoke(args=["lti", "invite"])
    assert result.exit_code == 0 and "https://certify.test/lti/register?invite=" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistrationInvite)) == 1


def test_sync_roster_of_a_cohort(app, launcher, registered, course):
    assert launcher.launch("teacher-1", link_id="link-plain").status_code == 302
    cohort = db.session.scalar(sa.select(LtiContext)).cohort
    result = app.test_cli_runner().invoke(args=["lti", "sync-roster", cohort.name])
    assert result.exit_code == 0, result.output
    assert "3 members read in 2 page(s): 2 new people, 2 enrolled" in result.output
    missing = app.test_cli_runner().invoke(args=["lti", "sync-roster", "999999"])
    assert missing.exit_code == 2 and "There is no cohort 999999" in missing.output


def test_push_grades_sends_what_is_due(app, launcher, platform, registered, course):
    from tests.lti.test_grades import person_of, take_quiz

    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    platform.fail_next_scores = [(503, "busy")]
    take_quiz(person_of("learner-1"), "M1")
    first = app.test_cli_runner().invoke(args=["lti", "push-grades"])
    assert first.exit_code == 1 and "0 sent, 1 to retry later" in first.output
    nothing_due = app.test_cli_runner().invoke(args=["lti", "push-grades"])
    assert "0 sent, 0 to retry later" in nothing_due.output


def test_the_commands_speak_one_language_whatever_the_sites_default(app, launcher, registered,
                                                                    course, monkeypatch):
    # The site's pages default to Spanish; the operator's terminal gets English throughout,
    # labels, reports and errors included (never English lines with Spanish labels).
    assert launcher.launch("teacher-1", link_id="link-plain").status_code == 302
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "es")
    shown = app.test_cli_runner().invoke(args=["lti", "tool-values"])
    assert "Initiate login URL: https://certify.test/lti/login" in shown.output
    assert "URL de inicio" not in shown.output and "Nombre" not in shown.output
    cohort = db.session.scalar(sa.select(LtiContext)).cohort
    synced = app.test_cli_runner().invoke(args=["lti", "sync-roster", str(cohort.id)])
    assert "members read in" in synced.output and "miembros" not in synced.output
    refused = app.test_cli_runner().invoke(args=[
        "lti", "register-platform", "--issuer", "http://moodle.example.org",
        "--client-id", "XyZ", "--deployment-id", "1"])
    assert refused.exit_code == 2 and "not valid" in refused.output
