"""HTML forms of the cohorts area (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from certify.cohorts.models import EnrolmentStatus
from certify.cohorts.services import NAME_MAX_LENGTH


def status_choices():
    return [(EnrolmentStatus.ACTIVE.value, _l("Active")),
            (EnrolmentStatus.INACTIVE.value, _l("Inactive")),
            (EnrolmentStatus.WITHDRAWN.value, _l("Withdrawn"))]


class CohortForm(FlaskForm):
    """Editing a cohort; the programme is chosen once, when it is created."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX_LENGTH)])
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    tutor_ids = SelectMultipleField(_l("Tutors"), coerce=int, validators=[Optional()])

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The cohort cannot end before it starts."))


class NewCohortForm(CohortForm):
    programme_id = SelectField(_l("Programme"), coerce=int, validators=[DataRequired()])


class EnrolByEmailForm(FlaskForm):
    emails = TextAreaField(_l("E-mail addresses"), validators=[DataRequired()])


class EnrolmentStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=status_choices, validators=[DataRequired()])
