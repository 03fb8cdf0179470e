"""What the surveys API reads and writes (marshmallow 4)."""

from __future__ import annotations

from marshmallow import Schema, fields
from marshmallow.validate import Length, Range


class _Translated(fields.Dict):
    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(), values=fields.String(), dump_only=True,
                         metadata={"description": "Text by language: es, pt, en."}, **kwargs)


# --- output ------------------------------------------------------------------------------------

class SurveySchema(Schema):
    """A survey as listed: where it belongs, when it takes answers, whether you answered."""

    id = fields.Integer(dump_only=True)
    cohort_id = fields.Integer(dump_only=True)
    module_id = fields.Integer(dump_only=True, allow_none=True)
    module_code = fields.String(dump_only=True, allow_none=True)
    session_id = fields.Integer(dump_only=True, allow_none=True)
    label = fields.String(dump_only=True, metadata={"description": "e.g. 'M1 · Title'."})
    template_key = fields.String(dump_only=True)
    opens_at = fields.DateTime(dump_only=True)
    closes_at = fields.DateTime(dump_only=True, allow_none=True)
    status = fields.String(dump_only=True, metadata={"description": "upcoming, open or closed."})
    answered = fields.Boolean(dump_only=True, metadata={"description": "Whether you answered it."})


class SurveyItemSchema(Schema):
    key = fields.String(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"description": "scale (1-5) or text."})
    prompt = _Translated()
    required = fields.Boolean(dump_only=True)


class SurveyTemplateSchema(Schema):
    key = fields.String(dump_only=True)
    title = _Translated()
    items = fields.List(fields.Nested(SurveyItemSchema), dump_only=True)


class SurveyResponseSchema(Schema):
    """Your own answers to a survey."""

    survey_id = fields.Integer(dump_only=True)
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(), dump_only=True,
                          metadata={"description": "Item key -> score (1-5) or text."})
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    editable_until = fields.DateTime(dump_only=True, allow_none=True)


class SurveyDetailSchema(SurveySchema):
    template = fields.Nested(SurveyTemplateSchema, dump_only=True)
    my_response = fields.Nested(SurveyResponseSchema, dump_only=True, allow_none=True)


class ItemSummarySchema(Schema):
    key = fields.String(dump_only=True)
    kind = fields.String(dump_only=True)
    prompt = _Translated()
    active = fields.Boolean(dump_only=True, metadata={"description": "False once retired."})
    answers = fields.Integer(dump_only=True)
    response_rate = fields.Float(dump_only=True, allow_none=True)
    average = fields.Float(dump_only=True, allow_none=True)
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer(), dump_only=True,
                               metadata={"description": "Score (1-5) -> answers; scale items."})
    texts = fields.List(fields.String(), dump_only=True,
                        metadata={"description": "The open answers, without their authors."})


class SurveySummarySchema(Schema):
    survey_id = fields.Integer(dump_only=True)
    responses = fields.Integer(dump_only=True)
    active_enrolments = fields.Integer(dump_only=True)
    response_rate = fields.Float(dump_only=True, allow_none=True,
                                 metadata={"description": "Responses / active enrolments."})
    average = fields.Float(dump_only=True, allow_none=True,
                           metadata={"description": "Mean of every scale answer, 2 decimals."})
    items = fields.List(fields.Nested(ItemSummarySchema), dump_only=True)


# --- input -------------------------------------------------------------------------------------

class SurveyResponseInputSchema(Schema):
    answers = fields.Dict(
        keys=fields.String(validate=Length(min=1, max=40)), values=fields.Raw(allow_none=True),
        required=True,
        metadata={"description": "Item key -> a whole number from 1 to 5 (scale items) or "
                                 "text of at most 2,000 characters (text items)."})


class SurveyQuerySchema(Schema):
    cohort_id = fields.Integer(validate=Range(min=1))
