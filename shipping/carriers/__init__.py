"""Carrier adapters: how Dockhand rates and labels with a carrier.

`base.CarrierAdapter` is the interface. `rate_card.RateCardAdapter` prices from the CSV rate cards and issues
tracking numbers locally in the carrier's format; `testing.TestCarrierAdapter` has fixed prices for tests.
To add a live API (UPS Rating and Shipping, FedEx Ship, USPS Labels, DHL MyDHL): subclass CarrierAdapter,
add its kind to shipping.choices.CarrierAdapterKind and register it in ADAPTERS below.
"""

from shipping.carriers.base import CarrierAdapter, LabelResult, PackageSpec, Quote
from shipping.carriers.rate_card import RateCardAdapter
from shipping.carriers.testing import TestCarrierAdapter
from shipping.choices import CarrierAdapterKind

ADAPTERS: dict[str, type[CarrierAdapter]] = {
    CarrierAdapterKind.RATE_CARD: RateCardAdapter,
    CarrierAdapterKind.TEST: TestCarrierAdapter,
}


def adapter_for(carrier) -> CarrierAdapter:
    """Return the adapter of a carrier."""
    return ADAPTERS[carrier.adapter](carrier)


__all__ = ["ADAPTERS", "CarrierAdapter", "LabelResult", "PackageSpec", "Quote", "adapter_for"]
