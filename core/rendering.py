"""Rendering what leaves the building: documents and emails for customers, carriers and clients."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def render_for_outside(template_name: str, context: dict) -> str:
    """Render a template in the site's language (LANGUAGE_CODE), whatever language the user whose action
    produces it reads the pages in: a Spanish-speaking packer's packing slip goes to an English-speaking
    customer."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template_name, context)
