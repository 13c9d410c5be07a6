"""JSON from a request body, read the one safe way (`json_loads`): nesting deeper than
`MAX_DEPTH` is refused, and so is nesting past Python's recursion limit (a RecursionError, a
500, before). DRF's parser (api/parsers.py) and every view that reads JSON
itself use it; the error is a ValueError with a Russian message.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32  # no input of ours nests deeper than a few levels


class JSONInputError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _constant_refuse(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether the decoded arrays/objects nest deeper than `limit` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def json_loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The decoded JSON; JSONInputError when it is not JSON or nests deeper than `max_depth`."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise JSONInputError("Тело запроса не в кодировке UTF-8.") from exc
    too_deep = f"Слишком глубокая вложенность JSON: допускается не более {max_depth} уровней."
    try:
        # the C decoder raises RecursionError cleanly past Python's limit; NaN/Infinity refused as by DRF
        value = json.loads(text, parse_constant=_constant_refuse)
    except RecursionError as exc:
        raise JSONInputError(too_deep) from exc
    except ValueError as exc:
        raise JSONInputError(f"Тело запроса не является корректным JSON: {exc}") from exc
    if _depth_exceeds(value, max_depth):
        raise JSONInputError(too_deep)
    return value
