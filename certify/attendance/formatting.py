"""How session times read, on pages and in e-mails: at the venue's local time (the session's
own ``time_zone``) and, where it differs, in the reader's own time zone too; in the reader's
language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import get_timezone, get_timezone_location
from flask_babel import format_date, format_time, get_locale
from flask_babel import gettext as _

from certify.core.timezones import force_timezone, reader_zone, zone_title


def session_when(session) -> str:
    """"Tuesday, October 6, 2026, 9:00 – 17:30 in Santiago (Chile Time); October 6, 2026,
    8:00 – 16:30 your time (Amazon Time)": the second part only where the clocks differ."""
    venue, reader = ZoneInfo(session.time_zone), reader_zone()
    with force_timezone(venue.key):
        when = _("%(when)s in %(place)s (%(zone)s)", when=_at_venue(session, venue),
                 place=_place(session), zone=zone_title(venue.key))
    if session.starts_at.astimezone(venue).utcoffset() == session.starts_at.astimezone(
            reader).utcoffset():
        return when
    return _("%(when)s; %(start)s – %(end)s your time (%(zone)s)", when=when,
             start=moment(session.starts_at), end=format_time(session.ends_at, "short"),
             zone=zone_title(reader.key))


def _place(session) -> str:
    """The venue's municipality, else the city that names its zone, in the reader's language."""
    if session.venue_municipality is not None:
        return session.venue_municipality.name
    return get_timezone_location(get_timezone(session.time_zone), locale=str(get_locale()),
                                 return_city=True)


def _at_venue(session, venue: ZoneInfo) -> str:
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


def local_to_aware(moment: datetime | None, zone: str) -> datetime | None:
    """A date and time typed in the session form (the venue's wall clock, no zone attached)
    made aware in the venue's ``zone``."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(zone))


def aware_to_local(moment: datetime | None, zone: str) -> datetime | None:
    """The other way round, to fill in the form with the venue's wall clock."""
    return None if moment is None else moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
