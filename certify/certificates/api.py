"""JSON API for certificates (/api/v1): public verification, the register, Open Badges.

Thin: parse with a schema, check who may, call a service, commit once, dump
with a schema. ``/verify/<serial>`` needs no account and is rate limited per
address; the rest needs a Bearer token or a session.
"""

from __future__ import annotations

from flask import Response, current_app, jsonify
from flask_babel import gettext as _
from flask_smorest import Blueprint

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Person, Role
from certify.attendance.models import InPersonSession
from certify.certificates.bulk import render_later
from certify.certificates.facts_cache import cached_answer
from certify.certificates.issuing import (
    Verification,
    VerificationState,
    get_by_serial,
    issue_participation_certificate,
    issue_programme_certificate,
    live_participation_certificate,
    live_programme_certificate,
    reason_label,
    reissue,
    revoke,
)
from certify.certificates.kept_answers import offer
from certify.certificates.links import (
    base_url,
    open_to_verifiers,
    verification_url,
)
from certify.certificates.models import Certificate
from certify.certificates.openbadges import MEDIA_TYPE, open_badge_credential, signed_open_badge
from certify.certificates.register import can_see_certificate, certificates_query
from certify.certificates.schemas import (
    CertificateFactsSchema,
    CertificateFilterSchema,
    CertificateSchema,
    CredentialQuerySchema,
    IssueSchema,
    ReasonSchema,
    VerificationSchema,
    VerifyQuerySchema,
)
from certify.certificates.serials import MalformedSerial
from certify.certificates.tokens import hours_text
from certify.certificates.verification import judge, read_verification
from certify.cohorts.models import Cohort
from certify.core import rest
from certify.core.errors import DomainError, NotFound, ValidationError
from certify.core.http import handle_domain_error, paginate_api
from certify.core.i18n import localized
from certify.core.rest import unit_of_work
from certify.extensions import db

blp = Blueprint("certificates_api", __name__, url_prefix="/api/v1")

ERRORS = {
    "e404": "No such certificate, or not yours.",
    "e409": "Already revoked.",
    "e422": "Not valid: e.g. the person is not eligible (`errors.person_id` lists why).",
}


def documents_errors(*statuses: int, **descriptions: str):
    return rest.documents_errors(blp, *statuses, **{**ERRORS, **descriptions})


class InvalidSignature(DomainError):
    status = 400
    code = "invalid_signature"


def facts(certificate: Certificate) -> dict:
    """What the certificate states, in the language of the request."""
    return {
        "serial": certificate.serial, "kind": certificate.kind,
        "holder_name": certificate.holder_name, "certificate_title": certificate.title_in(),
        "programme_code": certificate.programme_code,
        "programme_title": certificate.programme_title_in(),
        "modules": [{"code": module.get("code"), "title": localized(module.get("title")),
                     "hours": module.get("hours")} for module in certificate.modules],
        "hours": hours_text(certificate.hours), "issuer_name": certificate.issuer_name,
        "issuer_url": certificate.issuer_url, "place": certificate.place,
        "issued_at": certificate.issued_at, "expires_at": certificate.expires_at,
        "revoked_at": certificate.revoked_at, "revocation_reason": certificate.revocation_reason,
        "revocation_reason_label": reason_label(certificate.revocation_reason) or None,
        "replaced_by": certificate.replaced_by.serial if certificate.replaced_by else None,
    }


def _full(certificate: Certificate) -> dict:
    return {**facts(certificate), "id": certificate.id, "person_id": certificate.person_id,
            "cohort_id": certificate.cohort_id, "session_id": certificate.session_id,
            "programme_id": certificate.programme_id,
            "verification_url": verification_url(certificate),
            "credential_url": f"{base_url()}/api/v1/certificates/{certificate.serial}/credential",
            "verification_count": certificate.verification_count}


def _visible(serial: str) -> Certificate:
    try:
        certificate = get_by_serial(serial)
    except NotFound:
        raise
    except DomainError as error:  # a malformed serial names no certificate anyone may see
        raise NotFound(error.message, errors={"serial": [error.message]}) from error
    if not can_see_certificate(current_person(), certificate):
        raise NotFound(_("There is no certificate with the code %(serial)s.",
                         serial=certificate.serial))
    return certificate


# --- public verification -----------------------------------------------------------------------

_FACTS_SCHEMA = CertificateFactsSchema()


def _verdict_body(verdict: Verification) -> dict:
    """The answer VerificationSchema documents but its time, built by hand: the certificate's
    part is serialised once per certificate, language and state (certificates.facts_cache)."""
    certificate = verdict.certificate
    return {
        "state": verdict.state.value, "valid": verdict.valid, "serial": verdict.serial,
        "token_checked": verdict.token_checked,
        "certificate": cached_answer(certificate, "json",
                                     lambda: _FACTS_SCHEMA.dump(facts(certificate)))
        if certificate is not None else None}


@blp.route("/verify/<serial>", methods=["GET"], tags=["Verification"])
@blp.arguments(VerifyQuerySchema, location="query")
@blp.response(200, VerificationSchema)
@documents_errors(404, e404="No certificate has this serial.")
@blp.alt_response(400, schema=rest.ApiErrorSchema, description=(
    "`malformed_serial`: the serial has a typing mistake (caught by its check character; "
    "nothing was looked up). `invalid_signature`: the token `t` does not match the certificate."))
@blp.alt_response(429, schema=rest.ApiErrorSchema, description="Too many verifications from "
                                                               "this address; wait a minute.")
@blp.doc(security=[])
@open_to_verifiers
def verify_certificate(args: dict, serial: str):
    """Verify a certificate (no account needed): VALID, REVOKED or EXPIRED, with its facts.

    Give the token from the QR code as `t` to check it too. The serial may be
    typed in any spelling (lower case, without dashes, O for 0). Each call is
    counted on the certificate; no visitor data is kept.
    """
    reading = read_verification(serial, args.get("t"))
    verdict = judge(reading)
    if (rejection := _rejection(verdict)) is not None:
        # Answered rather than raised: the count of a rejected token is committed too.
        return handle_domain_error(rejection)
    checked_at = reading.now.isoformat()
    offer(reading, verdict.state, checked_at)
    return jsonify({**_verdict_body(verdict), "checked_at": checked_at})


def _rejection(verdict: Verification) -> DomainError | None:
    if verdict.state is VerificationState.MALFORMED:
        return MalformedSerial(verdict.message, errors={"serial": [verdict.message]})
    if verdict.state is VerificationState.NOT_FOUND:
        return NotFound(_("No certificate has the code %(serial)s.", serial=verdict.serial))
    if verdict.state is VerificationState.UNREGISTERED:
        return NotFound(_("The signature is valid, but certificate %(serial)s is not in this "
                          "register.", serial=verdict.serial))
    if verdict.state is VerificationState.INVALID_SIGNATURE:
        message = _("The token does not match certificate %(serial)s: the document it came "
                    "from was altered or is not genuine.", serial=verdict.serial)
        return InvalidSignature(message, errors={"t": [message]})
    return None


# --- the register ------------------------------------------------------------------------------

@blp.route("/certificates", methods=["GET"], tags=["Certificates"])
@blp.arguments(CertificateFilterSchema, location="query")
@blp.response(200, CertificateSchema(many=True))
@blp.paginate()
@documents_errors(401, 403)
@require_role(Role.MANAGER)
def list_certificates(args: dict, pagination_parameters):
    """The register of certificates, newest first (managers).

    Filter by `q` (a serial in any spelling, or part of a name, serial or
    programme code), `status` (live, revoked), `kind`, `programme_id`, `person_id`.
    """
    query = certificates_query(search=args.get("q"), status=args.get("status"),
                               kind=args.get("kind"), programme_id=args.get("programme_id"),
                               person_id=args.get("person_id"))
    return [_full(certificate) for certificate in paginate_api(query, pagination_parameters)]


@blp.route("/certificates/<serial>", methods=["GET"], tags=["Certificates"])
@blp.response(200, CertificateSchema)
@documents_errors(401, 404)
@require_role()
def get_certificate(serial: str):
    """One certificate: its holder and managers only (404 for anyone else)."""
    return _full(_visible(serial))


def _referenced(model, ident: int, field: str):
    row = db.session.get(model, ident)
    if row is None:
        message = _("There is no record with id %(id)s.", id=ident)
        raise ValidationError(message, errors={field: [message]})
    return row


@blp.route("/certificates", methods=["POST"], tags=["Certificates"])
@blp.arguments(IssueSchema)
@blp.response(201, CertificateSchema, description="Issued.")
@blp.alt_response(200, schema=CertificateSchema, description="The person already holds a live "
                                                             "certificate; it is returned.")
@documents_errors(401, 403, 422)
@require_role(Role.MANAGER)
def issue_certificate(data: dict):
    """Issue a certificate to one person (managers).

    With `cohort_id`: the programme certificate, if the person is eligible (422
    lists the reasons otherwise). With `session_id`: the certificate of
    participation, for someone present or late, once the session has ended.
    """
    person = _referenced(Person, data["person_id"], "person_id")
    if "cohort_id" in data:
        cohort = _referenced(Cohort, data["cohort_id"], "cohort_id")
        existed = live_programme_certificate(person, cohort.programme) is not None
        with unit_of_work():
            certificate = issue_programme_certificate(person, cohort, actor=current_person())
    else:
        session = _referenced(InPersonSession, data["session_id"], "session_id")
        existed = live_participation_certificate(person, session) is not None
        with unit_of_work():
            certificate = issue_participation_certificate(person, session,
                                                          actor=current_person())
    if not existed:
        render_later(certificate)
    return _full(certificate), 200 if existed else 201


@blp.route("/certificates/<serial>/revocation", methods=["POST"], tags=["Certificates"])
@blp.arguments(ReasonSchema)
@blp.response(200, CertificateSchema)
@documents_errors(401, 403, 404, 409)
@require_role(Role.MANAGER)
def revoke_certificate(data: dict, serial: str):
    """Revoke a certificate with a reason, shown on its verification page (managers)."""
    certificate = _visible(serial)
    with unit_of_work():
        revoke(certificate, reason=data["reason"], note=data.get("note"), actor=current_person())
    return _full(certificate)


@blp.route("/certificates/<serial>/reissue", methods=["POST"], tags=["Certificates"])
@blp.arguments(ReasonSchema)
@blp.response(201, CertificateSchema, description="The new certificate.")
@documents_errors(401, 403, 404, 409)
@require_role(Role.MANAGER)
def reissue_certificate(data: dict, serial: str):
    """Replace a certificate by a new one with a new serial; the old one is revoked (managers)."""
    certificate = _visible(serial)
    with unit_of_work():
        replacement = reissue(certificate, reason=data["reason"], note=data.get("note"),
                              actor=current_person())
        render_later(replacement)
    return _full(replacement)


# --- Open Badges 3.0 ---------------------------------------------------------------------------

@blp.route("/certificates/<serial>/credential", methods=["GET"], tags=["Certificates"])
@blp.arguments(CredentialQuerySchema, location="query")
@blp.response(200, description="The OpenBadgeCredential: a VC-JWT (application/vc+jwt), or "
                               "with `format=json` the unsigned credential (application/json).")
@documents_errors(401, 404)
@require_role()
def credential(args: dict, serial: str):
    """The certificate as an Open Badges 3.0 credential (its holder and managers)."""
    certificate = _visible(serial)
    if args["format"] == "json":
        response = current_app.json.response(open_badge_credential(certificate))
        extension = "json"
    else:
        response = Response(signed_open_badge(certificate), mimetype=MEDIA_TYPE)
        extension = "jwt"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=open-badge-{certificate.serial}.{extension}")
    return response
