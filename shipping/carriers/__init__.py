"""Carrier adapters: how Dockhand rates and labels with a carrier.

`base.CarrierAdapter` is the interface. `rate_card.RateCardAdapter` prices from the CSV rate cards and issues
tracking numbers locally in the carrier's format; `testing.TestCarrierAdapter` has fixed prices for tests.
To add a live API (UPS Rating and Shipping, FedEx Ship, USPS Labels, DHL MyDHL): subclass CarrierAdapter,
add its kind to shipping.choices.CarrierAdapterKind and register it in ADAPTERS below.

A label gateway account (shipping.models.GatewayAccount, EasyPost) takes over the carriers it covers for the
orders of its client or warehouse: `adapter_for(carrier, order=...)` returns `easypost.EasyPostAdapter` then,
and the carrier's own adapter (its rate card) otherwise.
"""

from shipping.carriers.base import CarrierAdapter, LabelResult, PackageSpec, Quote
from shipping.carriers.easypost import EasyPostAdapter
from shipping.carriers.rate_card import RateCardAdapter
from shipping.carriers.testing import TestCarrierAdapter
from shipping.choices import CarrierAdapterKind
from shipping.models import GatewayAccount

ADAPTERS: dict[str, type[CarrierAdapter]] = {
    CarrierAdapterKind.RATE_CARD: RateCardAdapter,
    CarrierAdapterKind.TEST: TestCarrierAdapter,
}


def gateway_account_for(*, carrier, client_id: int | None, warehouse_id: int | None):
    """The active gateway account that labels this carrier for a client's order from a warehouse: the client's
    own account first, then the warehouse's; None when neither covers the carrier."""
    accounts = GatewayAccount.objects.filter(is_active=True, carriers=carrier)
    if client_id is not None:
        account = accounts.filter(client_id=client_id).order_by("pk").first()
        if account is not None:
            return account
    if warehouse_id is not None:
        return accounts.filter(warehouse_id=warehouse_id).order_by("pk").first()
    return None


def adapter_for(carrier, *, order=None, warehouse=None, shared: dict | None = None) -> CarrierAdapter:
    """Return the adapter of a carrier, for an order when one is given (a gateway account may cover it).

    `shared` is one dict for every adapter of one rate-shopping call (gateway rates are fetched once a package).
    """
    if order is not None:
        warehouse = warehouse or order.warehouse
        account = gateway_account_for(carrier=carrier, client_id=order.client_id,
                                      warehouse_id=warehouse.pk if warehouse else None)
        if account is not None:
            return EasyPostAdapter(carrier, account=account, order=order, warehouse=warehouse, shared=shared)
    return ADAPTERS[carrier.adapter](carrier)


def package_adapter(package) -> CarrierAdapter:
    """The adapter that bought a package's label (its gateway account's, else its carrier's)."""
    if package.gateway_account_id:
        shipment = package.shipment
        return EasyPostAdapter(package.carrier, account=package.gateway_account, order=shipment.order,
                               warehouse=shipment.warehouse)
    return ADAPTERS[package.carrier.adapter](package.carrier)


__all__ = ["ADAPTERS", "CarrierAdapter", "LabelResult", "PackageSpec", "Quote", "adapter_for", "gateway_account_for",
           "package_adapter"]
