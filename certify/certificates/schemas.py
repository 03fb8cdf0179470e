"""What the certificates API reads and writes (marshmallow)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema
from marshmallow.validate import Length, OneOf, Range

from certify.certificates.issuing import REASON_MAX_LENGTH
from certify.certificates.models import CertificateKind, RevocationReason
from certify.certificates.register import CertificateStatus
from certify.certificates.verification import VerificationState


def _id(**options) -> fields.Integer:
    return fields.Integer(strict=True, validate=Range(min=1), **options)


# --- output ------------------------------------------------------------------------------------

class CertificateModuleSchema(Schema):
    code = fields.String()
    title = fields.String(metadata={"description": "In the language of the request."})
    hours = fields.String(metadata={"description": "Decimal hours, e.g. \"24\" or \"8.5\"."})


class CertificateFactsSchema(Schema):
    """What a certificate states: the same facts as its public verification page."""

    serial = fields.String(metadata={"example": "K7QM-3XDA-9PFT"})
    kind = fields.Enum(CertificateKind, by_value=True)
    holder_name = fields.String()
    certificate_title = fields.String()
    programme_code = fields.String()
    programme_title = fields.String()
    modules = fields.List(fields.Nested(CertificateModuleSchema))
    hours = fields.String()
    issuer_name = fields.String()
    issuer_url = fields.String(allow_none=True)
    place = fields.String()
    issued_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    revocation_reason = fields.String(allow_none=True, metadata={
        "description": "Why it was revoked, a code: issued_in_error, replaced, "
                       "requirement_unmet, holder_request or other."})
    revocation_reason_label = fields.String(allow_none=True, metadata={
        "description": "The reason in the language of the request."})
    replaced_by = fields.String(allow_none=True, metadata={"description": "Serial of the "
                                                           "certificate that replaced this one."})


class VerificationSchema(Schema):
    state = fields.Enum(VerificationState, by_value=True, metadata={
        "description": "VALID, REVOKED, EXPIRED or INVALID_SIGNATURE (unknown and malformed "
                       "serials are 404 and 400 errors)."})
    valid = fields.Boolean()
    serial = fields.String()
    token_checked = fields.Boolean(metadata={"description": "Whether the token `t` was checked."})
    checked_at = fields.DateTime()
    certificate = fields.Nested(CertificateFactsSchema)


class CertificateSchema(CertificateFactsSchema):
    """A certificate as its holder and managers see it."""

    id = fields.Integer()
    person_id = fields.Integer(allow_none=True)
    cohort_id = fields.Integer(allow_none=True)
    session_id = fields.Integer(allow_none=True)
    programme_id = fields.Integer(allow_none=True)
    verification_url = fields.String(metadata={"description": "What the QR code encodes."})
    credential_url = fields.String(metadata={"description": "The Open Badges 3.0 credential."})
    verification_count = fields.Integer()


# --- input -------------------------------------------------------------------------------------

class CertificateFilterSchema(Schema):
    q = fields.String(validate=Length(max=200), metadata={
        "description": "A serial (any spelling), or part of a name, serial or programme code."})
    status = fields.String(validate=OneOf([status.value for status in CertificateStatus]))
    kind = fields.String(validate=OneOf([kind.value for kind in CertificateKind]))
    # Query strings are text: these ids are parsed, not strict.
    programme_id = fields.Integer(validate=Range(min=1))
    person_id = fields.Integer(validate=Range(min=1))


class IssueSchema(Schema):
    person_id = _id(required=True)
    cohort_id = _id(metadata={"description": "For a programme certificate."})
    session_id = _id(metadata={"description": "For a certificate of participation."})

    @validates_schema
    def _one_source(self, data: dict, **_kwargs) -> None:
        if ("cohort_id" in data) == ("session_id" in data):
            raise ValidationError("Give either cohort_id (programme certificate) or session_id "
                                  "(certificate of participation).", field_name="cohort_id")


class ReasonSchema(Schema):
    reason = fields.String(required=True,
                           validate=OneOf([str(reason) for reason in RevocationReason]),
                           metadata={"description": "Why, a code (shown translated on the "
                                                    "verification page): issued_in_error, "
                                                    "replaced, requirement_unmet, "
                                                    "holder_request or other."})
    note = fields.String(validate=Length(max=REASON_MAX_LENGTH), load_default=None,
                         metadata={"description": "An internal note; never shown to the "
                                                  "public."})


class VerifyQuerySchema(Schema):
    t = fields.String(validate=Length(max=8192), metadata={
        "description": "The token from the QR code (optional)."})


class CredentialQuerySchema(Schema):
    format = fields.String(load_default="jwt", validate=OneOf(["jwt", "json"]), metadata={
        "description": "`jwt` (default): a VC-JWT, application/vc+jwt; `json`: the unsigned "
                       "credential."})
