"""What `OPTIONS` answers on every API view (settings REST_FRAMEWORK DEFAULT_METADATA_CLASS).

DRF's SimpleMetadata describes the input of POST/PUT by building the view's serializer and,
for PUT, calling `get_object()`: on actions without a `pk` (`/annual-reports/drafts/{year}/`) that
raised an AssertionError (a 500), and elsewhere it could run a view's lookups outside its own
checks. The OpenAPI schema (/api/schema/) is where input is described; OPTIONS answers the
view's name, description and formats only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.metadata import SimpleMetadata

if TYPE_CHECKING:  # rest_framework.views reads this module while it is being imported
    from rest_framework.request import Request
    from rest_framework.views import APIView


class Metadata(SimpleMetadata):
    def determine_metadata(self, request: Request, view: APIView) -> dict[str, Any]:
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
            "schema": "/api/schema/",
        }
