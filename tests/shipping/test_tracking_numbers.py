import json
from pathlib import Path

import pytest

from reports.backlog import backlog_read
from shipping.carriers import adapter_for
from shipping.exceptions import CarrierError
from shipping.models import TrackingSequence
from shipping.tracking_numbers import (
    TrackingRangeExhausted,
    is_valid,
    make_tracking_number,
    serials_left,
    ups_check_digit,
)
from tests.shipping.packing_factories import CarrierServiceFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tracking_numbers"
FORMATS = [("UPS", "ups.json", "ups"), ("FEDEX", "fedex.json", "fedex_12"), ("USPS", "usps.json", "usps_impb_n"),
           ("DHL", "dhl.json", "DHL Express")]


def _test_numbers(file_name: str, format_id: str) -> dict:
    data = json.loads((FIXTURES / file_name).read_text())
    for entry in data["tracking_numbers"]:
        if entry.get("id") == format_id or entry["name"] == format_id:
            return entry["test_numbers"]
    raise AssertionError(f"{format_id} not in {file_name}")


@pytest.mark.parametrize(("carrier", "file_name", "format_id"), FORMATS)
def test_known_valid_numbers_pass_and_invalid_ones_fail(carrier, file_name, format_id):
    numbers = _test_numbers(file_name, format_id)
    assert numbers["valid"]
    for number in numbers["valid"]:
        assert is_valid(carrier, number), number
    for number in numbers["invalid"]:
        assert not is_valid(carrier, number), number


def test_ups_check_digit_of_a_published_number():
    # 1Z | shipper 5R8939 | service 03 | package 5756712 | check 7
    assert ups_check_digit("5R8939035756712") == 7
    assert is_valid("UPS", "1Z5R89390357567127")
    assert not is_valid("UPS", "1Z5R89390357567128")


@pytest.mark.parametrize(("carrier", "length"), [("UPS", 18), ("USPS", 22), ("FEDEX", 12), ("DHL", 10)])
def test_generated_numbers_have_the_format_and_a_valid_check_digit(carrier, length):
    numbers = {make_tracking_number(carrier, account="DH4R21" if carrier == "UPS" else "902345678",
                                    service_code="03" if carrier == "UPS" else "001", serial=serial)
               for serial in range(1, 400, 7)}
    assert len(numbers) == len(range(1, 400, 7))
    for number in numbers:
        assert len(number) == length
        assert is_valid(carrier, number), number
    # a single changed digit is caught
    sample = sorted(numbers)[0]
    last = int(sample[-1])
    assert not is_valid(carrier, sample[:-1] + str((last + 1) % 10))


def test_ups_numbers_start_with_1z_and_carry_the_service_code():
    number = make_tracking_number("UPS", account="DH4R21", service_code="02", serial=42)
    assert number.startswith("1ZDH4R2102")


def test_usps_impb_numbers_start_with_94():
    number = make_tracking_number("USPS", account="902345678", service_code="055", serial=42)
    assert number.startswith("94055902345678")


@pytest.mark.parametrize(("carrier", "account"), [("UPS", "DH4R21"), ("USPS", "902345678")])
def test_numbers_do_not_repeat_past_ten_million_serials(carrier, account):
    # Given a carrier whose account numbers ten million packages, and a spare account
    spare = "DH4R22" if carrier == "UPS" else "902345679"
    service = "03" if carrier == "UPS" else "001"

    def number(serial):
        return make_tracking_number(carrier, account=account, service_code=service, serial=serial,
                                    spare_accounts=[spare])

    # When serials cross the edge of the first account's range
    edge = [number(s) for s in (1, 9_999_999, 10_000_000, 10_000_001, 19_999_999)]

    # Then every number is different, valid, and the second range carries the spare account
    assert len(set(edge)) == len(edge)
    assert all(is_valid(carrier, n) for n in edge)
    assert account in edge[1]
    assert spare in edge[2]
    assert edge[0] != edge[3]
    with pytest.raises(TrackingRangeExhausted, match="add a spare account"):
        number(20_000_000)


def test_without_a_spare_account_the_range_ends_instead_of_repeating():
    last = make_tracking_number("UPS", account="DH4R21", service_code="03", serial=9_999_999)

    assert is_valid("UPS", last)
    with pytest.raises(TrackingRangeExhausted):
        make_tracking_number("UPS", account="DH4R21", service_code="03", serial=10_000_001)
    assert serials_left("UPS", next_serial=9_000_001, account="DH4R21") == 999_999
    assert serials_left("UPS", next_serial=9_000_001, account="DH4R21", spare_accounts=["DH4R22"]) == 10_999_999


@pytest.mark.django_db
def test_labels_at_the_edge_of_the_range_go_on_with_the_spare_account_and_managers_are_warned():
    # Given UPS a few labels before the end of its shipper number's ten million serials
    service = CarrierServiceFactory(carrier__code="UPS", carrier__account_number="DH4R21", service_code="03")
    carrier = service.carrier
    TrackingSequence.objects.create(carrier=carrier, next_value=9_999_999)

    # Then the managers see it on the backlog page long before the numbers run out
    assert any("UPS tracking numbers run low: 1 left" in p for p in backlog_read().problems)

    # When the last serial is used, the next label has nothing left and is refused rather than repeated
    last = adapter_for(carrier).local_tracking_number(service)
    assert last.startswith("1ZDH4R2103")
    assert is_valid("UPS", last)
    with pytest.raises(CarrierError, match="add a spare account"):
        adapter_for(carrier).local_tracking_number(service)
    assert any("UPS tracking numbers are used up" in p for p in backlog_read().problems)

    # And with a spare shipper number the labels go on in its range
    carrier.spare_account_numbers = "DH4R22"
    carrier.save()
    following = adapter_for(carrier).local_tracking_number(service)
    assert following.startswith("1ZDH4R2203")
    assert is_valid("UPS", following)
    assert not any("UPS tracking" in p for p in backlog_read().problems)
