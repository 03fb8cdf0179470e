"""What the programmes API shows: programmes and their modules.

Texts are given in every language as ``{"es", "pt", "en"}`` objects, and once
more in the request's language as ``*_localized`` (``?lang=``, the person's
preference, then Accept-Language). Quizzes are never part of these schemas:
their answer keys must not leave the server.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from certify.core.i18n import localized
from certify.programmes.models import ModuleKind


class TranslatedSchema(Schema):
    es = fields.String()
    pt = fields.String()
    en = fields.String()


def _localized(attribute: str) -> fields.Function:
    return fields.Function(lambda obj: localized(getattr(obj, attribute)),
                           metadata={"description": f"`{attribute}` in the request's language."})


class AuthoritySchema(Schema):
    """Someone who signs the programme's certificates."""

    name = fields.String()
    title = fields.Nested(TranslatedSchema)
    title_localized = fields.Function(lambda authority: localized(authority.get("title")))


class ModuleSummarySchema(Schema):
    id = fields.Integer()
    code = fields.String()
    position = fields.Integer()
    kind = fields.Enum(ModuleKind, by_value=True)
    title = fields.Nested(TranslatedSchema)
    title_localized = _localized("title")
    summary = fields.Nested(TranslatedSchema)
    summary_localized = _localized("summary")
    hours = fields.Float()
    venue = fields.String(allow_none=True)


class ModuleSchema(ModuleSummarySchema):
    """A module with its teaching content; never anything from its quiz."""

    programme_id = fields.Integer()
    learning_outcomes = fields.List(fields.Nested(TranslatedSchema))
    learning_outcomes_localized = fields.Function(
        lambda module: [localized(outcome) for outcome in module.learning_outcomes])
    content_markdown = fields.String(metadata={"description": "The module's text, in Markdown."})


class ProgrammeSummarySchema(Schema):
    id = fields.Integer()
    code = fields.String()
    title = fields.Nested(TranslatedSchema)
    title_localized = _localized("title")
    total_hours = fields.Float()
    module_count = fields.Function(lambda programme: len(programme.modules))


class ProgrammeSchema(ProgrammeSummarySchema):
    description = fields.Nested(TranslatedSchema)
    description_localized = _localized("description")
    certificate_title = fields.Nested(TranslatedSchema)
    certificate_title_localized = _localized("certificate_title")
    issuer_name = fields.String()
    issuer_url = fields.String(allow_none=True)
    authorities = fields.List(fields.Nested(AuthoritySchema))
    certification_rules = fields.Dict(
        keys=fields.String(),
        metadata={"description": "The rules a person must meet to be certified."},
    )
    modules = fields.List(fields.Nested(ModuleSummarySchema))
