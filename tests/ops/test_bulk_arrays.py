"""core.bulk.pg_array: the array literals sent instead of psycopg2's ARRAY[…] reach PostgreSQL
as the same values, whatever a text holds (quotes, backslashes, braces, commas, «NULL», blanks)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from core.bulk import pg_array

pytestmark = pytest.mark.django_db

TEXTS = [
    "",
    " ",
    "NULL",
    "null",
    'он сказал "да"',
    "C:\\путь\\",
    "{1,2}",
    "a,b",
    "перевод\nстроки\tтаб",
    "«Ромашка»\u00a0ООО",
    '\\"',
]


@pytest.mark.parametrize(
    ("values", "db_type"),
    [
        (TEXTS, "text"),
        ([*TEXTS, None], "varchar"),
        ([1, None, 9_223_372_036_854_775_807, -5], "bigint"),
        ([True, False, None], "boolean"),
        ([dt.date(2026, 1, 20), None], "date"),
        ([dt.datetime(2026, 12, 7, 9, 30, 1, 250, tzinfo=dt.UTC)], "timestamptz"),
        ([Decimal("1500.50")], "numeric"),
        (['{"a": [null, 1]}', "[1, 2]", "[]"], "jsonb"),
        ([], "bigint"),
    ],
)
def test_the_literal_reads_back_as_the_values(values: list[Any], db_type: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::{db_type}[], %s::{db_type}[]", [pg_array(values), values])
        ours, psycopg2s = cursor.fetchone()
    assert ours == psycopg2s
    assert len(ours) == len(values)


def test_nested_values_are_refused() -> None:
    with pytest.raises(TypeError, match="flat values"):
        pg_array([1, [2, 3]])
