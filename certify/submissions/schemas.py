"""What the submissions API reads and writes (marshmallow 4).

Output schemas name every field they show. A grade is shown to the group's
members only once released, so the API builds the documents it dumps (see
``api.py``) rather than dumping models straight away.
"""

from __future__ import annotations

from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range

from certify.core.rest import FileUpload
from certify.submissions.grading import FEEDBACK_MAX_LENGTH, REASON_MAX_LENGTH
from certify.submissions.models import GradeStatus, SubmissionStatus
from certify.submissions.queue import QUEUE_FILTERS
from certify.submissions.submitting import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH


def _text(description: str, limit: int = TEXT_MAX_LENGTH) -> fields.String:
    return fields.String(required=True, validate=Length(min=1, max=limit),
                         metadata={"description": description})


# --- output ------------------------------------------------------------------------------------

class PersonRefSchema(Schema):
    id = fields.Integer()
    given_names = fields.String()
    family_names = fields.String()


class RefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class SubmissionFileSchema(Schema):
    id = fields.Integer()
    label = fields.String(metadata={"description": "The name it was uploaded with (sanitised)."})
    kind = fields.String(metadata={"description": "Detected from the content, e.g. pdf, pptx."})
    media_type = fields.String()
    size = fields.Integer(metadata={"description": "Bytes."})
    sha256 = fields.String()
    download_url = fields.String()


class ScoreSchema(Schema):
    criterion = fields.String(metadata={"description": "The criterion's key in the rubric."})
    title = fields.String()
    weight = fields.Integer()
    points = fields.Integer(metadata={"description": "Points of the chosen level."})
    level = fields.String(metadata={"description": "Title of the chosen level."})


class AdjustmentSchema(Schema):
    person = fields.Nested(PersonRefSchema)
    percent = fields.Float()
    reason = fields.String()
    adjusted_at = fields.DateTime()


class GradeSchema(Schema):
    id = fields.Integer()
    submission_id = fields.Integer()
    status = fields.Enum(GradeStatus, by_value=True)
    percent = fields.Float(allow_none=True, metadata={
        "description": "Weighted points / weighted maximum * 100; null while incomplete."})
    feedback = fields.String()
    released_at = fields.DateTime(allow_none=True)
    scores = fields.List(fields.Nested(ScoreSchema))
    own_adjustment = fields.Nested(AdjustmentSchema, allow_none=True, metadata={
        "description": "The caller's own percent on this grade, if a tutor adjusted it."})
    adjustments = fields.List(fields.Nested(AdjustmentSchema), metadata={
        "description": "Every member adjustment (tutors and managers only; empty otherwise)."})


class SubmissionSchema(Schema):
    id = fields.Integer()
    group = fields.Nested(RefSchema)
    version = fields.Integer()
    title = fields.String()
    problem = fields.String(metadata={"description": "The public problem it addresses."})
    audience = fields.String(metadata={"description": "Who it serves."})
    discover = fields.String()
    define = fields.String()
    develop = fields.String()
    deliver = fields.String()
    description = fields.String()
    submitted_by = fields.Nested(PersonRefSchema)
    submitted_at = fields.DateTime()
    late = fields.Boolean(metadata={"description": "Submitted after the cohort's deadline."})
    files = fields.List(fields.Nested(SubmissionFileSchema))
    grade = fields.Nested(GradeSchema, allow_none=True, metadata={
        "description": "Members see it once released; tutors and managers also see drafts."})


class QueueEntrySchema(Schema):
    submission_id = fields.Integer(attribute="id")
    group = fields.Nested(RefSchema)
    cohort = fields.Nested(RefSchema, attribute="group.cohort")
    version = fields.Integer()
    title = fields.String()
    submitted_at = fields.DateTime()
    late = fields.Boolean()
    status = fields.Enum(SubmissionStatus, by_value=True)
    grade_id = fields.Integer(attribute="grade.id", allow_none=True)
    percent = fields.Float(attribute="grade.percent", allow_none=True)


# --- input -------------------------------------------------------------------------------------

class PrototypeCreateSchema(Schema):
    """multipart/form-data: the texts as fields, any number of ``files`` parts."""

    title = _text("Title of the prototype.", TITLE_MAX_LENGTH)
    problem = _text("The public problem it addresses.")
    audience = _text("Who it serves.")
    discover = _text("Evidence from the Discover phase.")
    define = _text("Evidence from the Define phase.")
    develop = _text("Evidence from the Develop phase.")
    deliver = _text("Evidence from the Deliver phase.")
    description = _text("Description of the prototype.")
    files = fields.List(FileUpload(), load_default=list, metadata={
        "description": "PDF, PNG, JPEG, WebP, GIF, PPTX, DOCX, XLSX, ODP, ODT, ODS, PPT or DOC "
                       "(recognised by content); at most 20 MB each and 100 MB together."})


class AdjustmentInputSchema(Schema):
    person_id = fields.Integer(required=True, strict=True, validate=Range(min=1))
    percent = fields.Float(required=True, validate=Range(min=0, max=100))
    reason = fields.String(required=True, validate=Length(min=1, max=REASON_MAX_LENGTH))


class GradeInputSchema(Schema):
    scores = fields.Dict(
        keys=fields.String(), values=fields.Integer(strict=True, allow_none=True),
        required=True, metadata={"description": "Criterion key -> points of a level; null or "
                                                "left out means not scored yet."})
    feedback = fields.String(load_default="", validate=Length(max=FEEDBACK_MAX_LENGTH))
    adjustments = fields.List(fields.Nested(AdjustmentInputSchema), metadata={
        "description": "If given, replaces the member adjustments."})


class ReopenSchema(Schema):
    reason = fields.String(required=True, validate=Length(min=1, max=REASON_MAX_LENGTH))


class QueueQuerySchema(Schema):
    status = fields.String(validate=OneOf(QUEUE_FILTERS))
    cohort_id = fields.Integer(validate=Range(min=1))
