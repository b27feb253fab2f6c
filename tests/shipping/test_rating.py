import datetime
from decimal import Decimal

import pytest

from orders.choices import ServiceLevel
from shipping.carriers.base import PackageSpec
from shipping.cartonization import Box, Item, candidate_packings
from shipping.exceptions import RatingError
from shipping.models import Carrier, CarrierService
from shipping.rating import Candidate, candidates_from_packings, rate_shop
from tests.factories import OrderFactory, WarehouseFactory
from tests.shipping.packing_factories import CarrierServiceFactory, ClientShippingProfileFactory

pytestmark = pytest.mark.django_db

BOXES = [
    Box("S", 250, 200, 150, 258, 208, 158, tare_g=150, cost=Decimal("0.60")),
    Box("M", 350, 300, 250, 358, 308, 258, tare_g=300, cost=Decimal("0.95")),
]
ITEMS = [Item("a", 200, 150, 100, 900), Item("b", 150, 100, 80, 400)]


@pytest.fixture
def order():
    # Salt Lake City to Columbia, SC: zone 8
    return OrderFactory(warehouse=WarehouseFactory(code="SLC"), ship_postal_code="29201")


def shop(order, **kwargs):
    candidates = candidates_from_packings(candidate_packings(ITEMS, BOXES))
    return rate_shop(order=order, warehouse=order.warehouse, candidates=candidates, **kwargs)


def test_standard_order_gets_the_cheapest_ground_service(rate_cards, order):
    result = shop(order)

    assert result.chosen is not None
    assert result.chosen.eligible
    eligible = [o for o in result.options if o.eligible]
    assert result.chosen.total == min(o.total for o in eligible)
    assert result.chosen.service.transit_days <= 5
    assert "Cheapest of" in result.reason
    assert len(result.options) == 12  # every service compared, the ineligible ones with a note


@pytest.mark.parametrize(("level", "max_days"), [(ServiceLevel.OVERNIGHT, 1), (ServiceLevel.EXPEDITED, 2),
                                                  (ServiceLevel.STANDARD, 5)])
def test_service_level_limits_transit_days(rate_cards, order, level, max_days):
    order.requested_service_level = level

    result = shop(order)

    assert result.chosen.service.transit_days <= max_days
    for option in result.options:
        if option.quote and option.service.transit_days > max_days:
            assert not option.eligible
            assert "business days" in option.note


def test_economy_takes_whatever_is_cheapest(rate_cards, order):
    order.requested_service_level = ServiceLevel.ECONOMY
    result = shop(order)
    priced = [o for o in result.options if o.quote and o.note != "" or o.eligible]
    assert result.chosen.total == min(o.total for o in priced if o.eligible)
    assert all(o.eligible for o in result.options if o.quote)


def test_delivery_deadline_rules_out_slow_services(rate_cards, order):
    monday = datetime.date(2026, 11, 23)
    result = shop(order, ship_date=monday, deliver_by=datetime.date(2026, 11, 25))  # two business days
    assert result.chosen.service.transit_days <= 2


def test_impossible_deadline_is_a_clear_error(rate_cards, order):
    with pytest.raises(RatingError, match="not possible"):
        shop(order, ship_date=datetime.date(2026, 11, 27), deliver_by=datetime.date(2026, 11, 27))


def test_client_rules_limit_carriers(rate_cards, order):
    profile = ClientShippingProfileFactory(client=order.client)
    profile.allowed_carriers.set([Carrier.objects.get(code="FEDEX")])

    result = shop(order)

    assert result.chosen.service.carrier.code == "FEDEX"
    ups = [o for o in result.options if o.service.carrier.code == "UPS"]
    assert ups
    assert all(not o.eligible and "not allowed" in o.note for o in ups)


def test_preferred_carrier_wins_within_tolerance_only(rate_cards, order):
    cheapest = shop(order).chosen
    other = next(o for o in shop(order).options
                 if o.eligible and o.service.carrier_id != cheapest.service.carrier_id)
    gap = other.total - cheapest.total
    profile = ClientShippingProfileFactory(client=order.client, preferred_carrier=other.service.carrier,
                                           preferred_tolerance=gap + Decimal("0.01"))

    assert shop(order).chosen.service.carrier_id == other.service.carrier_id
    assert "prefers" in shop(order).reason

    profile.preferred_tolerance = gap - Decimal("0.01")
    profile.save()
    assert shop(order).chosen.service.carrier_id == cheapest.service.carrier_id


def test_box_and_service_chosen_together_beat_box_first(order):
    # Given a small sturdy box and a bigger cheap mailer box. At 139 the small box bills less, so a
    # box-first system takes it; USPS ignores DIM under one cubic foot, so with USPS the cheap box wins.
    ups = CarrierServiceFactory(carrier__code="UPS", code="GND", dim_divisor=Decimal("139"), transit_days=5)
    usps = CarrierServiceFactory(carrier__code="USPS", code="GA", dim_divisor=Decimal("166"),
                                 dim_min_volume_in3=1728, transit_days=5)
    sturdy = Box("STURDY", 220, 160, 110, 228, 168, 118, tare_g=250, cost=Decimal("2.40"))
    mailer = Box("MAILER", 300, 250, 150, 304, 254, 154, tare_g=80, cost=Decimal("0.30"))
    items = [Item("a", 200, 150, 100, 400)]
    candidates = candidates_from_packings(candidate_packings(items, [sturdy, mailer]))

    result = rate_shop(order=order, warehouse=order.warehouse, candidates=candidates, services=[ups, usps])

    assert result.chosen.service == usps
    assert result.chosen.candidate.boxes == ["MAILER"]
    assert "Choosing the box first (STURDY" in result.reason


def test_unknown_destination_zip_is_a_clear_error(rate_cards):
    order = OrderFactory(warehouse=WarehouseFactory(code="SLC"), ship_postal_code="00000")
    with pytest.raises(RatingError, match="Unknown destination ZIP"):
        shop(order)


def test_without_rate_cards_rating_says_so(order):
    with pytest.raises(RatingError, match="load the rate cards"):
        shop(order)


def test_too_heavy_for_every_card_is_not_eligible(rate_cards, order):
    heavy = Candidate(boxes=["PALLET"], specs=[], box_cost=Decimal("0"))
    heavy.specs = [PackageSpec(500, 500, 500, 40_000)]  # 88 lb: the cards stop at 70
    result = rate_shop(order=order, warehouse=order.warehouse, candidates=[heavy])
    assert result.chosen is None
    assert all(not o.eligible for o in result.options)
    assert "No service" in result.reason


def test_zone_grows_with_distance(rate_cards):
    near = OrderFactory(warehouse=WarehouseFactory(code="SLC"), ship_postal_code="84101")  # Salt Lake City
    far = OrderFactory(warehouse=WarehouseFactory(code="SLC"), ship_postal_code="02139")  # Cambridge, MA
    ground = CarrierService.objects.get(carrier__code="UPS", code="GND")
    near_quote = next(o for o in shop(near).options if o.service == ground).quote
    far_quote = next(o for o in shop(far).options if o.service == ground).quote
    assert near_quote.zone == 2
    assert far_quote.zone == 8
    assert far_quote.total > near_quote.total
