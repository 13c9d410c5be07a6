"""Pagination convention: ?page=N&page_size=M (at most 100); count/next/previous/results.

A page or page_size that is not a whole number from 1 is refused (400), as the schema documents
them as integers; a page_size above 100 is cut to 100."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class CountWhenNeededPaginator(Paginator):
    """Page 1 is read first: when it is not full, it is the whole list and its length is the
    count (no SELECT COUNT(*)); otherwise the count is asked as usual and the rows already read
    make the page. Other pages as Django's Paginator."""

    def page(self, number: Any) -> Page:
        if str(number) != "1" or self.orphans or "count" in self.__dict__:
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.__dict__["count"] = len(rows)  # the cached_property's slot
        self.validate_number(1)
        return Page(rows, 1, self)


class StandardPagination(PageNumberPagination):
    django_paginator_class = CountWhenNeededPaginator
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
