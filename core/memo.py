"""A process's own small cache of recent values, in front of the shared cache or the database.

For values kept under keys that name every version they depend on (a right answer for as long
as its key is asked for): no invalidation, only a size bound and an age bound (the same as the
shared cache's timeout, so a copy never outlives the shared one by much).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class RecentValues(Generic[V]):
    def __init__(self, *, size: int, seconds: float) -> None:
        self.size = size
        self.seconds = seconds
        self._values: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()  # gthread workers: one OrderedDict, several threads

    def get(self, key: Hashable) -> V | None:
        found = self._values.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._values[key] = (time.monotonic() + self.seconds, value)
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
