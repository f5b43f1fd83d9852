"""The cross-session memo, through its behaviour: reuse, recomputation after a rebuild, least-recently-used eviction."""

from __future__ import annotations

import os

from servicekartan import catalog
from servicekartan.ui.shared_memo import Memo


def test_memo_is_reused_then_recomputed_after_a_rebuild(data_env) -> None:
    memo = Memo()  # keyed by the real data version (the datasets' files)
    calls: list[int] = []
    assert memo(("villages_of", "0861"), lambda: calls.append(1) or 5) == 5
    assert memo(("villages_of", "0861"), lambda: calls.append(2) or 6) == 5  # shared: not recomputed
    path = catalog.dataset_path("villages")
    st = path.stat()
    os.utime(path, (st.st_atime, st.st_mtime + 10))  # a rebuild rewrites the file
    try:
        assert memo(("villages_of", "0861"), lambda: calls.append(3) or 7) == 7
    finally:
        os.utime(path, (st.st_atime, st.st_mtime))
    assert calls == [1, 3]


def test_memo_drops_the_least_recently_used() -> None:
    memo = Memo(max_entries=3, version=lambda: "v1")
    calls: list[int] = []

    def use(k: int) -> None:
        memo(("k", k), lambda: calls.append(k) or k)

    for k in (1, 2, 3, 1, 4, 2, 1):
        use(k)
    assert calls == [1, 2, 3, 4, 2]  # 1 was used again, so 2 (then 3) went first
    calls.clear()
    for k in (4, 2, 1):  # the three kept: no recomputation
        use(k)
    assert calls == []
    use(3)  # evicted earlier: computed again
    assert calls == [3]


def test_memo_keys_by_data_version() -> None:
    version = ["v1"]
    memo = Memo(version=lambda: version[0])
    assert memo(("k",), lambda: 1) == 1
    version[0] = "v2"
    assert memo(("k",), lambda: 2) == 2
    version[0] = "v1"
    assert memo(("k",), lambda: 3) == 1  # the older version's entry is still there until evicted
