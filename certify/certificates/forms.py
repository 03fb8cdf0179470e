"""HTML forms of the certificates area (Flask-WTF; every POST form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from certify.certificates.issuing import REASON_MAX_LENGTH
from certify.core.forms import Form


class VerifyForm(Form):
    """The serial typed on /v: a GET search form, nothing to protect from forgery."""

    class Meta:
        csrf = False

    serial = StringField(_l("Certificate code"), validators=[DataRequired()],
                         render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                    "spellcheck": "false", "placeholder": "K7QM-3XDA-9PFT"})


class IssueForm(Form):
    person_id = IntegerField(_l("Person"), validators=[DataRequired(), NumberRange(min=1)])


class RevokeForm(Form):
    # Ids of their own: the detail page holds this form and the reissue form.
    reason = TextAreaField(_l("Reason for revoking"), id="revoke-reason",
                           validators=[DataRequired(), Length(max=REASON_MAX_LENGTH)])


class ReissueForm(Form):
    reason = TextAreaField(_l("Reason for reissuing"), id="reissue-reason",
                           validators=[DataRequired(), Length(max=REASON_MAX_LENGTH)])
    # Tells the two forms of the detail page apart.
    action = HiddenField(default="reissue")
