"""What the quizzes API reads and writes.

Two families of output: what a participant may see (questions and options, no
answer key, no explanations, until their attempt is submitted) and what staff
see (the answer key too). The participant's schemas do not even declare the
fields that would leak, so nothing can reach them by accident.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from certify.assessments.models import AttemptStatus, CountingAttempt, QuestionKind, ResultPage
from certify.assessments.papers import Disclosure, option_label
from certify.core.i18n import localized
from certify.programmes.schemas import TranslatedSchema

# --- quizzes -----------------------------------------------------------------------------------

class OptionSchema(Schema):
    key = fields.String()
    text = fields.Function(
        lambda option: option_label(option.question, option),
        metadata={"description": "The option's text; for true/false, `True` or `False` in the "
                                 "request's language."})


class StaffOptionSchema(OptionSchema):
    correct = fields.Boolean()


class QuestionSchema(Schema):
    id = fields.Integer()
    key = fields.String()
    position = fields.Integer()
    kind = fields.Enum(QuestionKind, by_value=True)
    prompt = fields.String()
    options = fields.List(fields.Nested(OptionSchema))


class StaffQuestionSchema(QuestionSchema):
    options = fields.List(fields.Nested(StaffOptionSchema))
    explanation = fields.String()


class QuizSchema(Schema):
    """A quiz as a participant sees it: settings and questions, never the answer key."""

    id = fields.Integer()
    module_id = fields.Integer()
    module_code = fields.String(attribute="module.code")
    title = fields.Nested(TranslatedSchema)
    title_localized = fields.Function(lambda quiz: localized(quiz.title))
    pass_mark = fields.Integer(metadata={"description": "Percentage needed to pass."})
    max_attempts = fields.Integer(allow_none=True, metadata={"description": "None: unlimited."})
    time_limit_minutes = fields.Integer(allow_none=True)
    shuffle_questions = fields.Boolean()
    shuffle_options = fields.Boolean()
    counting_attempt = fields.Enum(CountingAttempt, by_value=True, metadata={
        "description": "Which submitted attempt gives the result: `best` or `last`."})
    questions_per_attempt = fields.Integer(allow_none=True, metadata={
        "description": "How many of the questions each attempt draws (a question bank: "
                       "each attempt asks others than the one before); null: all of them."})
    result_page = fields.Enum(ResultPage, by_value=True, metadata={
        "description": "What a result shows: `score` only; `mistakes` (which questions "
                       "earned no point); `answers_when_final` (mistakes, and the correct "
                       "answers once passed or out of attempts)."})
    questions = fields.List(fields.Nested(QuestionSchema), attribute="active_questions",
                            metadata={"description": "Active questions, in the file's order "
                                                     "(each attempt draws its own order)."})


class StaffQuizSchema(QuizSchema):
    """A quiz with its answer key and explanations (managers and the programme's tutors)."""

    questions = fields.List(fields.Nested(StaffQuestionSchema), attribute="active_questions")


# --- attempts ----------------------------------------------------------------------------------

class AnswersField(fields.Dict):
    """``{"<question id>": ["<option key>", ...]}``; the services check it against the paper."""

    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(), values=fields.List(fields.String()), **kwargs)


class AnswersSchema(Schema):
    answers = AnswersField(required=True, metadata={
        "description": "Every answer so far, keyed by question id: the option keys chosen "
                       "(one for single and true/false questions). Replaces what was saved."})


class SubmitSchema(Schema):
    answers = AnswersField(load_default=None, metadata={
        "description": "Optional final answers; without them, the saved answers are scored. "
                       "Ignored once the time is up, and when the attempt is already submitted."})


class PaperOptionSchema(Schema):
    key = fields.String()
    text = fields.String()


class PaperQuestionSchema(Schema):
    number = fields.Integer(metadata={"description": "Position in this attempt, from 1."})
    id = fields.Integer(attribute="question.id")
    kind = fields.Enum(QuestionKind, by_value=True, attribute="question.kind")
    prompt = fields.String(attribute="question.prompt",
                           metadata={"description": "In Spanish, the reference."})
    prompt_localized = fields.Function(lambda item: item.question.prompt_in(), metadata={
        "description": "In the request's language (`?lang=`), or Spanish where not translated."})
    options = fields.Method("_options",
                            metadata={"description": "Option texts in the request's language."})

    def _options(self, item) -> list[dict]:
        return [{"key": option.key, "text": option_label(item.question, option)}
                for option in item.options]


class ReviewedQuestionSchema(PaperQuestionSchema):
    chosen = fields.Method("_chosen")
    earned_point = fields.Boolean()
    correct_keys = fields.Method("_correct_keys", allow_none=True, metadata={
        "description": "Null unless the result shows the answers."})
    explanation = fields.String(allow_none=True, metadata={
        "description": "In Spanish; null unless the result shows the answers."})
    explanation_localized = fields.Function(
        lambda item: None if item.explanation is None else item.question.explanation_in(),
        allow_none=True, metadata={"description": "In the request's language; null unless "
                                                  "the result shows the answers."})

    def _chosen(self, item) -> list[str]:
        return [option.key for option in item.options if option.key in item.chosen]

    def _correct_keys(self, item) -> list[str] | None:
        if item.correct_keys is None:
            return None
        return [option.key for option in item.options if option.key in item.correct_keys]


class AttemptResultSchema(Schema):
    score_points = fields.Integer()
    max_points = fields.Integer()
    percent = fields.Decimal(as_string=True, metadata={"description": "e.g. \"85.00\"."})
    passed = fields.Boolean()
    shows = fields.Enum(Disclosure, by_value=True, metadata={
        "description": "What this result tells, by the quiz's `result_page` and where you "
                       "stand: `score` (no questions), `mistakes` (each question with your "
                       "options and whether it earned its point) or `answers` (also the "
                       "correct options and the explanation)."})
    questions = fields.List(fields.Nested(ReviewedQuestionSchema), metadata={
        "description": "Each question with the options chosen and, as `shows` allows, the "
                       "correct ones and the explanation."})


class AttemptSchema(Schema):
    """An attempt of the signed-in person; ``result`` is null until it is submitted."""

    id = fields.Integer()
    quiz_id = fields.Integer()
    number = fields.Integer()
    status = fields.Enum(AttemptStatus, by_value=True)
    started_at = fields.DateTime()
    deadline_at = fields.DateTime(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    seconds_left = fields.Integer(allow_none=True, metadata={
        "description": "Until the deadline; null without a time limit."})
    accepting_answers = fields.Boolean(metadata={
        "description": "False once submitted or past the deadline: saves are then ignored."})
    answers = AnswersField()
    answers_saved_at = fields.DateTime(allow_none=True)
    questions = fields.List(fields.Nested(PaperQuestionSchema), metadata={
        "description": "The questions in this attempt's order, options in its order."})
    result = fields.Nested(AttemptResultSchema, allow_none=True)


def attempt_document(attempt, *, paper, disclosure, review, seconds_left,
                     accepting_answers) -> dict:
    """The values :class:`AttemptSchema` dumps; ``disclosure`` and ``review`` only for a
    submitted attempt."""
    return {
        "id": attempt.id, "quiz_id": attempt.quiz_id, "number": attempt.number,
        "status": attempt.status, "started_at": attempt.started_at,
        "deadline_at": attempt.deadline_at, "submitted_at": attempt.submitted_at,
        "seconds_left": seconds_left, "accepting_answers": accepting_answers,
        "answers": attempt.answers or {}, "answers_saved_at": attempt.answers_saved_at,
        "questions": paper,
        "result": None if review is None else {
            "score_points": attempt.score_points, "max_points": attempt.max_points,
            "percent": attempt.percent, "passed": attempt.passed, "shows": disclosure,
            "questions": review,
        },
    }
