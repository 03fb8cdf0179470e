"""HTML forms of the attendance area (Flask-WTF: every form carries a CSRF token).

Buttons that only act (register, cancel, close, add a walk-in) carry the token
as a hidden ``csrf_token`` input; CSRFProtect checks it for every POST.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, ValidationError

from certify.attendance.models import AttendanceStatus
from certify.attendance.services.sessions import MAX_CAPACITY, TITLE_MAX_LENGTH, VENUE_MAX_LENGTH
from certify.core.forms import Form

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def manual_status_choices():
    return [(AttendanceStatus.PRESENT.value, _l("Present")),
            (AttendanceStatus.LATE.value, _l("Late")),
            (AttendanceStatus.ABSENT.value, _l("Absent")),
            (AttendanceStatus.EXCUSED.value, _l("Excused"))]


class SessionForm(Form):
    """Editing a session; cohort and module are chosen once, when it is created."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX_LENGTH)])
    starts_at = DateTimeLocalField(_l("Starts"), format=DATETIME_FORMAT,
                                   validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Ends"), format=DATETIME_FORMAT, validators=[DataRequired()])
    venue = StringField(_l("Venue"), validators=[DataRequired(), Length(max=VENUE_MAX_LENGTH)])
    venue_municipality_id = SelectField(_l("Venue municipality"), coerce=int, default=0)
    # Empty: the zone of the venue's municipality (see services.venue_time_zone).
    time_zone = SelectField(_l("Venue time zone"), validate_choice=True, default="")
    capacity = IntegerField(_l("Seats"), validators=[DataRequired(),
                                                     NumberRange(1, MAX_CAPACITY)])
    registration_open = BooleanField(_l("Registration is open"), default=True)

    def validate_ends_at(self, field) -> None:
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The session must end after it starts."))


class NewSessionForm(SessionForm):
    cohort_id = SelectField(_l("Cohort"), coerce=int, validators=[DataRequired()])
    module_id = SelectField(_l("In-person module"), coerce=int, validators=[DataRequired()])


class AttendanceForm(Form):
    """One tap on a status button in the list of registered people."""

    registration_id = IntegerField(validators=[DataRequired()])
    status = SelectField(choices=manual_status_choices, validators=[DataRequired()])
    q = HiddenField()  # the search to come back to


class AddWalkInForm(Form):
    person_id = IntegerField(validators=[DataRequired()])
    walk_in_q = HiddenField()


class NewWalkInForm(Form):
    """Someone who has no account yet: created on the spot, then checked in."""

    given_names = StringField(_l("Given names"), validators=[DataRequired(), Length(max=120)])
    family_names = StringField(_l("Family names"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    municipality_id = SelectField(_l("Municipality"), coerce=int, validators=[DataRequired()])
    # Shown once a namesake of the same municipality is found (see create_walk_in).
    confirm_namesake = BooleanField(_l("This is someone else: create a new account anyway"))
