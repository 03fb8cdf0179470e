"""Sharing a target among regions and municipalities: quotas, their weights, their totals.

Quotas are set by hand, imported from CSV, or distributed: the target is split in
proportion to each place's weight times its basis (one per municipality, or its
population), with the largest-remainder method so the quotas add up to the target
exactly. Hand-set quotas need not add up; :func:`allocation_totals` shows by how much
they miss.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.accounts.models import Country, Municipality, MunicipalityKind, Region
from certify.core.errors import ValidationError
from certify.extensions import db
from certify.reports.models import Allocation, AllocationLevel, Target

MAX_WEIGHT = Decimal("100")


class Basis(enum.StrEnum):
    EQUAL = "equal"  # every municipality counts once
    POPULATION = "population"  # in proportion to its population


@dataclass(frozen=True)
class Quota:
    """What to store for one place: its quota and weight."""

    certified: int
    weight: Decimal = Decimal(1)


@dataclass
class AllocationTotals:
    """How the quotas add up against the target, overall and region by region."""

    target: int
    regions: int = 0  # sum of the regions' quotas
    region_count: int = 0
    municipalities: int = 0  # sum of the municipalities' quotas
    municipality_count: int = 0
    # {region id: (the region's quota or None, sum of its municipalities' quotas)}
    by_region: dict[int, tuple[int | None, int]] = field(default_factory=dict)

    @property
    def regions_difference(self) -> int:
        """Regions' quotas minus the target: negative when they fall short."""
        return self.regions - self.target

    @property
    def municipalities_difference(self) -> int:
        return self.municipalities - self.target

    def region_difference(self, region_id: int) -> int | None:
        """A region's municipalities' quotas minus its own quota (None without one)."""
        own, municipalities = self.by_region.get(region_id, (None, 0))
        return None if own is None else municipalities - own


def allocation_totals(target: Target) -> AllocationTotals:
    """The sums of the quotas of each level, and per region, in two queries."""
    totals = AllocationTotals(target=target.certified)
    regional = db.session.execute(
        sa.select(Allocation.region_id, Allocation.certified)
        .where(Allocation.target_id == target.id, Allocation.region_id.is_not(None))).all()
    for region_id, certified in regional:
        totals.regions += certified
        totals.region_count += 1
        totals.by_region[region_id] = (certified, 0)
    local = db.session.execute(
        sa.select(Municipality.region_id, sa.func.count(), sa.func.sum(Allocation.certified))
        .join(Municipality, Municipality.id == Allocation.municipality_id)
        .where(Allocation.target_id == target.id).group_by(Municipality.region_id)).all()
    for region_id, count, certified in local:
        totals.municipalities += certified or 0
        totals.municipality_count += count
        own, _sum = totals.by_region.get(region_id, (None, 0))
        totals.by_region[region_id] = (own, certified or 0)
    return totals


def _allocations(target: Target, level: AllocationLevel) -> dict[int, Allocation]:
    column = Allocation.region_id if level is AllocationLevel.REGION else Allocation.municipality_id
    return {getattr(allocation, column.key): allocation for allocation in db.session.scalars(
        sa.select(Allocation).where(Allocation.target_id == target.id, column.is_not(None)))}


@dataclass(frozen=True)
class AllocationRow:
    """A place with its allocation (None while it has none), for the editing page."""

    place_id: int
    name: str
    region: str
    country: str
    kind: MunicipalityKind | None
    population: int | None
    allocation: Allocation | None


def allocation_rows(target: Target, level: AllocationLevel, *, region_id: int | None = None,
                    country: str | None = None) -> list[AllocationRow]:
    """Every region (or every municipality of ``region_id``) with its allocation, by name."""
    allocations = _allocations(target, level)
    if level is AllocationLevel.REGION:
        query = (sa.select(Region.id, Region.name, Region.name, Country.code,
                           sa.null(), sa.null()).join(Region.country)
                 .order_by(Country.name, Region.name))
        if country:
            query = query.where(Country.code == country)
    else:
        query = (sa.select(Municipality.id, Municipality.name, Region.name, Country.code,
                           Municipality.kind, Municipality.population)
                 .join(Municipality.region).join(Region.country)
                 .order_by(Municipality.name))
        if region_id:
            query = query.where(Municipality.region_id == region_id)
        if country:
            query = query.where(Country.code == country)
    return [AllocationRow(place_id, name, region, code, kind, population,
                          allocations.get(place_id))
            for place_id, name, region, code, kind, population in db.session.execute(query)]


def _check_quota(quota: Quota) -> list[str]:
    problems = []
    if isinstance(quota.certified, bool) or not isinstance(quota.certified, int) \
            or quota.certified < 0:
        problems.append(_("The quota must be a whole number, 0 or more."))
    if not Decimal(0) < quota.weight <= MAX_WEIGHT:
        problems.append(_("The weight must be more than 0 and at most %(max)s.", max=MAX_WEIGHT))
    elif quota.weight != quota.weight.quantize(Decimal("0.01")):
        problems.append(_("The weight may have at most two decimals."))
    return problems


def set_allocations(target: Target, level: AllocationLevel,
                    quotas: Mapping[int, Quota | None]) -> None:
    """Store the quotas of these places (region or municipality ids); None removes one.

    Every quota is checked before any is written: ``ValidationError`` names each wrong one
    by place id, and nothing changes.
    """
    model = Region if level is AllocationLevel.REGION else Municipality
    known = set(db.session.scalars(sa.select(model.id).where(model.id.in_(list(quotas)))))
    errors: dict[str, list[str]] = {}
    for place_id, quota in quotas.items():
        if place_id not in known:
            errors[str(place_id)] = [_("There is no such place.")]
        elif quota is not None and (problems := _check_quota(quota)):
            errors[str(place_id)] = problems
    if errors:
        raise ValidationError(_("The quotas were not saved: %(count)s are not valid.",
                                count=len(errors)), errors=errors)
    existing = _allocations(target, level)
    column = "region_id" if level is AllocationLevel.REGION else "municipality_id"
    for place_id, quota in quotas.items():
        allocation = existing.get(place_id)
        if quota is None:
            if allocation is not None:
                db.session.delete(allocation)
            continue
        if allocation is None:
            allocation = Allocation(target_id=target.id, **{column: place_id})
            db.session.add(allocation)
        allocation.certified = quota.certified
        allocation.weight = quota.weight
    db.session.flush()


def clear_allocations(target: Target, level: AllocationLevel) -> int:
    """Remove every allocation of ``level``; returns how many there were."""
    column = Allocation.region_id if level is AllocationLevel.REGION else Allocation.municipality_id
    result = db.session.execute(sa.delete(Allocation).where(
        Allocation.target_id == target.id, column.is_not(None)))
    return result.rowcount


# --- distributing ------------------------------------------------------------------------------

def largest_remainder(total: int, scores: Mapping[int, Decimal]) -> dict[int, int]:
    """``total`` split in proportion to ``scores``, in whole numbers that add up to ``total``.

    Each key gets the whole part of its exact share; what is left goes, one each, to the
    largest fractional parts (ties to the smaller key, so the result is reproducible).
    """
    weight = sum(scores.values(), Decimal(0))
    if weight <= 0:
        return dict.fromkeys(scores, 0)
    exact = {key: Decimal(total) * score / weight for key, score in scores.items()}
    shares = {key: int(value) for key, value in exact.items()}
    left = total - sum(shares.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] - shares[k]), k))[:left]:
        shares[key] += 1
    return shares


def _municipality_scores(basis: Basis, weights: Mapping[int, Decimal],
                         kind_weights: Mapping[MunicipalityKind, Decimal | None]
                         ) -> tuple[dict[int, Decimal], dict[int, int], dict[int, Decimal]]:
    """Per municipality: its score (weight x basis), its region and the weight used."""
    scores, regions, used = {}, {}, {}
    rows = db.session.execute(sa.select(Municipality.id, Municipality.region_id,
                                        Municipality.kind, Municipality.population))
    for municipality_id, region_id, kind, population in rows:
        weight = kind_weights.get(kind) or weights.get(municipality_id) or Decimal(1)
        base = Decimal(population or 0) if basis is Basis.POPULATION else Decimal(1)
        scores[municipality_id] = weight * base
        regions[municipality_id] = region_id
        used[municipality_id] = weight
    return scores, regions, used


def distribute_target(target: Target, level: AllocationLevel, *, basis: Basis = Basis.EQUAL,
                      rural_weight: Decimal | None = None,
                      urban_weight: Decimal | None = None) -> dict[int, int]:
    """Share the whole target among every region or every municipality; returns the quotas.

    Each municipality scores its weight times its basis (1, or its population). The weight
    is ``rural_weight`` or ``urban_weight`` for its kind when given, else the weight its
    allocation already has, else 1. A region scores its own weight (1 unless set) times the
    sum of its municipalities' scores. Existing quotas of that level are replaced.
    """
    problems = {name: messages for name, value in (("rural_weight", rural_weight),
                                                   ("urban_weight", urban_weight))
                if value is not None and (messages := _check_quota(Quota(0, value)))}
    if problems:
        raise ValidationError(" ".join(m for ms in problems.values() for m in ms),
                              errors=problems)
    existing_municipal = {place_id: allocation.weight for place_id, allocation
                          in _allocations(target, AllocationLevel.MUNICIPALITY).items()}
    kind_weights = {MunicipalityKind.RURAL: rural_weight, MunicipalityKind.URBAN: urban_weight}
    scores, regions, used = _municipality_scores(basis, existing_municipal, kind_weights)
    if level is AllocationLevel.MUNICIPALITY:
        weights = used
    else:
        own = {place_id: allocation.weight for place_id, allocation
               in _allocations(target, AllocationLevel.REGION).items()}
        regional: dict[int, Decimal] = defaultdict(Decimal)
        for municipality_id, score in scores.items():
            regional[regions[municipality_id]] += score
        for region_id in db.session.scalars(sa.select(Region.id)):
            regional.setdefault(region_id, Decimal(0))
        scores = {region_id: score * own.get(region_id, Decimal(1))
                  for region_id, score in regional.items()}
        weights = {region_id: own.get(region_id, Decimal(1)) for region_id in scores}
    if not any(scores.values()):
        message = (_("No municipality has a population yet: distribute equally instead.")
                   if basis is Basis.POPULATION else _("There are no places to distribute to."))
        raise ValidationError(message, errors={"basis": [message]})
    quotas = largest_remainder(target.certified, scores)
    set_allocations(target, level, {place_id: Quota(quotas[place_id], weights[place_id])
                                    for place_id in quotas})
    return quotas
