"""Every select_for_update of billing, in one order: InvoiceCounter → Invoice."""

from __future__ import annotations

from billing.models import Invoice, InvoiceCounter


def invoice_counter_lock() -> InvoiceCounter:
    """Lock the invoice number counter (made on first use). Call inside a transaction."""
    InvoiceCounter.objects.get_or_create(name="invoice")
    return InvoiceCounter.objects.select_for_update().get(name="invoice")


def invoice_lock(pk: int) -> Invoice:
    """Lock one invoice row. Call inside a transaction; raises Invoice.DoesNotExist."""
    return Invoice.objects.select_for_update(of=("self",)).select_related("client").get(pk=pk)
