"""``certify certificates verify`` and ``revoke`` (``certify keys`` is in test_signing)."""

from __future__ import annotations

from certify.certificates.models import Certificate
from certify.core.audit import history
from certify.extensions import db


def test_verify_says_the_state_and_exits_0_only_when_valid(app, issued):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "verify", issued.serial.lower(),
                                 "--token", issued.token])
    assert result.exit_code == 0
    assert f"{issued.serial}: VALID" in result.output and issued.holder_name in result.output
    result = runner.invoke(args=["certificates", "verify", "0000-0000-0000"])
    assert result.exit_code == 1 and "NOT_FOUND" in result.output
    result = runner.invoke(args=["certificates", "verify", issued.serial, "--token", "x.y.z"])
    assert result.exit_code == 1 and "INVALID_SIGNATURE" in result.output
    db.session.expire_all()
    assert db.session.get(Certificate, issued.id).verification_count == 0  # not counted


def test_revoke_from_the_command_line_is_audited(app, world, issued):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "revoke", issued.serial, "--reason",
                                 "holder_request", "--note", "Solicitud de la persona", "--by",
                                 world.manager.email])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    certificate = db.session.get(Certificate, issued.id)
    assert certificate.revocation_reason == "holder_request"
    assert certificate.revocation_note == "Solicitud de la persona"
    assert history(certificate)[-1].actor_id == world.manager.id
    again = runner.invoke(args=["certificates", "revoke", issued.serial, "--reason", "other"])
    assert again.exit_code == 2 and issued.serial in again.output  # "… is already revoked."
    unknown = runner.invoke(args=["certificates", "revoke", issued.serial, "--reason", "other",
                                  "--by", "nadie@example.org"])
    assert unknown.exit_code == 2 and "nobody has the e-mail" in unknown.output
