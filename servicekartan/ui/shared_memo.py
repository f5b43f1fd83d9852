"""Page-level results shared by every session: computed once per key and data version, least recently used dropped."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from servicekartan.ui.data import data_dir, own_key, versions

# The datasets a memoised view may read: a rebuild of any of them invalidates every entry.
MEMO_DATASETS: tuple[str, ...] = ("villages", "population", "services", "village_access", "indicators")


def data_version() -> Hashable:
    """Where the data lives, the version of each dataset a memoised view may read, and the session's own layer."""
    return data_dir(), versions(*MEMO_DATASETS), own_key()


class Memo:
    """A bounded, thread-safe cache of pure views of the datasets, keyed by the caller's key and the data version.

    For pure views of the datasets (the access cards of an area, the villages of a kommun, …): under 20
    concurrent sessions these small pandas computations, repeated per page view, cost more than the rest.
    Results are shared: callers filter or assign, never modify them in place."""

    def __init__(self, max_entries: int = 256, version: Callable[[], Hashable] = data_version) -> None:
        self.max_entries = max_entries
        self._version = version
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, key: tuple, compute: Callable[[], Any]) -> Any:
        full = (key, self._version())
        with self._lock:
            if full in self._entries:
                self._entries.move_to_end(full)
                return self._entries[full]
        value = compute()  # outside the lock: two sessions may compute the same key once each, harmlessly
        with self._lock:
            self._entries[full] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# One per server process; a national village map figure is ~1 MB, so 256 entries stay well under memory limits.
memo = Memo(max_entries=256)
