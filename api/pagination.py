"""Pagination convention: ?page=N&page_size=M (at most 100); count/next/previous/results."""

from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    invalid_page_message = "Такой страницы нет."
