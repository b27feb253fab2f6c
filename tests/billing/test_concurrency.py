"""Real concurrency on PostgreSQL: finalising at once (invoice_counter_lock, invoice_lock)."""

import datetime

import pytest

from billing.exceptions import InvalidInvoiceTransition
from billing.models import Invoice, InvoiceCounter
from billing.services import invoice_draft, invoice_finalise
from tests.billing.factories import price_list
from tests.concurrency import run_together
from tests.conftest import postgres_only
from tests.factories import ClientFactory

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MARCH = {"period_start": datetime.date(2026, 3, 1), "period_end": datetime.date(2026, 3, 31)}


def test_finalising_at_once_gives_each_invoice_one_number_without_gaps_or_repeats():
    drafts = []
    for _ in range(3):
        client = ClientFactory()
        price_list(client, datetime.date(2026, 1, 1))
        drafts.append(invoice_draft(client=client, **MARCH))
    # the first draft is finalised by two people at once
    jobs = [lambda d=d: invoice_finalise(invoice=d) for d in [drafts[0], *drafts]]

    results, errors = run_together(jobs)

    assert len(results) == 3
    assert len(errors) == 1
    assert isinstance(errors[0], InvalidInvoiceTransition)
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == ["INV-000001", "INV-000002", "INV-000003"]
    assert InvoiceCounter.objects.get().last_number == 3
