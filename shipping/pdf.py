"""Pick list documents: one HTML template for the browser's print dialog and for WeasyPrint PDFs."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from core.barcodes import code128_svg
from core.pdf import render_pdf
from shipping.document_store import DocumentKind, document_ensure
from shipping.models import PickList, PickListAllocation, PickListLine, PickListOrder, Wave

PAPER_SIZES = {"letter": "Letter", "a4": "A4"}


def paper_for(warehouse, requested: str | None = None) -> str:
    """Letter in the US and Canada, A4 elsewhere, unless asked for."""
    if requested in PAPER_SIZES:
        return requested
    return "letter" if (warehouse.country or "US").upper() in {"US", "CA"} else "a4"


@dataclass
class PrintStop:
    sequence: int
    location: str
    zone: str
    sku: str
    name: str
    barcode: str
    quantity: int
    lots: list[str]
    totes: list[tuple[int, int]]
    aisle_label: str = ""  # set on the first stop of each aisle: where to walk next


def pick_lists_for_print(ids: list[int]) -> list[PickList]:
    links = PickListAllocation.objects.select_related("list_order", "stock_level").order_by("list_order__tote", "pk")
    lines = (PickListLine.objects.filter(quantity__gt=0).select_related("location", "product")
             .prefetch_related(Prefetch("links", queryset=links)).order_by("sequence", "pk"))
    orders = PickListOrder.objects.select_related("order").order_by("tote")
    by_id = PickList.objects.select_related("warehouse", "wave", "picker", "packing_location").prefetch_related(
        Prefetch("lines", queryset=lines), Prefetch("list_orders", queryset=orders)).in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def print_context(pick_list: PickList) -> dict:
    """What the printed list shows: stops in walking order, with totes for batch and wave lists."""
    stops = []
    previous_aisle = None
    aisles_seen = 0
    for line in pick_list.lines.all():
        if line.quantity - line.short_quantity <= 0:
            continue
        totes: dict[int, int] = {}
        lots = []
        for link in line.links.all():
            qty = link.quantity - link.short_quantity
            if qty > 0:
                totes[link.list_order.tote] = totes.get(link.list_order.tote, 0) + qty
                if link.stock_level.lot_number and link.stock_level.lot_number not in lots:
                    lots.append(link.stock_level.lot_number)
        aisle = (line.location.zone, line.location.aisle)
        label = ""
        if aisle != previous_aisle:
            if line.location.aisle:
                aisle_code = f"{line.location.zone}-{line.location.aisle:02d}"
                label = (_("Aisle %(aisle)s · walk ↑ up") if aisles_seen % 2 == 0
                         else _("Aisle %(aisle)s · walk ↓ down")) % {"aisle": aisle_code}
                aisles_seen += 1
            else:
                label = line.location.get_kind_display()
            previous_aisle = aisle
        stops.append(PrintStop(
            sequence=line.sequence, location=line.location.code, zone=line.location.zone, sku=line.product.sku,
            name=line.product.name, barcode=line.product.barcode, quantity=line.quantity - line.short_quantity,
            lots=lots, totes=sorted(totes.items()), aisle_label=label,
        ))
    return {
        "pick_list": pick_list,
        "stops": stops,
        "units": sum(s.quantity for s in stops),
        "list_orders": [lo for lo in pick_list.list_orders.all() if lo.outcome != PickListOrder.Outcome.DROPPED],
        "barcode_svg": code128_svg(pick_list.number, height_mm=11),
        "zones": sorted({s.zone for s in stops if s.zone}),
    }


def pick_lists_html(pick_lists: list[PickList], *, paper: str, for_pdf: bool, title: str = "",
                    request=None, back_url: str = "", pdf_url: str = "") -> str:
    return render_to_string("shipping/pick_list_print.html", {
        "documents": [print_context(pl) for pl in pick_lists],
        "paper": paper, "paper_css": PAPER_SIZES[paper], "for_pdf": for_pdf,
        "title": title or ", ".join(pl.number for pl in pick_lists), "printed_at": timezone.now(),
        "back_url": back_url, "pdf_url": pdf_url,
    }, request=request)


def pick_lists_pdf(pick_lists: list[PickList], *, paper: str) -> bytes:
    """One PDF for the given lists; each list starts on a new page and counts its own pages."""
    return render_pdf([pick_lists_html([pl], paper=paper, for_pdf=True) for pl in pick_lists])


def _render_pick_list(pick_list: PickList, *, paper: str | None = None) -> bytes:
    return pick_lists_pdf(pick_lists_for_print([pick_list.pk]), paper=paper_for(pick_list.warehouse, paper))


def _render_wave(wave: Wave, *, paper: str | None = None) -> bytes:
    ids = list(wave.pick_lists.order_by("pk").values_list("pk", flat=True))
    return pick_lists_pdf(pick_lists_for_print(ids), paper=paper_for(wave.warehouse, paper))


def _pick_list_current(pick_list: PickList, *, paper: str | None = None) -> bool:
    # A list changes as it is picked (shorts, dropped orders); its PDF is rendered again after a change.
    return (pick_list.pdf_paper == paper_for(pick_list.warehouse, paper) and pick_list.pdf_rendered_at is not None
            and pick_list.pdf_rendered_at >= pick_list.updated_at)


def _wave_current(wave: Wave, *, paper: str | None = None) -> bool:
    return wave.pdf_paper == paper_for(wave.warehouse, paper)


def _paper(owner, *, paper: str | None = None) -> dict:
    return {"pdf_paper": paper_for(owner.warehouse, paper)}


PICK_LIST_PDF = DocumentKind(
    model=PickList, field="pdf", render=_render_pick_list, filename=lambda pick_list: f"{pick_list.number}.pdf",
    is_current=_pick_list_current, stored_fields=_paper, rendered_at_field="pdf_rendered_at",
    load=lambda pk: PickList.objects.select_related("warehouse").get(pk=pk),
)
WAVE_PDF = DocumentKind(
    model=Wave, field="pdf", render=_render_wave, filename=lambda wave: f"{wave.number}.pdf",
    is_current=_wave_current, stored_fields=_paper, rendered_at_field="pdf_rendered_at",
    load=lambda pk: Wave.objects.select_related("warehouse").get(pk=pk),
)


def pick_list_pdf_store(*, pick_list: PickList, paper: str | None = None) -> PickList:
    """Render a pick list's PDF and store it on the list, unless the stored one is current (on that paper).
    Raises PickList.DoesNotExist."""
    return document_ensure(PICK_LIST_PDF, pick_list.pk, paper=paper)


def wave_pdf_store(*, wave: Wave, paper: str | None = None) -> Wave:
    """Render every pick list of a wave into one PDF and store it on the wave, unless it is stored already (on
    that paper). Raises Wave.DoesNotExist."""
    return document_ensure(WAVE_PDF, wave.pk, paper=paper)
