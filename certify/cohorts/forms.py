"""HTML forms of the cohorts area (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

# A FormField's rows: part of the enclosing form, without a CSRF token of their own.
from wtforms import Form as NestedForm
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from certify.cohorts.groups import GROUP_NAME_MAX_LENGTH, REASON_MAX_LENGTH
from certify.cohorts.models import EnrolmentStatus
from certify.cohorts.services import NAME_MAX_LENGTH
from certify.core.forms import Form

LARGEST_GROUP = 30


def status_choices():
    return [(EnrolmentStatus.ACTIVE.value, _l("Active")),
            (EnrolmentStatus.INACTIVE.value, _l("Inactive")),
            (EnrolmentStatus.WITHDRAWN.value, _l("Withdrawn"))]


class CohortForm(Form):
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


class EnrolByEmailForm(Form):
    emails = TextAreaField(_l("E-mail addresses"), validators=[DataRequired()])


class EnrolmentStatusForm(Form):
    status = SelectField(_l("Status"), choices=status_choices, validators=[DataRequired()])


# --- project groups ----------------------------------------------------------------------------

class GroupForm(Form):
    name = StringField(_l("Group name"),
                       validators=[DataRequired(), Length(max=GROUP_NAME_MAX_LENGTH)])


class AddMemberForm(Form):
    """Put someone of the cohort who has no group yet in this group (choices set by the view)."""

    person_id = SelectField(_l("Person"), coerce=int, validators=[DataRequired()])


def _reason_field():
    return TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=REASON_MAX_LENGTH)])


class MoveMemberForm(Form):
    person_id = SelectField(_l("Who"), coerce=int, validators=[DataRequired()])
    to_group_id = SelectField(_l("To group"), coerce=int, validators=[DataRequired()])
    reason = _reason_field()


class RemoveMemberForm(Form):
    person_id = SelectField(_l("Who"), coerce=int, validators=[DataRequired()])
    reason = _reason_field()


class SuggestionForm(Form):
    """The group sizes of a suggestion and, once previewed, its layout (to apply exactly it)."""

    min_size = IntegerField(_l("Smallest group"), default=3,
                            validators=[InputRequired(), NumberRange(1, LARGEST_GROUP)])
    max_size = IntegerField(_l("Largest group"), default=6,
                            validators=[InputRequired(), NumberRange(1, LARGEST_GROUP)])
    layout = HiddenField()

    def validate_max_size(self, field) -> None:
        if field.data is not None and self.min_size.data is not None \
                and field.data < self.min_size.data:
            raise ValidationError(_l("The largest group cannot be smaller than the smallest."))


# --- the schedule ------------------------------------------------------------------------------

class ModuleDatesForm(NestedForm):
    """One module's dates; part of :class:`ScheduleForm`, whose CSRF token covers it."""

    module_id = HiddenField()
    opens_on = DateField(_l("Opens on"), validators=[Optional()])
    due_on = DateField(_l("Due on"), validators=[Optional()])

    def validate_due_on(self, field) -> None:
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("A module cannot be due before it opens."))


class ScheduleForm(Form):
    modules = FieldList(FormField(ModuleDatesForm))
    project_due_at = DateTimeLocalField(_l("Group project due"), format=["%Y-%m-%dT%H:%M"],
                                        validators=[Optional()])
