"""Pick list documents: one HTML template for the browser's print dialog and for WeasyPrint PDFs."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from config.barcodes import code128_svg
from config.pdf import render_pdf
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
                arrow = "↑ up" if aisles_seen % 2 == 0 else "↓ down"
                label = f"Aisle {line.location.zone}-{line.location.aisle:02d} · walk {arrow}"
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


def pick_list_pdf_store(*, pick_list: PickList, paper: str | None = None) -> PickList:
    """Render a pick list's PDF and store it on the list (replacing an older one)."""
    [fresh] = pick_lists_for_print([pick_list.pk])
    data = pick_lists_pdf([fresh], paper=paper_for(fresh.warehouse, paper))
    if fresh.pdf:
        fresh.pdf.delete(save=False)
    fresh.pdf.save(f"{fresh.number}.pdf", ContentFile(data), save=False)
    fresh.pdf_rendered_at = timezone.now()
    PickList.objects.filter(pk=fresh.pk).update(pdf=fresh.pdf.name, pdf_rendered_at=fresh.pdf_rendered_at)
    return fresh


def wave_pdf_store(*, wave: Wave, paper: str | None = None) -> Wave:
    """Render every pick list of a wave into one PDF and store it on the wave."""
    ids = list(wave.pick_lists.order_by("pk").values_list("pk", flat=True))
    lists = pick_lists_for_print(ids)
    data = pick_lists_pdf(lists, paper=paper_for(wave.warehouse, paper))
    if wave.pdf:
        wave.pdf.delete(save=False)
    wave.pdf.save(f"{wave.number}.pdf", ContentFile(data), save=False)
    wave.pdf_rendered_at = timezone.now()
    Wave.objects.filter(pk=wave.pk).update(pdf=wave.pdf.name, pdf_rendered_at=wave.pdf_rendered_at)
    return wave
