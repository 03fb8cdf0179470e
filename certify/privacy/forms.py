"""HTML forms of the privacy area (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class ErasureForm(FlaskForm):
    confirm_email = StringField(_l("Type the person's e-mail address to confirm"),
                                validators=[DataRequired()])
    certificates = RadioField(
        _l("Their certificates"),
        choices=[("keep", _l("Keep them valid in the public register")),
                 ("revoke", _l("Revoke them (the register will show them as revoked)"))],
        validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (for the audit log)"),
                           validators=[DataRequired(), Length(max=500)])
