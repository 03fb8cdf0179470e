"""Quotas of regions and municipalities: checked before written, weighted, and how they add up."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from certify.accounts.models import Region
from certify.core.errors import ValidationError
from certify.extensions import db
from certify.reports.allocations import (
    Basis,
    Quota,
    allocation_rows,
    allocation_totals,
    distribute_target,
    largest_remainder,
    set_allocations,
)
from certify.reports.models import Allocation, AllocationLevel
from certify.reports.targets import set_target
from tests.factories import make_municipality
from tests.reports.conftest import make_programme


@pytest.fixture
def target(places):
    programme = make_programme("QTA")
    target = set_target(programme, certified=100, starts_on=date(2026, 1, 1),
                        due_on=date(2029, 12, 31), actor=None)
    db.session.commit()
    return target


def quotas(target, level) -> dict[int, int]:
    column = Allocation.region_id if level is AllocationLevel.REGION else Allocation.municipality_id
    return dict(db.session.execute(sa.select(column, Allocation.certified).where(
        Allocation.target_id == target.id, column.is_not(None))).all())


def test_largest_remainder_adds_up_exactly():
    shares = largest_remainder(100, {1: Decimal(1), 2: Decimal(1), 3: Decimal(1)})
    assert shares == {1: 34, 2: 33, 3: 33}  # the tie goes to the smaller key
    assert largest_remainder(10, {1: Decimal("1.5"), 2: Decimal(1)}) == {1: 6, 2: 4}
    assert sum(largest_remainder(5000, {n: Decimal(n % 7 + 1) for n in range(2000)}).values()) \
        == 5000
    assert largest_remainder(10, {1: Decimal(0)}) == {1: 0}


def test_quotas_are_all_checked_before_any_is_written(target, places):
    set_allocations(target, AllocationLevel.MUNICIPALITY, {places.melipeuco.id: Quota(10)})
    db.session.commit()
    with pytest.raises(ValidationError) as caught:
        set_allocations(target, AllocationLevel.MUNICIPALITY, {
            places.melipeuco.id: Quota(50), places.curarrehue.id: Quota(-1),
            places.penalolen.id: Quota(5, Decimal("0")), 999_999: Quota(1)})
    assert set(caught.value.errors) == {str(places.curarrehue.id), str(places.penalolen.id),
                                        "999999"}
    db.session.rollback()
    assert quotas(target, AllocationLevel.MUNICIPALITY) == {places.melipeuco.id: 10}


def test_a_blank_quota_removes_the_allocation(target, places):
    set_allocations(target, AllocationLevel.REGION, {places.melipeuco.region_id: Quota(70)})
    set_allocations(target, AllocationLevel.REGION, {places.melipeuco.region_id: None})
    assert quotas(target, AllocationLevel.REGION) == {}


def test_totals_show_by_how_much_the_quotas_miss_the_target(target, places):
    araucania = places.melipeuco.region_id
    set_allocations(target, AllocationLevel.REGION, {
        araucania: Quota(60), places.penalolen.region_id: Quota(30)})
    set_allocations(target, AllocationLevel.MUNICIPALITY, {
        places.melipeuco.id: Quota(40), places.curarrehue.id: Quota(25),
        places.penalolen.id: Quota(30), places.tupambae.id: Quota(10)})
    totals = allocation_totals(target)
    assert (totals.regions, totals.regions_difference) == (90, -10)
    assert (totals.municipalities, totals.municipalities_difference) == (105, 5)
    assert totals.region_difference(araucania) == 5  # 65 in its municipalities, 60 its own
    assert totals.region_difference(places.tupambae.region_id) is None  # no own quota


def test_distributing_by_weight_gives_rural_municipalities_more(target, places):
    shares = distribute_target(target, AllocationLevel.MUNICIPALITY,
                               rural_weight=Decimal("1.5"), urban_weight=Decimal("1"))
    # Three rural municipalities at 1.5 and one urban at 1: 100 * 1.5 / 5.5 = 27.3 each.
    assert shares == {places.melipeuco.id: 28, places.curarrehue.id: 27,
                      places.tupambae.id: 27, places.penalolen.id: 18}
    assert sum(shares.values()) == 100
    stored = {row.place_id: row.allocation for row in
              allocation_rows(target, AllocationLevel.MUNICIPALITY)}
    assert stored[places.melipeuco.id].weight == Decimal("1.5")
    assert stored[places.penalolen.id].certified == 18
    assert allocation_totals(target).municipalities_difference == 0


def test_distributing_keeps_weights_set_by_hand(target, places):
    set_allocations(target, AllocationLevel.MUNICIPALITY,
                    {places.penalolen.id: Quota(0, Decimal(3))})
    shares = distribute_target(target, AllocationLevel.MUNICIPALITY)
    assert shares[places.penalolen.id] == 50  # weight 3 against three of weight 1


def test_distributing_by_population(target, places):
    for municipality, population in ((places.melipeuco, 6000), (places.curarrehue, 7000),
                                     (places.penalolen, 240_000), (places.tupambae, 1000)):
        municipality.population = population
    db.session.commit()
    shares = distribute_target(target, AllocationLevel.MUNICIPALITY, basis=Basis.POPULATION,
                               rural_weight=Decimal(2), urban_weight=Decimal(1))
    # Scores: 12,000 + 14,000 + 2,000 rural, 240,000 urban.
    assert shares == {places.melipeuco.id: 4, places.curarrehue.id: 5, places.tupambae.id: 1,
                      places.penalolen.id: 90}


def test_distributing_among_regions_counts_their_municipalities(target, places):
    make_municipality("Lonquimay", region="La Araucanía", kind="rural")
    regions = {region.name: region.id for region in db.session.scalars(sa.select(Region))}
    shares = distribute_target(target, AllocationLevel.REGION, rural_weight=Decimal(1),
                               urban_weight=Decimal(1))
    # Five municipalities: La Araucanía has three of them.
    assert shares[regions["La Araucanía"]] == 60
    assert shares[regions["Metropolitana"]] == 20 and shares[regions["Cerro Largo"]] == 20


def test_a_population_basis_needs_populations(target, places, english):
    with pytest.raises(ValidationError, match="No municipality has a population"):
        distribute_target(target, AllocationLevel.MUNICIPALITY, basis=Basis.POPULATION)


def test_weights_must_be_positive(target, places):
    with pytest.raises(ValidationError) as caught:
        distribute_target(target, AllocationLevel.MUNICIPALITY, rural_weight=Decimal(0))
    assert list(caught.value.errors) == ["rural_weight"]
