"""Issue 11, "Nothing lost": one writer at a time, builds that verify and swap whole, clear errors for bad input.

Local processes only (no network). The build runs in a temp data folder with a copy of data/seed.
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from etl.__main__ import main as etl_main
from etl.lock import EXIT_LOCKED, data_lock
from servicekartan import catalog, paths

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "data" / "seed"
TATORTER = "tatorter_2020_scb.csv"
# The builds here make these and what they need (9 datasets, ~1–2 s), not the grid datasets (~10 s more):
# `python -m etl build data_status indicators population` goes through the same lock, verification and swap as a full build.
BUILD = ("data_status", "indicators", "population")
N_BUILT = 9  # the three above and their inputs (kolada_values included)


def _env(data: Path, seed: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "SERVICEKARTAN_DATA_DIR": str(data), "PYTHONPATH": str(REPO)}
    if seed is not None:
        env["SERVICEKARTAN_SEED_DIR"] = str(seed)
    return env


def _spawn(data: Path, *args: str, seed: Path | None = None, stderr=subprocess.PIPE) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "etl", "build", *BUILD, *args],
        cwd=REPO,
        env=_env(data, seed),
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )


def snapshot(data: Path) -> dict[str, bytes]:
    """Every file of data/processed (through its symlink) by name, as bytes."""
    proc = data / "processed"
    return {p.name: p.read_bytes() for p in sorted(proc.iterdir())} if proc.exists() else {}


def hashes(data: Path) -> dict[str, str]:
    """The stored content hash of every dataset, after verifying each file against it."""
    old = os.environ.get("SERVICEKARTAN_DATA_DIR")
    os.environ["SERVICEKARTAN_DATA_DIR"] = str(data)
    try:
        out = {}
        for p in sorted((data / "processed").glob("*.parquet")):
            catalog.verify(p.stem)
            out[p.stem] = catalog.read_metadata(p.stem)["content_sha256"]
        return out
    finally:
        os.environ["SERVICEKARTAN_DATA_DIR"] = old or ""
        if old is None:
            os.environ.pop("SERVICEKARTAN_DATA_DIR")


@pytest.fixture()
def seed(tmp_path, monkeypatch) -> Path:
    """A writable copy of data/seed, used by the build (SERVICEKARTAN_SEED_DIR)."""
    s = tmp_path / "seed"
    shutil.copytree(SEED, s)
    monkeypatch.setenv("SERVICEKARTAN_SEED_DIR", str(s))
    return s


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """One complete build of data/seed for the module (each test copies it)."""
    data = tmp_path_factory.mktemp("template")
    env = {k: os.environ.get(k) for k in ("SERVICEKARTAN_DATA_DIR", "SERVICEKARTAN_SEED_DIR")}
    os.environ["SERVICEKARTAN_DATA_DIR"] = str(data)
    os.environ.pop("SERVICEKARTAN_SEED_DIR", None)
    try:
        assert etl_main(["build", *BUILD]) == 0
    finally:
        for k, v in env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return data


@pytest.fixture()
def built(tmp_path, monkeypatch, seed, template) -> Path:
    """A data folder of its own holding a complete build of the seed copy (copied from the template)."""
    data = tmp_path / "data"
    shutil.copytree(template, data, symlinks=True)
    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", str(data))
    return data


# ---------------------------------------------------------------------------------------------- lock


def test_two_concurrent_builds_run_one_after_the_other_and_equal_a_single_run(tmp_path, built):
    """Both processes start while the folder is locked; each waits with a message; then one builds, the other
    (serialized by the lock) finds everything built and rewrites nothing. The result equals a single run's."""
    data = tmp_path / "fresh"
    with data_lock("test", data_dir=data):
        procs = [_spawn(data, "--wait", "60", stderr=open(tmp_path / f"err{i}", "w")) for i in range(2)]  # noqa: SIM115
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            errs = [(tmp_path / f"err{i}").read_text() for i in range(2)]
            if all("waiting up to 60 s" in e for e in errs):
                break
            time.sleep(0.1)
        assert all(f"in use by pid {os.getpid()} (test:" in e for e in errs), errs
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    errs = [(tmp_path / f"err{i}").read_text() for i in range(2)]
    written = sorted(e.count(", written (") for e in errs)
    assert written == [0, N_BUILT], errs  # one wrote every dataset; the other found them built and wrote nothing
    assert len([p for p in (data / ".processed").iterdir() if not p.name.startswith(".")]) == 1
    assert hashes(data) == hashes(built)


def test_a_second_writer_that_will_not_wait_exits_3_naming_the_holder(tmp_path, built):
    before = snapshot(built)
    with data_lock("import", data_dir=built):
        proc = _spawn(built, "--wait", "0")
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_LOCKED
    assert f"in use by pid {os.getpid()} (import: " in err and "since 20" in err and "Traceback" not in err
    assert snapshot(built) == before


def test_lock_is_reentrant_in_a_thread_and_named_while_held(built):
    from etl import lock

    with data_lock("fetch"), data_lock("build"):  # `fetch --build` takes it once
        info = lock.holder()
        assert info["pid"] == os.getpid() and info["command"].startswith("fetch: ")
    assert lock.holder() is None


# ---------------------------------------------------------------------------------------------- verification


def _flip_in_data_page(path: Path) -> int:
    """Flip one byte inside the largest column chunk's pages, the last one (from the end) that changes what
    pyarrow reads (a flip into padding bits changes no data, and nothing could tell); return its offset."""
    md = pq.ParquetFile(path).metadata
    best = max(
        (md.row_group(r).column(c) for r in range(md.num_row_groups) for c in range(md.num_columns)),
        key=lambda col: col.total_compressed_size,
    )
    start = best.dictionary_page_offset or best.data_page_offset
    raw = path.read_bytes()
    good = pq.read_table(io.BytesIO(raw))
    for offset in range(start + best.total_compressed_size - 5, start, -1):
        damaged = bytearray(raw)
        damaged[offset] ^= 0x5A
        try:
            if pq.read_table(io.BytesIO(bytes(damaged))).equals(good):
                continue
        except Exception:  # noqa: BLE001 - unreadable is damage too
            pass
        path.write_bytes(bytes(damaged))  # in place, like a bad disk (the inode's other links see it too)
        return offset
    raise AssertionError(f"no byte of {path} changes its data")


def _frames_and_provenance(names):
    out = {}
    for n in names:
        prov = catalog.provenance(n).to_dict()
        prov.pop("built_at")
        out[n] = (catalog.read(n), prov)
    return out


def test_a_flipped_byte_in_any_data_page_is_refused_by_the_app_and_restored_by_the_build(built, capsys):
    names = sorted(p.stem for p in (built / "processed").glob("*.parquet"))
    original = _frames_and_provenance(names)
    for name in names:
        path = built / "processed" / f"{name}.parquet"
        _flip_in_data_page(path)
        with pytest.raises(catalog.DatasetCorrupt) as err:
            catalog.read(name)
        assert str(path) in str(err.value)
    assert etl_main(["build", *BUILD]) == 0
    err = capsys.readouterr().err
    assert "Rebuild it with" not in err and err.count(", written (") == len(names)
    back = _frames_and_provenance(names)
    for name in names:
        assert back[name][0].equals(original[name][0]) and back[name][1] == original[name][1], name


def test_every_dataset_of_a_full_build_with_a_flipped_byte_is_refused_naming_the_file(
    built_data, tmp_path, monkeypatch
):
    """The grid datasets too (the session's full build, copied): the app's read refuses each damaged file."""
    data = tmp_path / "full"
    shutil.copytree(built_data, data, symlinks=True)
    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", str(data))
    files = sorted((data / "processed").glob("*.parquet"))
    assert {p.stem for p in files} >= set(BUILD) and len(files) > N_BUILT
    for path in files:
        path_copy = path.read_bytes()
        path.unlink()
        path.write_bytes(path_copy)  # its own inode: the template's other links stay intact
        _flip_in_data_page(path)
        with pytest.raises(catalog.DatasetCorrupt) as err:
            catalog.read(path.stem)
        assert str(path) in str(err.value)


def test_changed_data_under_an_intact_footer_fail_verification_and_are_rebuilt(built):
    """A file whose data changed but whose metadata (and stored hash) did not: a name with a NUL, a dropped column."""
    path = built / "processed" / "villages.parquet"
    table = pq.read_table(path)
    good = catalog.read("villages")
    names = table.column("name").to_pylist()
    names[0] = names[0][0] + "\x00" + names[0][2:]
    damaged = table.set_column(table.schema.get_field_index("name"), "name", [names])
    others = {n: b for n, b in snapshot(built).items() if n != path.name}
    path.unlink()  # a new inode, as a rewrite by another tool would be
    pq.write_table(damaged, path, compression="zstd")
    with pytest.raises(catalog.DatasetCorrupt, match="fails verification"):
        catalog.read("villages")
    assert etl_main(["build", *BUILD]) == 0
    assert catalog.read("villages").equals(good)
    assert {n: b for n, b in snapshot(built).items() if n != path.name} == others  # only the damaged one rewritten
    path.unlink()
    pq.write_table(table.drop_columns(["area_ha"]), path)
    with pytest.raises(catalog.DatasetCorrupt, match="lacks columns"):
        catalog.read("villages")
    assert etl_main(["build", *BUILD]) == 0
    assert catalog.read("villages").equals(good)


def test_an_unreadable_output_is_rebuilt_by_the_build_never_sent_to_the_build(built, capsys):
    (built / "processed" / "regions.parquet").unlink()
    (built / "processed" / "regions.parquet").write_bytes(b"PAR1 not parquet")
    assert etl_main(["build", *BUILD]) == 0
    assert "Rebuild it with" not in capsys.readouterr().err
    catalog.verify("regions")


def test_second_build_rewrites_nothing_and_swaps_nothing(built):
    before = snapshot(built)
    link = os.readlink(built / "processed")
    versions = sorted(p.name for p in (built / ".processed").iterdir())
    assert etl_main(["build", *BUILD]) == 0
    assert snapshot(built) == before and os.readlink(built / "processed") == link
    assert sorted(p.name for p in (built / ".processed").iterdir()) == versions


def test_a_build_from_before_versioned_folders_is_taken_over(built):
    """A real data/processed folder (older builds) becomes the symlink on the next build; its data stay readable."""
    real = built / "old"
    shutil.copytree(built / "processed", real)
    (built / "processed").unlink()
    real.rename(built / "processed")
    good = catalog.read("villages")
    (built / "processed" / "regions.parquet").unlink()  # so the build has something to write
    assert etl_main(["build", *BUILD]) == 0
    assert (built / "processed").is_symlink() and catalog.read("villages").equals(good)
    catalog.verify("regions")


# ---------------------------------------------------------------------------------------------- all or nothing


def _toggle_population(seed: Path, value: int) -> None:
    """Give the first tätort a different population, so the next build changes several datasets."""
    p = seed / TATORTER
    rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"))))
    rows[1][rows[0].index("pop")] = str(value)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    p.write_text(buf.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> dict[int, dict[str, str]]:
    """The content hashes of a clean build for each seed variant of `_toggle_population` (7000, 7001)."""
    out = {}
    seed = tmp_path_factory.mktemp("variants") / "seed"
    shutil.copytree(SEED, seed)
    env = {k: os.environ.get(k) for k in ("SERVICEKARTAN_DATA_DIR", "SERVICEKARTAN_SEED_DIR")}
    os.environ["SERVICEKARTAN_SEED_DIR"] = str(seed)
    try:
        for value in (7000, 7001):
            _toggle_population(seed, value)
            data = seed.parent / f"clean-{value}"
            os.environ["SERVICEKARTAN_DATA_DIR"] = str(data)
            assert etl_main(["build", *BUILD]) == 0
            out[value] = hashes(data)
    finally:
        for k, v in env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return out


def test_builds_killed_at_random_points_leave_processed_as_it_was_or_wholly_new(built, seed, expected):
    """kill -9 at random moments of `python -m etl build` (>= 10 runs): data/processed is always either
    byte-identical to before or the complete new build (every file verifies, hashes equal a clean build's)."""
    err = built.parent / "build.err"

    def started(proc: subprocess.Popen) -> float:
        """Wait until the build has imported everything and begun (its first progress line); return the time."""
        while "[1/" not in err.read_text() and proc.poll() is None:
            time.sleep(0.02)
        return time.monotonic()

    with open(err, "w") as f:  # one whole run (now at 7001) measures the build proper, imports aside
        proc = _spawn(built, seed=seed, stderr=f)
        t0 = started(proc)
        assert proc.wait(timeout=120) == 0
    working = time.monotonic() - t0
    rng = random.Random()
    outcomes = []
    for run in range(10):
        value = 7000 + run % 2
        before = snapshot(built)
        _toggle_population(seed, value)
        with open(err, "w") as f:
            proc = _spawn(built, seed=seed, stderr=f)
            started(proc)
            delay = rng.uniform(0.0, working * 1.1)  # a random point of the build proper (or just after it)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        after = snapshot(built)
        assert after, f"run {run}: data/processed missing after a kill at {delay:.2f} s"
        if after == before:
            outcomes.append("old")
        else:
            assert hashes(built) == expected[value], f"run {run}: a mixed data/processed after a kill at {delay:.2f} s"
            outcomes.append("new")
    assert "old" in outcomes, outcomes  # at least some kills landed inside a build
    assert etl_main(["build", *BUILD]) == 0  # a clean run afterwards: no leftovers of the killed ones
    assert not [p for p in (built / ".processed").iterdir() if p.name.startswith(".")]
    assert not list(built.glob(".processed.link-*"))
    assert hashes(built) == expected[7000 + 9 % 2]


def test_a_full_disk_during_the_swap_leaves_processed_byte_identical(built, seed, monkeypatch, capsys):
    before = snapshot(built)
    _toggle_population(seed, 1234)
    calls = {"n": 0}
    real_fsync = os.fsync

    def full(fd):
        calls["n"] += 1
        if calls["n"] == 2:  # the second dataset file of the new version
            raise OSError(28, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(catalog.os, "fsync", full)
    assert etl_main(["build", *BUILD]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "previous one is unchanged" in err and "Traceback" not in err
    assert snapshot(built) == before
    assert not [p for p in (built / ".processed").iterdir() if p.name.startswith(".")]


# ---------------------------------------------------------------------------------------------- seed faults


def _rewrite(seed: Path, edit) -> None:  # noqa: ANN001 - rows -> rows
    p = seed / TATORTER
    rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"))))
    rows = edit(rows)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    p.write_text(buf.getvalue(), encoding="utf-8")


def _set(line: int, column: str, value: str):
    def edit(rows):
        rows[line - 1][rows[0].index(column)] = value
        return rows

    return edit


def _drop_column(column: str):
    def edit(rows):
        i = rows[0].index(column)
        return [r[:i] + r[i + 1 :] for r in rows]

    return edit


def _non_utf8(seed: Path) -> None:
    p = seed / TATORTER
    lines = p.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"Gessie", b"G\xe4ssie")  # Latin-1 'ä' on line 3, in the name (column 4)
    p.write_bytes(b"\n".join(lines))


SEED_FAULTS = {
    "missing pop column": (_drop_column("pop"), r"line 1, column 10 \('pop'\): the header lacks column 'pop'"),
    "non-UTF-8 byte": (None, r"line 3, column 4 \('name'\): byte 0xE4 is not UTF-8"),
    "negative population": (_set(3, "pop", "-550"), r"line 3, column 10 \('pop'\): -550 is below 0"),
    "empty population": (_set(4, "pop", ""), r"line 4, column 10 \('pop'\): empty; the population is required"),
    "population not a number": (_set(4, "pop", "4 98"), r"line 4, column 10 \('pop'\): '4 98' is not a whole number"),
    "outside Sweden": (_set(6, "lat", "40.1"), r"line 6, column 15 \('lat'\): \(40.1, 12.9593\) lies outside Sweden"),
    "duplicate key": (_set(3, "code", "1233TB107"), r"line 3, column 3 \('code'\): duplicate key '1233TB107'"),
}


@pytest.mark.parametrize("fault", list(SEED_FAULTS))
def test_each_seed_fault_is_one_line_naming_file_line_and_column_and_changes_nothing(fault, built, seed, capsys):
    import re

    before = snapshot(built)
    edit, pattern = SEED_FAULTS[fault]
    if edit is None:
        _non_utf8(seed)
    else:
        _rewrite(seed, edit)
    assert etl_main(["build", *BUILD]) == 1
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if TATORTER in ln]
    assert len(lines) == 1, err
    assert re.search(f"{re.escape(str(seed / TATORTER))}, {pattern}", lines[0]), lines[0]
    assert "Traceback" not in err
    assert snapshot(built) == before


def test_a_seed_fault_from_the_command_line_exits_1_without_a_traceback(tmp_path, built, seed):
    before = snapshot(built)
    _rewrite(seed, _drop_column("pop"))
    proc = _spawn(built, seed=seed)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "Traceback" not in err and "KeyError" not in err
    assert "the header lacks column 'pop'" in err
    assert snapshot(built) == before


def test_output_files_are_0644(built):
    assert {oct(p.stat().st_mode & 0o777) for p in (built / "processed").iterdir()} == {"0o644"}
    target = paths.processed_dir().resolve()
    assert oct(target.stat().st_mode & 0o777) == "0o755"
    catalog.atomic_write_bytes(built / "x.bin", b"x")
    assert oct((built / "x.bin").stat().st_mode & 0o777) == "0o644"


KILL_AT_STEP = r"""
import os, signal, sys
sys.path.insert(0, {repo!r})
name, n = os.environ["KILL_AT"].split(":")
real = getattr(os, name)
seen = [0]
def step(*args, **kwargs):
    out = real(*args, **kwargs)
    seen[0] += 1
    if seen[0] == int(n):
        os.kill(os.getpid(), signal.SIGKILL)
    return out
setattr(os, name, step)
from etl.__main__ import main
sys.exit(main(["build", *{build!r}]))
"""


def test_a_kill_at_each_step_of_the_swap_leaves_processed_old_or_wholly_new(built, seed, expected):
    """kill -9 right after: the first new file is written; the new version folder is complete; the new link is
    made; the link is swapped in. Before the swap data/processed is as it was; after it, wholly new; the next
    build cleans up what the killed one left."""
    steps = {"fsync:1": "old", "replace:1": "old", "symlink:1": "old", "replace:2": "new"}
    for i, (kill_at, outcome) in enumerate(steps.items()):
        value = 7000 + i % 2
        _toggle_population(seed, value)
        before = snapshot(built)
        proc = subprocess.run(
            [sys.executable, "-c", KILL_AT_STEP.format(repo=str(REPO), build=BUILD)],
            cwd=REPO,
            env={**_env(built, seed), "KILL_AT": kill_at},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == -signal.SIGKILL, (kill_at, proc.stderr[-2000:])
        if outcome == "old":
            assert snapshot(built) == before, kill_at
        else:
            assert snapshot(built) != before and hashes(built) == expected[value], kill_at
    assert etl_main(["build", *BUILD]) == 0
    assert not [p for p in (built / ".processed").iterdir() if p.name.startswith(".")]
    assert not list(built.glob(".processed.link-*"))
    assert len(list((built / ".processed").iterdir())) <= 2  # the current version and the previous one
    assert hashes(built) == expected[7001]
