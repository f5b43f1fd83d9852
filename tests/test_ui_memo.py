"""ui.memo: page views shared across sessions are recomputed when the data changes, and the cache is bounded."""

from __future__ import annotations

import os

from servicekartan import catalog, ui


def test_memo_is_reused_then_recomputed_after_a_rebuild(data_env, monkeypatch) -> None:
    ui._MEMO.clear()
    calls: list[int] = []
    assert ui.memo(("villages_of", "0861"), lambda: calls.append(1) or 5) == 5
    assert ui.memo(("villages_of", "0861"), lambda: calls.append(2) or 6) == 5  # shared: not recomputed
    path = catalog.dataset_path("villages")
    st = path.stat()
    os.utime(path, (st.st_atime, st.st_mtime + 10))  # a rebuild rewrites the file
    try:
        assert ui.memo(("villages_of", "0861"), lambda: calls.append(3) or 7) == 7
    finally:
        os.utime(path, (st.st_atime, st.st_mtime))
    assert calls == [1, 3]


def test_memo_drops_the_least_recently_used(data_env, monkeypatch) -> None:
    ui._MEMO.clear()
    monkeypatch.setattr(ui, "_MEMO_MAX", 3)
    calls: list[int] = []
    for k in (1, 2, 3, 1, 4, 2, 1):
        ui.memo(("k", k), lambda k=k: calls.append(k) or k)
    assert calls == [1, 2, 3, 4, 2]  # 1 was used again, so 2 (then 3) went first
    assert [key[0][1] for key in ui._MEMO] == [4, 2, 1]
