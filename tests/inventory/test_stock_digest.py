import pytest
from django.conf import settings
from django.core import mail

from core.choices import Role
from inventory.models import StockDigestDelivery
from inventory.reorder import reorder_setting_save
from inventory.tasks import stock_digest_send
from tests.factories import ClientFactory, LocationFactory, ProductFactory, make_user
from tests.inventory.stock_helpers import receive, ship

pytestmark = pytest.mark.django_db


def test_daily_digest_goes_to_each_client_and_manager_once(client_a):
    client_a.contact_email = "alpha@example.com"
    client_a.save()
    ClientFactory(contact_email="beta@example.com")
    manager = make_user(Role.MANAGER)
    location = LocationFactory()
    product = ProductFactory(client=client_a, sku="ALPHA-LOW")
    receive(product, location, 40)
    ship(product, location, 30, days_ago=2)
    reorder_setting_save(product=product, warehouse=location.warehouse, reorder_point=50, reorder_quantity=100)

    sent = stock_digest_send()
    again = stock_digest_send()

    assert (sent, again) == (3, 0)
    by_recipient = {m.to[0]: m.body for m in mail.outbox}
    assert "ALPHA-LOW" in by_recipient["alpha@example.com"]
    assert "reorder 100" in by_recipient["alpha@example.com"]
    assert "ALPHA-LOW" not in by_recipient["beta@example.com"]
    assert "Nothing to reorder" in by_recipient["beta@example.com"]
    assert "ALPHA-LOW" in by_recipient[manager.email]
    assert StockDigestDelivery.objects.count() == 3


def test_digest_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["stock-digest-daily"]

    assert entry["task"] == "inventory.tasks.stock_digest_send"
