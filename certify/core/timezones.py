"""Each reader's time zone: defaulted from where they work, chosen on the account page, and
used by every date and time a page or an e-mail shows. Stored moments stay in UTC; CSV files
and the API give them in UTC (ISO 8601 with offset)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import get_timezone, get_timezone_name
from flask import current_app
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import get_timezone as reader_timezone
from flask_babel import gettext as _

COUNTRY_ZONES = {"CL": "America/Santiago", "UY": "America/Montevideo",
                 "PY": "America/Asuncion", "BR": "America/Sao_Paulo"}
# Countries with several zones: the region (Brazilian state, Chilean region) decides.
REGION_ZONES = {
    ("BR", "Acre"): "America/Rio_Branco", ("BR", "Amazonas"): "America/Manaus",
    ("BR", "Rondônia"): "America/Porto_Velho", ("BR", "Roraima"): "America/Boa_Vista",
    ("BR", "Mato Grosso"): "America/Cuiaba", ("BR", "Mato Grosso do Sul"): "America/Campo_Grande",
    ("BR", "Fernando de Noronha"): "America/Noronha",
    ("CL", "Magallanes"): "America/Punta_Arenas",
    ("CL", "Magallanes y de la Antártica Chilena"): "America/Punta_Arenas",
}
# What the account page offers: the programme's countries first, then every other zone.
PROGRAMME_ZONES = sorted(set(COUNTRY_ZONES.values()) | set(REGION_ZONES.values()) | {"UTC"})


def zone_for_place(country_code: str | None, region_name: str | None = None) -> str | None:
    """The time zone of a municipality's country, or of its region where the country has several."""
    if not country_code:
        return None
    code = country_code.upper()
    return REGION_ZONES.get((code, region_name or "")) or COUNTRY_ZONES.get(code)


def municipality_zone(municipality) -> str | None:
    """The zone of a municipality (a person's workplace, a session's venue), if it has one."""
    if municipality is None:
        return None
    return zone_for_place(municipality.region.country.code, municipality.region.name)


def programme_zone_name() -> str:
    """The programme's own zone (``BABEL_DEFAULT_TIMEZONE``): the default when nothing says more."""
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def is_known_zone(name: str | None) -> bool:
    return bool(name) and name in available_timezones()


def zone_choices() -> list[tuple[str, str]]:
    """(zone, "America/Asuncion · Paraguay Time") for the account page, in the reader's language."""
    return [(zone, f"{zone.replace('_', ' ')} · {zone_title(zone)}") for zone in PROGRAMME_ZONES]


def zone_title(zone: str, locale: object | None = None) -> str:
    """"Paraguay Time", "Horário do Paraguai": the zone's name in the reader's language."""
    return get_timezone_name(get_timezone(zone), "long", locale=str(locale or get_locale() or "es"))


def venue_zone() -> ZoneInfo:
    """Where the programme's in-person sessions take place (``BABEL_DEFAULT_TIMEZONE``)."""
    return ZoneInfo(programme_zone_name())


def reader_zone() -> ZoneInfo:
    return ZoneInfo(str(reader_timezone()))


def local(moment: datetime, zone: ZoneInfo | None = None) -> datetime:
    return moment.astimezone(zone or reader_zone())


def is_end_of_day(moment: datetime, zone: ZoneInfo) -> bool:
    """A deadline set as "the end of that day" where it was set (23:59, 23:59:59 or 00:00)."""
    at = local(moment, zone).time().replace(microsecond=0)
    return at in (time(23, 59), time(23, 59, 59), time(0, 0))


@contextmanager
def force_timezone(zone: str | None) -> Iterator[None]:
    """Format dates and times in ``zone`` for a while (an e-mail to someone else, say)."""
    from flask_babel import _get_current_context

    context = _get_current_context()
    if context is None or not zone:
        yield
        return
    before = getattr(context, "babel_tzinfo", None)
    context.babel_tzinfo = get_timezone(zone)
    try:
        yield
    finally:
        context.babel_tzinfo = before


def programme_wall_clock(moment: datetime | None) -> datetime | None:
    """A stored moment as the wall-clock time staff forms show and type: the programme's time
    zone (``BABEL_DEFAULT_TIMEZONE``), whatever zone the staff member reads in."""
    return None if moment is None else moment.astimezone(venue_zone()).replace(tzinfo=None)


def from_programme_wall_clock(typed: datetime | None) -> datetime | None:
    """The other way round: a wall-clock time typed in a staff form, made an aware moment."""
    if typed is None or typed.tzinfo is not None:
        return typed
    return typed.replace(tzinfo=venue_zone())


def deadline(moment: datetime | None) -> str:
    """A deadline as its reader should read it: the day alone when it was set as the end of a
    day in the programme's zone ("Friday, November 6, 2026", not "20:59:59" somewhere else);
    otherwise the date and time in the reader's zone, with the zone's name."""
    if moment is None:
        return ""
    if is_end_of_day(moment, venue_zone()):
        day = local(moment, venue_zone())
        if day.time() == time(0, 0):  # midnight closes the day before
            day -= timedelta(days=1)
        return format_date(day.date(), "full")
    return moment_with_zone(moment)


def moment_with_zone(moment: datetime | None) -> str:
    """A date and time in the reader's zone, with the zone's name: "Dec 11, 2026, 2:30:00 PM
    (Amazon Time)"."""
    if moment is None:
        return ""
    return _("%(when)s (%(zone)s)", when=format_datetime(moment, "medium"),
             zone=zone_title(reader_zone().key))
