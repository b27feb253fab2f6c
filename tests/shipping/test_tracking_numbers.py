import json
from pathlib import Path

import pytest

from shipping.tracking_numbers import is_valid, make_tracking_number, ups_check_digit

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
