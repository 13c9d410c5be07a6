"""One rule for every text cell a spreadsheet or CSV export writes (`cell_text`).

Text a spreadsheet would read as a formula («=HYPERLINK(…)» typed as an address, «+», «-», «@»,
or a leading tab / carriage return) is kept as text: quoted with an apostrophe, as Excel itself
does and as OWASP advises for CSV. Control characters, which openpyxl refuses
(IllegalCharacterError) and which mean nothing in a table, are dropped.
"""

from __future__ import annotations

from typing import Any

from core.text import printable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: Any) -> Any:
    """A cell's value as an export writes it: text made safe, anything else unchanged."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_START):
        value = "'" + value
    return printable(value)


def row_cells(values: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [cell_text(value) for value in values]
