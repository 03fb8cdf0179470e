"""The words the reports pages and CSV files use for the figures' keys, in the reader's
language."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import pgettext

from certify.reports.funnel import FunnelStep
from certify.reports.pace import Standing


def standing_label(standing: Standing) -> str:
    return {
        Standing.NO_TARGET: _("No target set"),
        Standing.REACHED: _("Target reached"),
        Standing.ON_TRACK: _("On track"),
        Standing.BEHIND: _("Behind the target path"),
        Standing.OVERDUE: _("Due date passed"),
    }[Standing(standing)]


def step_label(step: FunnelStep) -> str:
    return {
        # A step counts people; "Enrolled" alone is also a date column's heading.
        FunnelStep.ENROLLED: pgettext("funnel step", "Enrolled"),
        FunnelStep.VIRTUAL_MODULES: _("Virtual modules passed"),
        FunnelStep.IN_PERSON: _("Attended in person"),
        FunnelStep.PROTOTYPE: _("Prototype passed"),
        FunnelStep.CERTIFIED: _("Certified"),
    }[FunnelStep(step)]


def dimension_label(dimension: str) -> str:
    return {"gender": _("Gender"), "age_band": _("Age band"), "area": _("Rural or urban"),
            "region": _("Region")}.get(dimension, dimension)


def group_label(dimension: str, key: str, name: str | None = None) -> str:
    """A row of an equity dimension: "Women", "35-44", "Rural", a region's name."""
    if key == "unknown":
        return _("Not recorded")
    if name:
        return name
    labels = {
        "gender": {"female": _("Women"), "male": _("Men"), "non_binary": _("Non-binary"),
                   "undisclosed": _("Undisclosed")},
        "age_band": {"under_25": _("Under 25"), "25_34": _("25-34"), "35_44": _("35-44"),
                     "45_54": _("45-54"), "55_plus": _("55 and over")},
        "area": {"rural": _("Rural"), "urban": _("Urban")},
    }
    return labels.get(dimension, {}).get(key, key)


def illustrative_source() -> str:
    return _("Illustrative shares of a national civil service, seeded by certify: replace "
             "them with your country's official statistics.")
