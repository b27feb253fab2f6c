"""Barcodes as inline SVG for pages and PDFs (pick lists, packing slips, labels): no image files, no fetching."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def code128_modules(value: str) -> str:
    """Return the Code 128 module pattern ('1' bar, '0' space) of a value, quiet zones excluded.

    Raises ValueError for characters Code 128 cannot encode.
    """
    import barcode

    try:
        return barcode.get("code128", value).build()[0]
    except Exception as exc:  # python-barcode raises its own IllegalCharacterError and others
        raise ValueError(f"Cannot encode {value!r} as Code 128: {exc}") from exc


def code128_svg(value: str, *, height_mm: float = 12.0, module_mm: float = 0.33, quiet_modules: int = 10,
                label: str | None = None) -> SafeString:
    """Return an inline <svg> Code 128 barcode of `value`, sized in millimetres for print.

    Bars are one path on a module grid with crisp edges so that printers and scanners see clean widths.
    """
    modules = code128_modules(value)
    width = len(modules) + 2 * quiet_modules
    bars: list[str] = []
    x = quiet_modules
    run_start = None
    for i, bit in enumerate(modules + "0"):
        if bit == "1" and run_start is None:
            run_start = i
        elif bit != "1" and run_start is not None:
            bars.append(f"M{x + run_start} 0h{i - run_start}v10h-{i - run_start}z")
            run_start = None
    title = escape(label if label is not None else value)
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" role="img" aria-label="Barcode {title}" '
        f'viewBox="0 0 {width} 10" width="{width * module_mm:.2f}mm" height="{height_mm:.2f}mm" '
        f'preserveAspectRatio="none" shape-rendering="crispEdges">'
        f'<title>{title}</title><rect width="{width}" height="10" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(bars)}"/></svg>'
    )
