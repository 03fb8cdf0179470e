"""Certified agents to date against the target: the monthly series, the cumulative line,
the target path, and the pace (see ``reports.pace``).

"Certified" means holding a live programme certificate: revoked ones do not count, a
reissued one counts once (its replacement is the live one). Three queries whatever the
number of certificates: the totals, the count per month, the target with its milestones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from certify.certificates.models import Certificate, CertificateKind
from certify.core.clock import today as clock_today
from certify.extensions import db
from certify.reports.models import Target
from certify.reports.pace import RECENT_WINDOWS, Pace, add_months, compute_pace
from certify.reports.scope import Scope
from certify.reports.sql import count_if, month_of
from certify.reports.targets import expected_by, target_path


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of ``day``."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def certificates_in(scope: Scope, query: sa.Select, *, until: date | None = None) -> sa.Select:
    """``query`` (over ``Certificate``) kept to the scope's live programme certificates,
    issued up to the end of ``until``."""
    query = query.where(Certificate.kind == CertificateKind.PROGRAMME,
                        Certificate.programme_id == scope.programme.id,
                        Certificate.revoked_at.is_(None))
    if until is not None:
        query = query.where(Certificate.issued_at < start_of(until + timedelta(days=1)))
    if scope.by_cohort:
        query = query.where(Certificate.cohort_id.in_(scope.cohort_ids()))
    return scope.within_place(query, Certificate.person_id)


@dataclass(frozen=True)
class MonthPoint:
    month: date  # its first day
    certified: int | None  # in the month; None for months still to come
    cumulative: int | None  # since the beginning, at the end of the month
    target: int | None  # what the target path expects by the end of the month


@dataclass(frozen=True)
class Progress:
    scope: Scope
    today: date
    target: Target | None
    certified: int
    months: list[MonthPoint]
    pace: Pace


def _target(scope: Scope) -> Target | None:
    return db.session.scalar(sa.select(Target).where(Target.programme_id == scope.programme.id)
                             .options(selectinload(Target.milestones)))


def _month_start(day: date) -> date:
    return day.replace(day=1)


def certified_progress(scope: Scope, *, today: date | None = None) -> Progress:
    """Where the scope stands against the programme's target on ``today`` (default: today).

    With place or cohort filters, the counts are those of the places or cohorts chosen,
    and the target stays the programme's whole target (the regional table sets each
    place against its own quota).
    """
    today = today or clock_today()
    windows = {months: start_of(add_months(today, -months) + timedelta(days=1))
               for months in RECENT_WINDOWS}
    totals = db.session.execute(certificates_in(scope, sa.select(
        sa.func.count(),
        *(count_if(Certificate.issued_at >= start) for start in windows.values())
    ), until=today)).one()
    certified, recent = totals[0], dict(zip(windows, totals[1:], strict=True))
    month = month_of(Certificate.issued_at).label("month")
    by_month = dict(db.session.execute(
        certificates_in(scope, sa.select(month, sa.func.count()), until=today)
        .group_by(month)).all())
    target = _target(scope)
    points = target_path(target) if target else None
    months = _months(today, target, by_month, points)
    pace = compute_pace(today=today, certified=certified, recent=recent,
                        target=target.certified if target else None,
                        due_on=target.due_on if target else None,
                        expected=expected_by(points, today) if points else None)
    return Progress(scope=scope, today=today, target=target, certified=certified,
                    months=months, pace=pace)


def _months(today: date, target: Target | None, by_month: dict[str, int],
            points: list[tuple[date, int]] | None) -> list[MonthPoint]:
    firsts = [_month_start(today)]
    lasts = [_month_start(today)]
    if by_month:
        firsts.append(date.fromisoformat(min(by_month) + "-01"))
    if target is not None:
        firsts.append(_month_start(target.starts_on))
        lasts.append(_month_start(target.due_on))
    month, last = min(firsts), max(lasts)
    cumulative = 0
    result = []
    while month <= last:
        month_end = add_months(month, 1) - timedelta(days=1)
        expected = expected_by(points, month_end) if points else None
        if month <= today:
            certified = by_month.get(month.strftime("%Y-%m"), 0)
            cumulative += certified
            result.append(MonthPoint(month, certified, cumulative, expected))
        else:
            result.append(MonthPoint(month, None, None, expected))
        month = add_months(month, 1)
    return result
