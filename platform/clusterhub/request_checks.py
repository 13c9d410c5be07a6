"""Query strings with control characters are refused before any view runs.

A NUL byte in a parameter (`?search=%00`) reached the database driver (a 500: PostgreSQL text
cannot hold it); the other control characters mean nothing in a search or a filter either. The
answer is 400: JSON with a Russian message under /api/, plain text elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse

from core.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters


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
