"""Barcodes as inline SVG for pages and PDFs (pick lists, packing slips, labels): no image files, no fetching."""

from __future__ import annotations

import re

import barcode
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def code128_modules(value: str) -> str:
    """Return the Code 128 module pattern ('1' bar, '0' space) of a value, quiet zones excluded.

    Raises ValueError for characters Code 128 cannot encode.
    """
    try:
        return barcode.get("code128", value).build()[0]
    except Exception as exc:  # python-barcode raises its own IllegalCharacterError and others
        raise ValueError(f"Cannot encode {value!r} as Code 128: {exc}") from exc


# Code 128 (as python-barcode writes it) carries ASCII only. Any other character of a value, and the backslash
# that starts an escape, is carried as \uXXXX or \UXXXXXXXX, so that the bars still name exactly one value and
# a scan maps back to it (code128_text_decode).
_CODE128_PLAIN = frozenset(chr(c) for c in range(32, 127)) - {"\\"}
_CODE128_ESCAPE = re.compile(r"\\(?:\\|u([0-9a-f]{4})|U([0-9a-f]{8}))")


def code128_text(value: str) -> str:
    """Return the ASCII text a Code 128 barcode of `value` carries: the value itself when it is plain ASCII."""
    if all(char in _CODE128_PLAIN for char in value):
        return value
    out = []
    for char in value:
        if char in _CODE128_PLAIN:
            out.append(char)
        elif char == "\\":
            out.append("\\\\")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return "".join(out)


def code128_text_decode(scanned: str) -> str | None:
    """Return the value a scanned code128_text stands for, or None when the scan holds no (valid) escape."""
    if "\\" not in scanned:
        return None
    out, position = [], 0
    for match in _CODE128_ESCAPE.finditer(scanned):
        if "\\" in scanned[position:match.start()]:
            return None  # a backslash that starts no valid escape: not our text
        out.append(scanned[position:match.start()])
        hex_digits = match.group(1) or match.group(2)
        if hex_digits is None:
            out.append("\\")
        else:
            code_point = int(hex_digits, 16)
            if code_point > 0x10FFFF or 0xD800 <= code_point <= 0xDFFF:
                return None
            out.append(chr(code_point))
        position = match.end()
    if "\\" in scanned[position:]:
        return None
    out.append(scanned[position:])
    return "".join(out)


def code128_svg(value: str, *, height_mm: float = 12.0, module_mm: float = 0.33, quiet_modules: int = 10,
                label: str | None = None) -> SafeString:
    """Return an inline <svg> Code 128 barcode of `value`, sized in millimetres for print.

    Bars are one path on a module grid with crisp edges so that printers and scanners see clean widths. A value
    with characters Code 128 cannot carry (an emoji in an order number) is drawn as code128_text(value); the
    title stays the exact value.
    """
    modules = code128_modules(code128_text(value))
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
