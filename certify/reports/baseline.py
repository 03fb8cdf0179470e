"""The public workforce the certified agents are compared with: shares along each equity
dimension, editable by managers.

Until a manager sets a dimension, illustrative shares of a national civil service are
used, and every page that shows them says so: they are a placeholder for the country's
official statistics, not a source.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.accounts.models import Gender, Person, Region
from certify.core import audit
from certify.core.errors import ValidationError
from certify.extensions import db
from certify.reports.models import Baseline

AGE_BANDS = ("under_25", "25_34", "35_44", "45_54", "55_plus")
AREAS = ("rural", "urban")
DIMENSIONS = ("gender", "age_band", "area", "region")
SOURCE_MAX_LENGTH = 500

# Plausible shares for a Latin-American national civil service (women are the majority of
# public employees in the region; few staff are under 25); placeholders until replaced.
DEFAULT_SHARES: dict[str, dict[str, Decimal]] = {
    "gender": {"female": Decimal("58.0"), "male": Decimal("42.0")},
    "age_band": {"under_25": Decimal("4.0"), "25_34": Decimal("24.0"),
                 "35_44": Decimal("29.0"), "45_54": Decimal("24.0"),
                 "55_plus": Decimal("19.0")},
    "area": {"rural": Decimal("31.0"), "urban": Decimal("69.0")},
    "region": {},
}


@dataclass(frozen=True)
class BaselineShares:
    dimension: str
    shares: dict[str, Decimal]  # key -> percent
    source: str  # empty for the illustrative defaults: pages word that themselves
    illustrative: bool  # True while the seeded defaults are used


def dimension_keys(dimension: str) -> list[str]:
    """The keys a dimension's shares may have (region ids as text for regions)."""
    if dimension == "gender":
        return [gender.value for gender in Gender]
    if dimension == "age_band":
        return list(AGE_BANDS)
    if dimension == "area":
        return list(AREAS)
    if dimension == "region":
        return [str(region_id) for region_id in db.session.scalars(sa.select(Region.id))]
    raise ValidationError(_("Unknown dimension %(dimension)s.", dimension=dimension))


def current_baseline() -> dict[str, BaselineShares]:
    """Every dimension's shares: the managers' if set, else the illustrative ones. One query."""
    stored = {row.dimension: row for row in db.session.scalars(sa.select(Baseline))}
    result = {}
    for dimension in DIMENSIONS:
        row = stored.get(dimension)
        if row is None:
            result[dimension] = BaselineShares(dimension, dict(DEFAULT_SHARES[dimension]), "",
                                               True)
        else:
            shares = {key: Decimal(str(value)) for key, value in row.shares.items()}
            result[dimension] = BaselineShares(dimension, shares, row.source, False)
    return result


def _percent(key: str, value: object, errors: dict[str, list[str]]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        share = Decimal(str(value).replace(",", ".").strip())
    except InvalidOperation:
        errors[key] = [_("'%(value)s' is not a number.", value=value)]
        return None
    if not share.is_finite() or not Decimal(0) <= share <= Decimal(100):
        errors[key] = [_("Give a percentage from 0 to 100.")]
    elif share != share.quantize(Decimal("0.1")):
        errors[key] = [_("Give the percentage with one decimal at most.")]
    return share


def set_baseline(dimension: str, shares: dict[str, object], *, source: str,
                 actor: Person | None) -> Baseline:
    """Store a dimension's shares (percent; blank ones are left out) and their source.

    ``ValidationError`` names each wrong share by key; shares must not add up to more
    than 100, and the source must say where the figures come from.
    """
    keys = set(dimension_keys(dimension))
    errors: dict[str, list[str]] = {}
    clean: dict[str, Decimal] = {}
    for key, value in shares.items():
        if key not in keys:
            errors[key] = [_("%(key)s is not a category of this dimension.", key=key)]
            continue
        share = _percent(key, value, errors)
        if share is not None and key not in errors:
            clean[key] = share
    if not errors and sum(clean.values(), Decimal(0)) > Decimal(100):
        errors["shares"] = [_("The shares add up to %(total)s%%, more than 100%%.",
                              total=sum(clean.values(), Decimal(0)))]
    source = (source or "").strip()
    if not source:
        errors["source"] = [_("Say where these figures come from (e.g. the civil-service "
                              "statistics of the year).")]
    elif len(source) > SOURCE_MAX_LENGTH:
        errors["source"] = [_("At most %(max)s characters.", max=SOURCE_MAX_LENGTH)]
    if errors:
        raise ValidationError(_("The baseline was not saved: %(fields)s.",
                                fields=", ".join(sorted(errors))), errors=errors)
    row = db.session.scalar(sa.select(Baseline).where(Baseline.dimension == dimension))
    if row is None:
        row = Baseline(dimension=dimension)
        db.session.add(row)
    row.shares = {key: float(value) for key, value in clean.items()}
    row.source = source
    row.updated_by_id = actor.id if actor else None
    db.session.flush()
    audit.record("baseline.set", row, actor=actor, dimension=dimension, source=source)
    return row


def reset_baseline(dimension: str) -> None:
    """Go back to the illustrative shares for ``dimension``."""
    dimension_keys(dimension)  # refuses an unknown dimension
    db.session.execute(sa.delete(Baseline).where(Baseline.dimension == dimension))
