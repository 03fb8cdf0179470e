"""Are we on track? The pace needed from today to reach the target, the recent pace, and
when the target would be reached at that pace.

Pure arithmetic on counts already taken from the database, with ``today`` given, so every
figure can be checked by hand. Months are calendar months: from 31 December to
31 December of the next year is exactly 12.
"""

from __future__ import annotations

import calendar
import enum
import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

RECENT_WINDOWS = (3, 12)  # months the recent pace is measured over
ONE_DECIMAL = Decimal("0.1")


class Standing(enum.StrEnum):
    NO_TARGET = "no_target"
    REACHED = "reached"
    ON_TRACK = "on_track"  # at or above the target path today
    BEHIND = "behind"
    OVERDUE = "overdue"  # the due date has passed short of the target


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole ``months``; the 31st becomes the month's last day if needed."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def months_between(start: date, end: date) -> Decimal:
    """Calendar months from ``start`` to ``end`` (negative if ``end`` comes first)."""
    whole = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, whole) > end:
        whole -= 1
    anchor = add_months(start, whole)
    following = add_months(start, whole + 1)
    return Decimal(whole) + Decimal((end - anchor).days) / Decimal((following - anchor).days)


def date_after_months(start: date, months: Decimal) -> date:
    """The day ``months`` (possibly fractional) calendar months after ``start``."""
    whole = int(months)
    anchor = add_months(start, whole)
    following = add_months(start, whole + 1)
    return anchor + timedelta(days=math.ceil((months - whole) * (following - anchor).days))


@dataclass(frozen=True)
class RecentPace:
    months: int  # the window: the last 3 or 12 months
    certified: int  # certified in that window
    per_month: Decimal
    forecast: date | None  # when the target is reached at this pace (None: never, or reached)
    in_time: bool | None  # forecast on or before the due date (None without a forecast)


@dataclass(frozen=True)
class Pace:
    today: date
    certified: int
    target: int | None
    due_on: date | None
    expected: int | None  # on the target path today
    standing: Standing
    recent: tuple[RecentPace, ...]

    @property
    def remaining(self) -> int | None:
        return None if self.target is None else max(0, self.target - self.certified)

    @property
    def gap(self) -> int | None:
        """Certified minus what the target path expects today: negative when behind."""
        return None if self.expected is None else self.certified - self.expected

    @property
    def months_left(self) -> Decimal | None:
        if self.due_on is None:
            return None
        return max(Decimal(0), months_between(self.today, self.due_on))

    @property
    def needed_per_month(self) -> int | None:
        """Agents to certify each month from today to reach the target on the due date.

        None without a target, and once the due date has passed (then everything
        remaining is late); 0 once the target is reached.
        """
        if self.remaining is None:
            return None
        if self.remaining == 0:
            return 0
        if not self.months_left:
            return None
        return math.ceil(Decimal(self.remaining) / self.months_left)

    def recent_pace(self, months: int) -> RecentPace:
        return next(pace for pace in self.recent if pace.months == months)


def compute_pace(*, today: date, certified: int, recent: dict[int, int], target: int | None,
                 due_on: date | None, expected: int | None) -> Pace:
    """The pace figures from the counts: ``recent`` maps 3 and 12 to the agents certified
    in the last 3 and 12 months; ``expected`` is the target path's value today."""
    remaining = None if target is None else max(0, target - certified)
    paces = []
    for months in RECENT_WINDOWS:
        count = recent.get(months, 0)
        per_month = (Decimal(count) / months).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
        forecast = None
        if remaining and count:
            forecast = date_after_months(today, Decimal(remaining) * months / Decimal(count))
        in_time = None if forecast is None or due_on is None else forecast <= due_on
        paces.append(RecentPace(months, count, per_month, forecast, in_time))
    if target is None:
        standing = Standing.NO_TARGET
    elif certified >= target:
        standing = Standing.REACHED
    elif due_on is not None and today > due_on:
        standing = Standing.OVERDUE
    elif expected is not None and certified >= expected:
        standing = Standing.ON_TRACK
    else:
        standing = Standing.BEHIND
    return Pace(today=today, certified=certified, target=target, due_on=due_on,
                expected=expected, standing=standing, recent=tuple(paces))
