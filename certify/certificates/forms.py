"""HTML forms of the certificates area (Flask-WTF; every POST form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from certify.certificates.issuing import REASON_MAX_LENGTH, RevocationReason, reason_label
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


def _reason_choices() -> list[tuple[str, str]]:
    return [(str(code), reason_label(code)) for code in RevocationReason]


def _reissue_choices() -> list[tuple[str, str]]:
    # Reissuing replaces it by a corrected certificate, the likeliest reason: offered first.
    choices = _reason_choices()
    return sorted(choices, key=lambda choice: choice[0] != RevocationReason.REPLACED)


class RevokeForm(Form):
    # Ids of their own: the detail page holds this form and the reissue form.
    reason = SelectField(_l("Reason for revoking"), id="revoke-reason", choices=_reason_choices,
                         validators=[DataRequired()])
    note = TextAreaField(_l("Internal note (not shown to the public)"), id="revoke-note",
                         validators=[Optional(), Length(max=REASON_MAX_LENGTH)])


class ReissueForm(Form):
    reason = SelectField(_l("Reason for reissuing"), id="reissue-reason",
                         choices=_reissue_choices, validators=[DataRequired()])
    note = TextAreaField(_l("Internal note (not shown to the public)"), id="reissue-note",
                         validators=[Optional(), Length(max=REASON_MAX_LENGTH)])
    # Tells the two forms of the detail page apart.
    action = HiddenField(default="reissue")
