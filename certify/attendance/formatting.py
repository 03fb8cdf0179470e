"""How session times read, on pages and in e-mails: at the venue's local time (the
programme's ``BABEL_DEFAULT_TIMEZONE``: the sessions take place in Santiago) and, where it
differs, in the reader's own time zone too; in the reader's language."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_date, format_time
from flask_babel import gettext as _

from certify.core.timezones import (
    force_timezone,
    from_programme_wall_clock,
    programme_wall_clock,
    reader_zone,
    venue_zone,
    zone_title,
)


def session_when(session) -> str:
    """"Tuesday, October 6, 2026, 9:00 – 17:30 (Chile Time); 8:00 – 16:30 your time"."""
    venue, reader = venue_zone(), reader_zone()
    with force_timezone(venue.key):
        when = _("%(when)s (%(zone)s)", when=_at_venue(session), zone=zone_title(venue.key))
    if session.starts_at.astimezone(venue).utcoffset() == session.starts_at.astimezone(
            reader).utcoffset():
        return when
    return _("%(when)s; %(start)s – %(end)s your time (%(zone)s)", when=when,
             start=moment(session.starts_at), end=format_time(session.ends_at, "short"),
             zone=zone_title(reader.key))


def _at_venue(session) -> str:
    venue = venue_zone()
    start, end = session.starts_at.astimezone(venue), session.ends_at.astimezone(venue)
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
    return from_programme_wall_clock(moment)


def aware_to_local(moment: datetime | None) -> datetime | None:
    """The other way round, to fill in a form."""
    return programme_wall_clock(moment)
