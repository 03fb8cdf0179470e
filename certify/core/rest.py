"""What every JSON API blueprint shares: the error schema, its documentation, the unit of work
(``certify.core.transactions``: every endpoint already runs in one), rows referenced by id in a
request body."""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce

from flask_babel import gettext as _
from flask_smorest import Api
from flask_smorest.fields import Upload
from flask_smorest.pagination import PaginationMetadataSchema
from marshmallow import Schema, fields
from marshmallow import ValidationError as SchemaValidationError
from werkzeug.datastructures import FileStorage

from certify import extensions  # a module reference: extensions imports this file
from certify.core.errors import ValidationError
from certify.core.transactions import unit_of_work  # noqa: F401 - the API's face of it


class ApiErrorSchema(Schema):
    """The house error format (``certify.core.http.error_response``)."""

    code = fields.String(metadata={"description": "Machine-readable code, e.g. not_found."})
    message = fields.String(metadata={"description": "What went wrong, for a person."})
    errors = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()),
        metadata={"description": "Messages per field name; empty when no field is to blame."},
    )


class FileUpload(Upload):
    """A file part of a multipart body; the same name sent as a text field is a 422."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise SchemaValidationError(_("Send a file here, not text."))
        return value


# The sections of the API documentation, in the order they are shown: each operation names
# one of these in its route's ``tags=[...]`` (tests/api/test_openapi.py checks it).
API_TAGS = {
    "People and places": "Accounts of officials, tutors and managers (``/people/me`` for the "
                         "signed-in person), and the countries and municipalities they work in.",
    "Programmes and cohorts": "Programmes and their modules; cohorts with their tutors, "
                              "enrolments and project groups.",
    "Quizzes and surveys": "The quizzes of the virtual modules and the attempts at them; "
                           "satisfaction surveys, answering them and their anonymous results.",
    "In-person sessions": "Sessions, registration and the waitlist, tickets and check-in.",
    "Prototypes and grading": "Group prototypes (versions and attached files), the grading "
                              "queue, rubric grades, release and reopening.",
    "Certificates": "The register of certificates: issuing, revoking and reissuing, Open Badges "
                    "3.0 credentials, and the background jobs that issue for a whole cohort.",
    "Verification": "Public: what a certificate's code says (valid, revoked or unknown), for "
                    "anyone holding it. No account needed.",
    "Reports": "National programme tracking: progress against the target, regions and "
               "municipalities, funnel, attendance, equity, the register of certified agents. "
               "Every figure also as CSV.",
}


class CertifyApi(Api):
    """flask-smorest's Api, documenting our error format and leaving rendering to core.http."""

    ERROR_SCHEMA = ApiErrorSchema

    def init_app(self, app, *, spec_kwargs=None):
        super().init_app(app, spec_kwargs=spec_kwargs)
        for name, description in API_TAGS.items():
            self.spec.tag({"name": name, "description": description})

    def register_blueprint(self, blp, *, parameters=None, **options):
        super().register_blueprint(blp, parameters=parameters, **options)
        # flask-smorest declares a tag named after the blueprint ("accounts_api"); every
        # operation carries an area tag of API_TAGS instead, so it would be an empty section.
        name = options.get("name", blp.name)
        self.spec._tags[:] = [tag for tag in self.spec._tags if tag["name"] != name]

    def _register_error_handlers(self):
        # core.http.register_error_handlers renders every error, HTML or JSON, in one place.
        pass

    def _register_pagination_header(self):
        # The header holds JSON text: described as such (a header "schema" would mean
        # comma-separated key,value pairs to OpenAPI clients and validators).
        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata: total, total_pages, first_page, last_page, "
                           "page, previous_page, next_page.",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }, lazy=True)


ERROR_DESCRIPTIONS = {
    401: "No valid session or Bearer token.",
    403: "Signed in, but not allowed to do this.",
    404: "No such record.",
    409: "Conflicts with the current state of the data.",
    413: "The upload is too large.",
    415: "This type of file is not accepted.",
    422: "The data is not valid; `errors` says which field and why.",
}


def documents_errors(blp, *statuses: int, **descriptions: str) -> Callable:
    """Document error responses in the house format; ``descriptions`` override by ``e404=...``."""
    decorators = [
        blp.alt_response(status, schema=ApiErrorSchema,
                         description=descriptions.get(f"e{status}") or ERROR_DESCRIPTIONS[status])
        for status in statuses
    ]
    return lambda view: reduce(lambda wrapped, decorate: decorate(wrapped), decorators, view)


def error_documenter(blp, **descriptions: str) -> Callable:
    """``documents_errors`` for one blueprint, with its area's own ``descriptions``."""
    return lambda *statuses: documents_errors(blp, *statuses, **descriptions)


def referenced(model, ident: int, field: str):
    """A row named by id in a request body; a missing one is an error of ``field`` (422)."""
    row = extensions.db.session.get(model, ident)
    if row is None:
        message = _("There is no record with id %(id)s.", id=ident)
        raise ValidationError(message, errors={field: [message]})
    return row
