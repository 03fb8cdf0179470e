"""HTML forms of the LTI area (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from certify.core.forms import Form


class PlatformForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    issuer = StringField(_l("Platform ID (issuer)"), validators=[DataRequired(), Length(max=1000)])
    client_id = StringField(_l("Client ID"), validators=[DataRequired(), Length(max=255)])
    deployment_ids = TextAreaField(_l("Deployment IDs (one per line)"),
                                   validators=[DataRequired()])
    auth_login_url = StringField(_l("Authentication request URL"),
                                 validators=[DataRequired(), Length(max=1000)])
    auth_token_url = StringField(_l("Access token URL"),
                                 validators=[DataRequired(), Length(max=1000)])
    key_set_url = StringField(_l("Public keyset URL"),
                              validators=[DataRequired(), Length(max=1000)])
    auth_audience = StringField(_l("Token audience (only if the platform asks for one)"),
                                validators=[Optional(), Length(max=1000)])
    programme_id = SelectField(_l("Programme of its courses"), coerce=int)
    trusted_for_email = BooleanField(_l("Trusted for e-mail: link launches to existing "
                                        "accounts with the same e-mail"))
    active = BooleanField(_l("Active"), default=True)

    def values(self) -> dict:
        return {
            "name": self.name.data, "issuer": self.issuer.data, "client_id": self.client_id.data,
            "deployment_ids": (self.deployment_ids.data or "").splitlines(),
            "auth_login_url": self.auth_login_url.data,
            "auth_token_url": self.auth_token_url.data, "key_set_url": self.key_set_url.data,
            "auth_audience": self.auth_audience.data,
            "trusted_for_email": self.trusted_for_email.data, "active": self.active.data,
        }


class DeepLinkForm(Form):
    """The activity picker. No CSRF token from the session: inside the platform's iframe the
    browser may keep no cookie at all. The picker token (signed, short-lived, bound to the
    deep-linking launch) authorises the post instead, and a forged post cannot carry it."""

    class Meta(Form.Meta):
        csrf = False

    token = HiddenField()
    targets = SelectMultipleField(_l("Activities to add"), widget=ListWidget(prefix_label=False),
                                  option_widget=CheckboxInput(), validate_choice=False)


class CohortLinkForm(Form):
    cohort_id = SelectField(_l("Cohort"), coerce=int)


class ButtonForm(Form):
    """A form that is only a button: its CSRF token is all it carries."""
