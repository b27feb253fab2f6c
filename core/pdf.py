"""WeasyPrint for every Dockhand document (pick lists, packing slips, labels), locked down.

Documents contain customer-supplied text (names, addresses, order notes), so HTML injected there must
not make the renderer read local files or reach the network (file://, cloud metadata at
169.254.169.254, any host). The URL fetcher here serves only the app's own static files, found through
Django's staticfiles finders (or STATIC_ROOT), and inline data:image/... URLs (bytes already in the
document, such as a client's logo), and refuses everything else.
"""

from __future__ import annotations

import base64
import binascii
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders

# WeasyPrint logs every layout step at INFO; keep worker and test output for real problems.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Documents are rendered with this base URL so that "/static/..." resolves to it. It is never fetched
# over the network: the fetcher maps it to files on disk. ".invalid" cannot resolve (RFC 2606).
PDF_BASE_URL = "https://dockhand-static.invalid/"


class RefusedURL(ValueError):
    """The document asked for a URL outside the app's static files."""


def static_file_for_url(url: str) -> Path:
    """Return the static file a document URL points at. Raises RefusedURL for anything else."""
    parts = urlsplit(url)
    base = urlsplit(PDF_BASE_URL)
    if (parts.scheme.lower(), parts.netloc.lower()) != (base.scheme, base.netloc):
        raise RefusedURL(f"Documents may only load the app's static files, not {url[:200]!r}.")
    static_prefix = urlsplit(settings.STATIC_URL).path or "/static/"
    path = unquote(parts.path)
    if not path.startswith(static_prefix):
        raise RefusedURL(f"Not a static file: {url[:200]!r}.")
    relative = path[len(static_prefix):]
    segments = relative.replace("\\", "/").split("/")
    if not relative or relative.startswith("/") or any(s in ("", ".", "..") for s in segments) or "\x00" in relative:
        raise RefusedURL(f"Refused static path {relative[:200]!r}.")
    found = finders.find(relative)
    candidates = [Path(found)] if found else []
    if settings.STATIC_ROOT:
        candidates.append(Path(settings.STATIC_ROOT) / relative)
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.is_file() and _inside_static_roots(resolved):
            return resolved
    raise RefusedURL(f"No such static file: {relative[:200]!r}.")


def _inside_static_roots(path: Path) -> bool:
    roots = [Path(d if isinstance(d, str | Path) else d[1]).resolve() for d in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())

    roots += [Path(app.path, "static").resolve() for app in apps.get_app_configs()]
    return any(path.is_relative_to(root) for root in roots)


def _static_response(url: str):
    from weasyprint.urls import URLFetcherResponse  # noqa: PLC0415 - heavy (Pango), loaded for a PDF only

    path = static_file_for_url(url)
    mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime_type})


def _data_image_response(url: str):
    """An inline image (a client's logo on a packing slip): bytes already in the document, nothing fetched."""
    from weasyprint.urls import URLFetcherResponse  # noqa: PLC0415 - heavy (Pango), loaded for a PDF only

    header, _, data = url.partition(",")
    mime_type = header[5:].split(";")[0].lower()
    if not mime_type.startswith("image/") or not data:
        raise RefusedURL("Only inline images are allowed as data: URLs.")
    try:
        body = base64.b64decode(data, validate=True) if header.lower().endswith(";base64") else unquote(data).encode()
    except (binascii.Error, ValueError) as exc:
        raise RefusedURL("Malformed inline image.") from exc
    return URLFetcherResponse(url, body=body, headers={"Content-Type": mime_type})


def static_only_url_fetcher():
    """Return a WeasyPrint URL fetcher that serves the app's static files and refuses every other URL."""
    from weasyprint.urls import URLFetcher  # noqa: PLC0415 - heavy (Pango), loaded for a PDF only

    class StaticOnlyURLFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols={"https"}, allow_redirects=False, fail_on_errors=False)

        def fetch(self, url, headers=None):
            if url[:11].lower() == "data:image/":
                return _data_image_response(url)
            return _static_response(url)

    return StaticOnlyURLFetcher()


def html_to_document(html: str):
    """Lay out one HTML string with the locked-down fetcher; returns a weasyprint Document."""
    from weasyprint import HTML  # noqa: PLC0415 - heavy (Pango), loaded for a PDF only

    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=static_only_url_fetcher()).render()


def render_pdf(html: str | list[str]) -> bytes:
    """Render HTML to PDF bytes. A list of HTML strings becomes one PDF whose parts keep their own page
    numbers ("page X of Y" counts within each part)."""
    documents = [html_to_document(h) for h in ([html] if isinstance(html, str) else html)]
    if not documents:
        raise ValueError("Nothing to render.")
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()
