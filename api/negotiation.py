"""Content negotiation with a shortcut for the common case.

DRF parses the Accept header against every renderer on each request. When a view has one renderer
(production: JSON only) and the client asks for nothing in particular (no Accept, */*) or for
exactly that renderer's type, the answer is that renderer without the parsing; anything else
(another type: 406, ?format=, several renderers under DEBUG) goes through DRF's own negotiation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> Any:
        renderers = list(renderers)
        if (
            len(renderers) == 1
            and not format_suffix
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            renderer = renderers[0]
            accept = request.META.get("HTTP_ACCEPT", "")
            if accept in ("", "*/*", renderer.media_type):
                return renderer, renderer.media_type
        return super().select_renderer(request, renderers, format_suffix)
