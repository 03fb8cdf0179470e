"""How session times read, on pages and in e-mails: in the programme's time zone and the
reader's language (``BABEL_DEFAULT_TIMEZONE``: the sessions take place in Santiago)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_date, format_time, get_timezone, to_user_timezone
from flask_babel import gettext as _


def session_when(session) -> str:
    """"Tuesday, October 6, 2026, 9:00 – 17:30", or both dates for a session over two days."""
    start, end = to_user_timezone(session.starts_at), to_user_timezone(session.ends_at)
    if start.date() == end.date():
        return _("%(date)s, %(start)s – %(end)s", date=format_date(session.starts_at, "full"),
                 start=format_time(session.starts_at, "short"),
                 end=format_time(session.ends_at, "short"))
    return _("%(start)s to %(end)s", start=moment(session.starts_at), end=moment(session.ends_at))


def moment(value: datetime) -> str:
    """"October 6, 2026, 9:00": a day and a time, without seconds."""
    return _("%(date)s, %(time)s", date=format_date(value, "long"),
             time=format_time(value, "short"))


def local_to_aware(moment: datetime | None) -> datetime | None:
    """A date and time typed in a form (programme time zone, no zone attached) made aware."""
    if moment is None or moment.tzinfo is not None:
        return moment
    zone = get_timezone()
    return zone.localize(moment) if hasattr(zone, "localize") else moment.replace(tzinfo=zone)


def aware_to_local(moment: datetime | None) -> datetime | None:
    """The other way round, to fill in a form."""
    return None if moment is None else to_user_timezone(moment).replace(tzinfo=None)
