"""The cohort's schedule: when each module opens and is due, and when the group project is due.

Dates are checked "within reason": inside the cohort's own dates when it has
them, modules no longer than a year, years that are not typing slips.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from certify.cohorts.models import Cohort, CohortModule
from certify.core.errors import ValidationError
from certify.extensions import db
from certify.programmes.models import Module

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
LONGEST_MODULE = timedelta(days=366)
# The project deadline is a moment and the cohort's dates are calendar days in the
# programme's time zone: a day of slack on each side keeps every zone in range.
DEADLINE_SLACK = timedelta(days=1)
_UNCHANGED = object()


@dataclass(frozen=True)
class ScheduledModule:
    """One module of the cohort's programme and the dates the cohort follows it on."""

    module: Module
    opens_on: date | None = None
    due_on: date | None = None


def cohort_schedule(cohort: Cohort) -> list[ScheduledModule]:
    """Every module of the cohort's programme in order, with its dates (None if not set)."""
    rows = {row.module_id: row for row in db.session.scalars(
        sa.select(CohortModule).where(CohortModule.cohort_id == cohort.id))}
    schedule = []
    for module in cohort.programme.modules:
        row = rows.get(module.id)
        schedule.append(ScheduledModule(module, row.opens_on if row else None,
                                        row.due_on if row else None))
    return schedule


def module_deadlines(cohort: Cohort) -> dict[int, date | None]:
    """``{module id: due date or None}`` for every module of the cohort's programme (one query)."""
    return dict(db.session.execute(
        sa.select(Module.id, CohortModule.due_on)
        .outerjoin(CohortModule, sa.and_(CohortModule.module_id == Module.id,
                                         CohortModule.cohort_id == cohort.id))
        .where(Module.programme_id == cohort.programme_id)
        .order_by(Module.position)
    ).all())


def _module_date_problems(cohort: Cohort, opens_on: date | None,
                          due_on: date | None) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}

    def complain(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    for field, value in (("opens_on", opens_on), ("due_on", due_on)):
        if value is None:
            continue
        if not EARLIEST <= value <= LATEST:
            complain(field, _("Give a date between %(first)s and %(last)s.",
                              first=EARLIEST.year, last=LATEST.year))
        elif cohort.starts_on and value < cohort.starts_on:
            complain(field, _("Must not be before the cohort starts (%(date)s).",
                              date=format_date(cohort.starts_on)))
        elif cohort.ends_on and value > cohort.ends_on:
            complain(field, _("Must not be after the cohort ends (%(date)s).",
                              date=format_date(cohort.ends_on)))
    if opens_on and due_on and not problems:
        if due_on < opens_on:
            complain("due_on", _("A module cannot be due before it opens."))
        elif due_on - opens_on > LONGEST_MODULE:
            complain("due_on", _("A module lasts a year at most."))
    return problems


def _check_module(cohort: Cohort, module: Module) -> None:
    if module.programme_id != cohort.programme_id:
        message = _("Module %(code)s is not part of this cohort's programme.", code=module.code)
        raise ValidationError(message, errors={"module_id": [message]})


def _write_module_dates(cohort: Cohort, module: Module, opens_on: date | None,
                        due_on: date | None, row: CohortModule | None) -> CohortModule | None:
    if opens_on is None and due_on is None:
        if row is not None:
            db.session.delete(row)
        return None
    if row is None:
        row = CohortModule(cohort=cohort, module=module)
        db.session.add(row)
    row.opens_on, row.due_on = opens_on, due_on
    return row


def _existing_rows(cohort: Cohort) -> dict[int, CohortModule]:
    return {row.module_id: row for row in db.session.scalars(
        sa.select(CohortModule).where(CohortModule.cohort_id == cohort.id))}


def set_module_dates(cohort: Cohort, module: Module, *, opens_on: date | None,
                     due_on: date | None) -> CohortModule | None:
    """Set when ``cohort`` opens ``module`` and when it is due; both None clears them.

    Raises ``ValidationError`` (fields ``opens_on``, ``due_on``, ``module_id``)
    if the module is of another programme, a date is outside the cohort's dates
    or implausible, the module is due before it opens or lasts over a year.
    """
    _check_module(cohort, module)
    problems = _module_date_problems(cohort, opens_on, due_on)
    if problems:
        raise ValidationError(_("The dates of module %(code)s are not valid.", code=module.code),
                              errors=problems)
    row = _write_module_dates(cohort, module, opens_on, due_on,
                              _existing_rows(cohort).get(module.id))
    db.session.flush()
    return row


def set_schedule(cohort: Cohort, dates: Mapping[Module, tuple[date | None, date | None]], *,
                 project_due_at: datetime | None | object = _UNCHANGED) -> None:
    """Set the dates of several modules, and the project deadline if given: all or nothing.

    ``dates`` maps a module to ``(opens_on, due_on)``. The ``ValidationError``
    names every problem, as ``"<module code>.opens_on"``, ``"<module code>.due_on"``
    or ``"project_due_at"``; nothing is written then.
    """
    problems: dict[str, list[str]] = {}
    for module, (opens_on, due_on) in dates.items():
        _check_module(cohort, module)
        for field, messages in _module_date_problems(cohort, opens_on, due_on).items():
            problems[f"{module.code}.{field}"] = messages
    deadline_problems = ([] if project_due_at is _UNCHANGED
                         else project_deadline_problems(cohort, project_due_at))
    if deadline_problems:
        problems["project_due_at"] = deadline_problems
    if problems:
        raise ValidationError(_("Some dates of the schedule are not valid; nothing was saved."),
                              errors=problems)
    rows = _existing_rows(cohort)
    for module, (opens_on, due_on) in dates.items():
        _write_module_dates(cohort, module, opens_on, due_on, rows.get(module.id))
    if project_due_at is not _UNCHANGED:
        cohort.project_due_at = project_due_at
    db.session.flush()


def project_deadline_problems(cohort: Cohort, due_at: datetime | None) -> list[str]:
    """What is wrong with ``due_at`` as the cohort's project deadline (empty if nothing)."""
    if due_at is None:
        return []
    if due_at.tzinfo is None:
        return [_("Give the deadline with its time zone.")]
    day = due_at.date()
    if not EARLIEST <= day <= LATEST:
        return [_("Give a date between %(first)s and %(last)s.", first=EARLIEST.year,
                  last=LATEST.year)]
    if cohort.starts_on and day < cohort.starts_on - DEADLINE_SLACK:
        return [_("Must not be before the cohort starts (%(date)s).",
                  date=format_date(cohort.starts_on))]
    if cohort.ends_on and day > cohort.ends_on + DEADLINE_SLACK:
        return [_("Must not be after the cohort ends (%(date)s).",
                  date=format_date(cohort.ends_on))]
    return []


def set_project_deadline(cohort: Cohort, due_at: datetime | None) -> Cohort:
    """Set (or clear, with None) when the cohort's group prototypes are due.

    ``due_at`` must be timezone-aware and within the cohort's dates; otherwise
    ``ValidationError`` on the field ``project_due_at``.
    """
    problems = project_deadline_problems(cohort, due_at)
    if problems:
        raise ValidationError(problems[0], errors={"project_due_at": problems})
    cohort.project_due_at = due_at
    db.session.flush()
    return cohort
