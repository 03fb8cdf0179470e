"""HTML forms of the submissions area (Flask-WTF: every form carries a CSRF token).

The forms check shape; the services check the rules (members only, file types,
rubric levels), so the pages and the API refuse the same things.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from certify.core.forms import Form
from certify.submissions.grading import FEEDBACK_MAX_LENGTH, REASON_MAX_LENGTH
from certify.submissions.submitting import TEXT_FIELDS, TEXT_MAX_LENGTH, TITLE_MAX_LENGTH


def _text(name: str) -> TextAreaField:
    return TextAreaField(TEXT_FIELDS[name], validators=[DataRequired(),
                                                        Length(max=TEXT_MAX_LENGTH)])


class PrototypeForm(Form):
    title = StringField(TEXT_FIELDS["title"], validators=[DataRequired(),
                                                          Length(max=TITLE_MAX_LENGTH)])
    problem = _text("problem")
    audience = _text("audience")
    discover = _text("discover")
    define = _text("define")
    develop = _text("develop")
    deliver = _text("deliver")
    description = _text("description")
    files = MultipleFileField(_l("Files"))

    def texts(self) -> dict[str, str]:
        return {name: self[name].data for name in TEXT_FIELDS}


class GradeForm(Form):
    """Feedback and CSRF; the level chosen for each criterion comes as ``score-<key>``."""

    feedback = TextAreaField(_l("Feedback for the group"),
                             validators=[Optional(), Length(max=FEEDBACK_MAX_LENGTH)])


class AdjustmentForm(Form):
    person_id = SelectField(_l("Member"), coerce=int, validators=[DataRequired()])
    percent = DecimalField(_l("Their percent"), places=2,
                           validators=[InputRequired(), NumberRange(0, 100)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(),
                                                     Length(max=REASON_MAX_LENGTH)])


class ReopenForm(Form):
    reason = TextAreaField(_l("Why the grade must change"),
                           validators=[DataRequired(), Length(max=REASON_MAX_LENGTH)])
