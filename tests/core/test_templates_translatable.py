"""Every template's words go through Django's translation machinery, so that a language can be added by
translating a catalogue, not by editing templates.

The check reads each template as text: it drops comments, scripts and styles, the {% translate %} and
{% blocktranslate %} blocks, every other tag and variable, and the HTML markup (keeping the attributes people
read: placeholder, title, aria-label, alt). Any word left over was written into the template untranslated.
"""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Names and codes that read the same in every language.
KEPT_AS_IS = {"Dockhand", "SKU", "SKUs", "PDF", "ZPL", "CSV", "API", "ASN", "RMA", "ID", "US", "UPC", "EAN", "GTIN",
              "HS", "EORI", "QR", "ZIP", "URL", "JSON", "OK", "PL", "lb", "kg", "oz", "in", "cm", "mm", "px", "USPS",
              "UPS", "FedEx", "DHL", "EasyPost", "Shopify", "WooCommerce", "ReDoc", "Redoc", "Swagger", "OpenAPI"}
# Third-party pages that only host another project's interface.
NOT_OURS = {"drf_spectacular/redoc.html"}

BLOCKS = [
    re.compile(r"\{#.*?#\}", re.DOTALL),
    re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.DOTALL),
    re.compile(r"\{%\s*blocktrans(late)?\b.*?\{%\s*endblocktrans(late)?\s*%\}", re.DOTALL),
    re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE),
    re.compile(r"<style\b.*?</style>", re.DOTALL | re.IGNORECASE),
    re.compile(r"\{%.*?%\}", re.DOTALL),
    re.compile(r"\{\{.*?\}\}", re.DOTALL),
]
READ_ATTRIBUTES = re.compile(r"""\b(?:placeholder|title|aria-label|alt)\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE)
MARKUP = re.compile(r"<[^>]*>", re.DOTALL)
ENTITY = re.compile(r"&[a-zA-Z]+;|&#\d+;")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")


def untranslated_words(source: str) -> list[str]:
    """The words of a template's text that no translation tag carries."""
    text = source
    for block in BLOCKS:
        text = block.sub(" ", text)
    attributes = " ".join(value[1:-1] for value in READ_ATTRIBUTES.findall(text))
    text = MARKUP.sub(" ", text) + " " + attributes
    text = ENTITY.sub(" ", text)
    return [word for word in WORD.findall(text) if word not in KEPT_AS_IS]


def test_the_check_finds_untranslated_words_and_passes_translated_ones():
    assert untranslated_words('<h1>Orders</h1><input placeholder="Search">') == ["Orders", "Search"]
    assert untranslated_words('<h1>{% translate "Orders" %}</h1><input placeholder="{% translate "Search" %}">'
                              "{% blocktranslate with n=count %}{{ n }} left{% endblocktranslate %}"
                              '<script>const label = "words";</script>{# a note #} {{ order.number }} SKU') == []


@pytest.mark.parametrize("path", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")
                                        if p.relative_to(TEMPLATES).as_posix() not in NOT_OURS))
def test_every_template_is_translatable(path):
    words = untranslated_words((TEMPLATES / path).read_text())
    assert not words, f"{path}: mark these for translation: {' '.join(dict.fromkeys(words))}"
