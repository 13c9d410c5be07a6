"""Control characters in a request's text are refused before any view runs.

A NUL byte in a parameter (`?search=%00`) reached the database driver (a 500: PostgreSQL text
cannot hold it); the other control characters mean nothing in a search or a filter either. The
answer is 400: JSON with a Russian message under /api/, plain text elsewhere.

Form bodies of the pages (POST, PUT, PATCH; urlencoded or multipart) are checked the same way,
field names and text fields alike (uploaded files are not text): a hand-written view that does
not go through `frontend.pages.form_page` must not store them either. The answer is the 400
status page inside the layout, naming the field. The API's bodies are checked by its parsers
(api/parsers.py). Both use core.text's one validator.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParser
from django.shortcuts import render

from core.text import (
    CONTROL_CHARACTERS_FIELD_MESSAGE,
    CONTROL_CHARACTERS_MESSAGE,
    CONTROL_CHARACTERS_TITLE,
    has_control_characters,
    printable,
)

FORM_METHODS = frozenset({"POST", "PUT", "PATCH"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _first_bad_field(data: QueryDict) -> str | None:
    """The name of the first field whose name or text holds a control character."""
    for key, values in data.lists():
        if has_control_characters(key) or any(
            isinstance(value, str) and has_control_characters(value) for value in values
        ):
            return key
    return None


def _form_data(request: HttpRequest) -> QueryDict:
    """The text fields of a form body; Django parses them only for POST, so PUT and PATCH are
    parsed here from the (cached) body, which the view can still read."""
    if request.method == "POST":
        return request.POST
    if request.content_type == "multipart/form-data":
        parser = MultiPartParser(
            request.META, io.BytesIO(request.body), request.upload_handlers, request.encoding
        )
        return parser.parse()[0]
    return QueryDict(request.body, encoding=request.encoding)


class QueryControlCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if any(
            has_control_characters(key) or any(has_control_characters(v) for v in values)
            for key, values in request.GET.lists()
        ):
            message = f"Параметры запроса: {CONTROL_CHARACTERS_MESSAGE}"
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "invalid"}, status=400)
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        """Form bodies of the pages, once the session, the user, the language and the cluster
        are known (the status page needs them); the API checks its bodies in its parsers."""
        if (
            request.method not in FORM_METHODS
            or request.path.startswith("/api/")
            or request.content_type not in FORM_TYPES
        ):
            return None
        field = _first_bad_field(_form_data(request))
        if field is None:
            return None
        return render(
            request,
            "frontend/status_page.html",
            {
                "status": 400,
                "title": CONTROL_CHARACTERS_TITLE,
                "message": str(CONTROL_CHARACTERS_FIELD_MESSAGE) % {"field": printable(field)},
            },
            status=400,
        )
