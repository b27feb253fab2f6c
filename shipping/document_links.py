"""The documents of a shipment that the API links to, in one table: to link another kind, add one row.

Each row names the access-checked view that serves it (core.documents.document_view: a session or the API's
token), and which objects of the shipment it exists for: the shipment itself, each labelled package, each
manifest its packages are on, or the shipment when it leaves the country (the commercial invoice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from core.access import user_access
from shipping.carriers.easypost import is_international
from shipping.models import Shipment


@dataclass(frozen=True)
class ShipmentDocument:
    kind: str
    view_name: str
    content_type: str
    # (package number or None, the id the view takes) for each copy of the document this shipment has
    targets: Callable[[Shipment], list[tuple[int | None, int]]]
    staff_only: bool = False


def _labelled_packages(shipment: Shipment) -> list[tuple[int | None, int]]:
    return [(p.number, p.pk) for p in shipment.packages.all() if p.tracking_number]


def _itself(shipment: Shipment) -> list[tuple[int | None, int]]:
    return [(None, shipment.pk)]


def _if_abroad(shipment: Shipment) -> list[tuple[int | None, int]]:
    return [(None, shipment.pk)] if is_international(shipment.order, shipment.warehouse) else []


def _manifests(shipment: Shipment) -> list[tuple[int | None, int]]:
    return [(None, pk) for pk in sorted({p.manifest_id for p in shipment.packages.all() if p.manifest_id})]


SHIPMENT_DOCUMENTS: tuple[ShipmentDocument, ...] = (
    ShipmentDocument("label_pdf", "packing:label_pdf", "application/pdf", _labelled_packages),
    ShipmentDocument("label_zpl", "packing:label_zpl", "application/zpl", _labelled_packages),
    ShipmentDocument("packing_slip", "packing:packing_slip", "application/pdf", _itself),
    ShipmentDocument("commercial_invoice", "packing:commercial_invoice", "application/pdf", _if_abroad),
    ShipmentDocument("manifest", "packing:manifest_pdf", "application/pdf", _manifests, staff_only=True),
)


def shipment_document_links(shipment: Shipment, *, user, build_url=None) -> list[dict]:
    """The links to a shipment's documents the user may fetch: kind, package number (or None), url and
    content type. `build_url` makes a path absolute (request.build_absolute_uri)."""
    staff = user_access(user).is_staff_member
    links = []
    for document in SHIPMENT_DOCUMENTS:
        if document.staff_only and not staff:
            continue
        for number, pk in document.targets(shipment):
            path = reverse(document.view_name, args=[pk])
            links.append({"kind": document.kind, "package": number, "content_type": document.content_type,
                          "url": build_url(path) if build_url else path})
    return links
