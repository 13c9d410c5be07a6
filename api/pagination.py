"""Pagination convention: ?page=N&page_size=M (at most 100); count/next/previous/results.

A page or page_size that is not a whole number from 1 is refused (400), as the schema documents
them as integers; a page_size above 100 is cut to 100."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class StandardPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    invalid_page_message = "Такой страницы нет."

    def get_page_number(self, request: Request, paginator: object) -> str | int:
        raw = request.query_params.getlist(self.page_query_param)
        if raw and not (len(raw) == 1 and (raw[0] == "last" or (raw[0].isascii() and raw[0].isdigit()))):
            raise ValidationError({self.page_query_param: ["Укажите номер страницы целым числом от 1."]})
        return super().get_page_number(request, paginator)  # type: ignore[arg-type]

    def get_page_size(self, request: Request) -> int | None:
        raw = request.query_params.getlist(self.page_size_query_param)
        if raw and not (len(raw) == 1 and raw[0].isascii() and raw[0].isdigit() and int(raw[0]) >= 1):
            raise ValidationError(
                {self.page_size_query_param: [f"Укажите целое число от 1 до {self.max_page_size}."]}
            )
        return super().get_page_size(request)
