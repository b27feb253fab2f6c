import pytest
from django.core.management import call_command

from shipping.exceptions import RateCardError
from shipping.models import Carrier, CarrierService, RateCardEntry, RateZone
from shipping.rate_cards import rate_cards_load

pytestmark = pytest.mark.django_db


def test_shipped_rate_cards_load_every_carrier_and_service():
    call_command("load_rate_cards", stdout=open("/dev/null", "w"))

    assert set(Carrier.objects.values_list("code", flat=True)) == {"UPS", "FEDEX", "USPS", "DHL"}
    assert CarrierService.objects.count() == 12
    usps_ground = CarrierService.objects.get(carrier__code="USPS", code="GA")
    assert usps_ground.dim_divisor == 166
    assert usps_ground.dim_min_volume_in3 == 1728
    assert CarrierService.objects.get(carrier__code="UPS", code="GND").dim_divisor == 139
    assert RateZone.objects.filter(carrier__code="UPS").count() == 7
    assert RateCardEntry.objects.count() == 12 * 70 * 7


def test_loading_twice_changes_nothing():
    call_command("load_rate_cards", stdout=open("/dev/null", "w"))
    before = RateCardEntry.objects.count()
    call_command("load_rate_cards", stdout=open("/dev/null", "w"))
    assert RateCardEntry.objects.count() == before


def test_a_manager_replaces_one_carriers_rates():
    call_command("load_rate_cards", stdout=open("/dev/null", "w"))
    rates = "carrier,service,weight_lb,zone_2,zone_8\nUPS,GND,1,7.00,9.00\nUPS,GND,2,8.00,10.00\n"

    counts = rate_cards_load(files={"rates.csv": rates})

    assert counts == {"rates.csv": 4}
    ground = CarrierService.objects.get(carrier__code="UPS", code="GND")
    assert ground.rates.count() == 4
    assert str(ground.rates.get(zone=8, weight_lb=2).price) == "10.00"
    # other services keep their cards
    assert CarrierService.objects.get(carrier__code="FEDEX", code="GND").rates.count() == 70 * 7


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"rates.csv": "carrier,service\nUPS,GND\n"}, "missing column"),
        ({"rates.csv": "carrier,service,weight_lb,zone_2\nUPS,GND,one,5.00\n"}, "line 2: weight_lb"),
        ({"rates.csv": "carrier,service,weight_lb,zone_2\nUPS,GND,1,-5\n"}, "must not be negative"),
        ({"rates.csv": "carrier,service,weight_lb,zone_2\nACME,GND,1,5\n"}, "unknown carrier"),
        ({"rates.csv": "carrier,service,weight_lb,zone_2\nUPS,NOPE,1,5\n"}, "unknown service"),
        ({"prices.csv": "x"}, "Unknown rate-card file"),
    ],
)
def test_bad_rate_card_files_are_refused_with_the_line(rate_cards, files, message):
    before = RateCardEntry.objects.count()

    with pytest.raises(RateCardError, match=message):
        rate_cards_load(files=files)

    assert RateCardEntry.objects.count() == before
