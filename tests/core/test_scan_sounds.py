"""Every scanning page loads the scanner's sounds (static/js/scanner.js), and the script knows a finished sound."""

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import get_template

SCANNING_PAGES = [
    "shipping/scanner.html", "shipping/sorter.html", "shipping/packing/pack_shipment.html",
    "returns/receive_scan.html", "returns/receive.html",
    "inventory/control/inbound_detail.html", "inventory/control/count_detail.html",
]


@pytest.mark.parametrize("template", SCANNING_PAGES)
def test_every_scanning_page_loads_the_scanner_sounds(template):
    source = get_template(template).template.source
    assert "{% static 'js/scanner.js' %}" in source


def test_the_scanner_script_has_a_refusal_and_a_finished_sound():
    script = open(finders.find("js/scanner.js"), encoding="utf-8").read()
    assert '"error"' in script
    assert '"done"' in script
    assert "navigator.vibrate" in script
