"""HTML forms of the accounts area (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from certify.accounts.models import Gender, Role
from certify.accounts.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from certify.core.forms import Form


def gender_choices():
    return [("", _l("Prefer not to say")), (Gender.FEMALE.value, _l("Female")),
            (Gender.MALE.value, _l("Male")), (Gender.NON_BINARY.value, _l("Non-binary")),
            (Gender.UNDISCLOSED.value, _l("Undisclosed"))]


def role_choices():
    return [(Role.OFFICIAL.value, _l("Official")), (Role.TUTOR.value, _l("Tutor")),
            (Role.MANAGER.value, _l("Manager")), (Role.ADMIN.value, _l("Administrator"))]


def locale_choices():
    return [("es", "Español"), ("pt_BR", "Português"), ("en", "English")]


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in"))


class PersonForm(Form):
    given_names = StringField(_l("Given names"), validators=[DataRequired(), Length(max=120)])
    family_names = StringField(_l("Family names"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    municipality_id = SelectField(_l("Municipality"), coerce=int, validators=[Optional()])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=160)])
    gender = SelectField(_l("Gender"), choices=gender_choices, validators=[Optional()])
    birth_year = IntegerField(_l("Birth year"), validators=[Optional(), NumberRange(1930, 2015)])
    preferred_locale = SelectField(_l("Language"), choices=locale_choices)
    roles = SelectMultipleField(_l("Roles"), choices=role_choices, default=[Role.OFFICIAL.value])


class PreferencesForm(Form):
    preferred_locale = SelectField(_l("Language"), choices=locale_choices)
    # Choices in the reader's language, set by the view (zone_choices()).
    time_zone = SelectField(_l("Time zone"), validate_choice=True)


class PasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )


class TokenForm(Form):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)])
    expires_in_days = IntegerField(_l("Expires after (days)"),
                                   validators=[Optional(), NumberRange(1, 730)])


class ImportForm(Form):
    file = FileField(_l("CSV file"), validators=[
        FileRequired(), FileAllowed(["csv", "txt"], _l("Upload a .csv file."))])
    skip_invalid = BooleanField(_l("Import the valid rows and report the others"))
