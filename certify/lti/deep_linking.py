"""Deep Linking 2.0: instructors pick certify activities from Moodle's activity chooser.

The picker offers the programme's modules, their quizzes, the in-person session and the
group project. Each choice becomes an ``ltiResourceLink`` content item whose custom parameter
``certify_target`` says what it opens; graded ones (a virtual module or its quiz, the
project) carry a ``lineItem`` so the platform creates the gradebook column, when the platform
accepts line items. The answer is a JWT signed with the tool's key, posted back to the
platform by the browser from the frame the platform opened.

The picker is authorised by the launch itself, not by a session: its URL carries a token
signed by certify, bound to the launch and valid for ``PICKER_MINUTES``, so the instructor
completes the choice inside the platform's iframe even when the browser keeps no cookie.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from certify.core.errors import ValidationError
from certify.core.i18n import localized
from certify.lti.grades import SCORE_MAXIMUM
from certify.lti.launch import CertifyMessageLaunch
from certify.lti.platforms import tool_url
from certify.lti.services import line_item_label
from certify.lti.targets import TARGET_PARAMETER, parse_target
from certify.programmes.models import Programme

SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DATA_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
CONTENT_ITEMS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
PICKER_SALT = "certify.lti.deep-link-picker"
PICKER_MINUTES = 60
# The presentations certify can take, preferred first.
PRESENTATIONS = ("iframe", "window")


def _picker_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=PICKER_SALT)


def picker_token(launch_id: str) -> str:
    """The token that opens the picker of deep-linking launch ``launch_id``."""
    return _picker_serializer().dumps(launch_id)


def picker_token_opens(token: str | None, launch_id: str) -> bool:
    """Whether ``token`` was made by certify for this launch, less than an hour ago."""
    try:
        signed = _picker_serializer().loads(token or "", max_age=PICKER_MINUTES * 60)
    except BadSignature:
        return False
    return isinstance(signed, str) and hmac.compare_digest(signed, launch_id)


@dataclass(frozen=True)
class Choice:
    """Something an instructor can add to the course."""

    value: str  # the target, e.g. "quiz:M1"
    title: str
    graded: bool


def choices(programme: Programme, locale: str) -> list[Choice]:
    """The activities certify offers, in the programme's order."""
    offered = []
    for module in programme.modules:
        title = f"{module.code} · {localized(module.title, locale)}"
        if module.is_virtual:
            offered.append(Choice(f"module:{module.code}", title, graded=True))
            offered.append(Choice(f"quiz:{module.code}",
                                  _("Quiz of %(module)s", module=title), graded=True))
        else:
            offered.append(Choice(f"session:{module.code}",
                                  _("In-person session: %(module)s", module=title), graded=False))
    offered.append(Choice("project", _("Group innovation prototype"), graded=True))
    return offered


def settings_of(launch: CertifyMessageLaunch) -> Mapping:
    return launch.get_launch_data().get(SETTINGS_CLAIM) or {}


def _accepts(settings: Mapping, name: str) -> bool:
    return settings.get(name, True) not in (False, "false")


def accepts_multiple(launch: CertifyMessageLaunch) -> bool:
    return _accepts(settings_of(launch), "accept_multiple")


def presentation(settings: Mapping) -> dict:
    """The content item's presentation: the first of certify's the platform accepts."""
    accepted = settings.get("accept_presentation_document_targets")
    if not isinstance(accepted, list):
        return {}
    target = next((name for name in PRESENTATIONS if name in accepted), None)
    if target == "window":
        return {"window": {"targetName": "certify"}}
    return {target: {}} if target else {}


def content_items(picked: Sequence[str], programme: Programme, locale: str, *,
                  with_line_items: bool = True) -> list[DeepLinkResource]:
    """One resource link per picked value; the first activity of each graded thing carries
    its gradebook column (a module and its quiz share one), so none is created twice."""
    by_value = {choice.value: choice for choice in choices(programme, locale)}
    unknown = [value for value in picked if value not in by_value]
    if unknown or not picked:
        message = _("Choose at least one of the activities listed.") if not picked else \
            _("Unknown activity: %(values)s.", values=", ".join(unknown)[:200])
        raise ValidationError(message, errors={"targets": [message]})
    launch_url = tool_url("lti.launch")
    columns: set[str] = set()
    items = []
    for value in dict.fromkeys(picked):
        target = parse_target(value, programme)
        resource = (DeepLinkResource().set_url(launch_url).set_title(by_value[value].title)
                    .set_custom_params({TARGET_PARAMETER: target.value}))
        resource_id = target.resource_id
        if with_line_items and resource_id is not None and resource_id not in columns:
            columns.add(resource_id)
            resource.set_lineitem(
                LineItem().set_label(line_item_label(resource_id, programme))
                .set_score_maximum(float(SCORE_MAXIMUM)).set_resource_id(resource_id)
                .set_tag(f"certify-{resource_id}"))
        items.append(resource)
    return items


def answer(launch: CertifyMessageLaunch, picked: Sequence[str], programme: Programme,
           locale: str) -> tuple[str, str]:
    """The platform's return URL and the signed JWT carrying the picked activities.

    Raises ``ValidationError`` for an empty or unknown choice, or several choices when the
    platform accepts only one.
    """
    settings = settings_of(launch)
    if len(set(picked)) > 1 and not _accepts(settings, "accept_multiple"):
        message = _("The platform accepts one activity at a time here: choose only one.")
        raise ValidationError(message, errors={"targets": [message]})
    items = content_items(picked, programme, locale,
                          with_line_items=_accepts(settings, "accept_lineitem"))
    shown_as = presentation(settings)
    deep_link = launch.get_deep_link()
    message = deep_link.get_message_jwt(items)
    message[CONTENT_ITEMS_CLAIM] = [{**item.to_dict(), **shown_as} for item in items]
    if settings.get("data") is None:
        del message[DATA_CLAIM]  # the platform sent none: send none back (not null)
    return settings["deep_link_return_url"], deep_link.encode_jwt(message)
