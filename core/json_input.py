"""Reading JSON that strangers send (API bodies, webhooks): bounded nesting, and no text the database refuses.

`json.loads` follows nesting by recursion, so `[[[[...` 50,000 deep raises RecursionError, which is no
ValueError and became a 500. A NUL character or a lone UTF-16 surrogate (both legal as `\\u0000` / `\\ud800`
escapes) parses fine but cannot be stored: PostgreSQL refuses NUL in text, and a lone surrogate cannot be
encoded as UTF-8. `json_loads_checked` turns all three into JSONInputError, a ValueError, so every caller's
existing "not valid JSON" path answers them.
"""

from __future__ import annotations

import codecs
import json
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils.json import strict_constant

DEFAULT_MAX_DEPTH = 64  # real orders nest 4–6 levels; a rules payload about 8


class JSONInputError(ValueError):
    """Parsed JSON that Dockhand refuses: nested too deep, or a string with NUL or a lone surrogate."""


def max_json_depth() -> int:
    return getattr(settings, "DOCKHAND_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH)


def json_loads_checked(data: str | bytes, *, max_depth: int | None = None, check_strings: bool = True):
    """Parse JSON text (NaN and Infinity refused); raise ValueError (JSONInputError) for what must not pass.

    Raises ValueError for invalid JSON (json.JSONDecodeError, UnicodeDecodeError) and JSONInputError for
    nesting deeper than `max_depth` (arrays and objects) or, unless check_strings is False, a string or key
    holding NUL or a lone surrogate (json_text_problem).
    """
    limit = max_json_depth() if max_depth is None else max_depth
    try:
        value = json.loads(data, parse_constant=strict_constant)
    except RecursionError:
        raise JSONInputError(f"The JSON is nested deeper than {limit} levels.") from None
    _check(value, limit, check_text=check_strings and _may_hold_bad_text(data))
    return value


# A NUL or a lone surrogate reaches a parsed string only through a \u escape (a raw NUL is invalid JSON and
# raw surrogates are invalid UTF-8), so text without such an escape needs no look at its strings.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
_SUSPECT_ESCAPE_BYTES = re.compile(_SUSPECT_ESCAPE.pattern.encode())


def _may_hold_bad_text(data: str | bytes) -> bool:
    if isinstance(data, bytes | bytearray):
        encoding = json.detect_encoding(data)
        if encoding.startswith("utf-8"):
            return bool(_SUSPECT_ESCAPE_BYTES.search(data))
        data = data.decode(encoding, errors="surrogatepass")  # UTF-16/32: parsed already, so it decodes
    if _SUSPECT_ESCAPE.search(data):
        return True
    try:
        data.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check(value, limit: int, *, check_text: bool) -> None:
    # Iterative, so that checking cannot hit the recursion limit either.
    if not isinstance(value, dict | list):
        if check_text and isinstance(value, str):
            _check_text(value)
        return
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise JSONInputError(f"The JSON is nested deeper than {limit} levels.")
        if isinstance(item, dict):
            if check_text:
                for key in item:
                    _check_text(key)
            children = item.values()
        else:
            children = item
        for child in children:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
            elif check_text and isinstance(child, str):
                _check_text(child)


def json_text_problem(text: str) -> str | None:
    """What makes a parsed string unstorable ("contains a NUL character (\\u0000)", ...), or None."""
    if "\x00" in text:
        return "contains a NUL character (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone UTF-16 surrogate (\\ud800-\\udfff)"
    return None


def _check_text(text: str) -> None:
    problem = json_text_problem(text)
    if problem:
        raise JSONInputError(f"A string in the JSON {problem}.")


class CheckedJSONParser(JSONParser):
    """DRF's JSON parser with json_loads_checked: too deep, NUL or a lone surrogate is a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json_loads_checked(text)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
