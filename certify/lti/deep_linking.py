"""Deep Linking 2.0: instructors pick certify activities from Moodle's activity chooser.

The picker offers the programme's modules, their quizzes, the in-person session and the
group project. Each choice becomes an ``ltiResourceLink`` content item whose custom parameter
``certify_target`` says what it opens; graded ones (a virtual module or its quiz, the
project) carry a ``lineItem`` so the platform creates the gradebook column. The answer is a
JWT signed with the tool's key, posted back to the platform by the browser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
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


def accepts_multiple(launch: CertifyMessageLaunch) -> bool:
    value = settings_of(launch).get("accept_multiple", True)
    return value not in (False, "false")


def content_items(picked: Sequence[str], programme: Programme,
                  locale: str) -> list[DeepLinkResource]:
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
        if resource_id is not None and resource_id not in columns:
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
    if len(set(picked)) > 1 and not accepts_multiple(launch):
        message = _("The platform accepts one activity at a time here: choose only one.")
        raise ValidationError(message, errors={"targets": [message]})
    items = content_items(picked, programme, locale)
    deep_link = launch.get_deep_link()
    return settings_of(launch)["deep_link_return_url"], deep_link.get_response_jwt(items)
