"""`python -m etl import-services`: five of eight rows imported with the three named; --replace equals a brute-force
recomputation (national and Mönsterås, grid and tätorter) with the own-data badge; --add keeps the built-in points;
a failed import leaves data/ unchanged."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl import imports
from etl.__main__ import main as etl_main
from servicekartan import build_id, catalog
from servicekartan.quality import QUALITY_MODELLED, QUALITY_OWN

HANDMADE = Path(__file__).resolve().parent / "fixtures" / "handmade"
MIXED = HANDMADE / "own_services_mixed.csv"
GROCERY = HANDMADE / "own_grocery_kalmar.csv"


@pytest.fixture()
def data_copy(built_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the built data folder (imports rebuild it)."""
    copy = tmp_path / "data"
    shutil.copytree(built_data, copy, symlinks=True)
    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", str(copy))
    monkeypatch.setenv("SERVICEKARTAN_LOCK_WAIT", "5")
    return copy


def tree_hash(root: Path) -> str:
    """Every file under data/ (path and bytes; symlink targets), the lock files aside."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.name.startswith(".lock"):
            continue
        rel = p.relative_to(root).as_posix()
        if p.is_symlink():
            h.update(f"L {rel} -> {p.readlink()}\n".encode())
        elif p.is_file():
            h.update(f"F {rel} ".encode() + hashlib.sha256(p.read_bytes()).digest())
        else:
            h.update(f"D {rel}\n".encode())
    return h.hexdigest()


def test_import_add_five_of_eight_rows_names_the_three_and_keeps_the_built_in_points(data_copy):
    before = catalog.read("services")
    out = io.StringIO()
    rc = imports.import_services(MIXED, "Region Kalmar län (test)", mode="add", date="2026-11-30", out=out)
    text = out.getvalue()
    assert rc == 0, text
    assert "line 7: unknown type “sybehör”" in text
    assert "line 8: the point “60,1907 / 11,9977” lies outside Sweden" in text
    assert "line 9: lat and lon look swapped" in text
    assert "5 points imported" in text and "3 rows rejected" in text
    after = catalog.read("services")
    own = after[after["quality"] == QUALITY_OWN]
    assert len(own) == 5 and set(own["service_type"]) == {"grocery", "fuel", "atm"}
    assert (own["source"] == "own data: Region Kalmar län (test), 2026-11-30").all()
    # --add: every built-in point is still there
    assert set(before["service_id"]) <= set(after["service_id"]) and len(after) == len(before) + 5
    # the file and its provenance are stored under data/raw/own/services/<unit>/
    (unit,) = list((data_copy / "raw" / "own" / "services").iterdir())
    manifest = json.loads((unit / "_unit.json").read_text(encoding="utf-8"))
    assert manifest["source"] == "Region Kalmar län (test)" and manifest["mode"] == "add"
    assert manifest["sha256"] == hashlib.sha256(MIXED.read_bytes()).hexdigest()
    assert (unit / manifest["file"]).read_bytes() == MIXED.read_bytes()
    prov = catalog.provenance("services")
    assert "Region Kalmar län (test)" in prov.source and prov.extra["own_types"] == "atm,fuel,grocery"


def _nearest_km(cells: pd.DataFrame, points: pd.DataFrame) -> np.ndarray:
    """Brute force: every square (or village) against every point, plain numpy."""
    d = cells[["x", "y"]].to_numpy(float)[:, None, :] - points[["x", "y"]].to_numpy(float)[None, :, :]
    return np.sqrt((d**2).sum(axis=2)).min(axis=1) / 1000.0


def test_replace_grocery_equals_brute_force_with_the_own_data_badge(data_copy):
    rc = etl_main(
        ["import-services", str(GROCERY), "--source", "Länsstyrelsen (test)", "--replace", "--types", "grocery"]
    )
    assert rc == 0
    services = catalog.read("services")
    grocery = services[services["service_type"] == "grocery"]
    assert len(grocery) == 7 and set(grocery["quality"]) == {QUALITY_OWN}  # the built-in grocery layer is gone
    assert (services.loc[services["service_type"] == "fuel", "quality"] == QUALITY_MODELLED).all()  # others stay

    gp = catalog.read("grid_population")
    gi = catalog.read("grid_indicators")
    for year in (2021, 2024):
        cells = gp[gp["year"] == year]
        d = _nearest_km(cells, grocery)
        pop = cells["population"].to_numpy(float)
        for area, mask in (
            ("00", np.ones(len(cells), bool)),
            ("0861", (cells["municipality_code"] == "0861").to_numpy()),
        ):
            for km in (2.0, 10.0, 25.0):
                row = gi[
                    (gi["area_code"] == area)
                    & (gi["year"] == year)
                    & (gi["service_type"] == "grocery")
                    & (gi["basis"] == "all")
                    & (gi["unit"] == "km")
                    & (gi["threshold"] == km)
                ]
                assert len(row) == 1
                assert row["pop_within"].iloc[0] == pytest.approx(pop[mask & (d <= km)].sum())
                assert row["population"].iloc[0] == pytest.approx(pop[mask].sum())
                assert row["quality"].iloc[0] == QUALITY_OWN

    # tätort points: people in Mönsterås's tätorter more than 10 km from the nearest imported store
    villages = catalog.read("villages")
    tat = villages[(villages["kind"] == "tatort") & (villages["municipality_code"] == "0861")]
    popv = catalog.read("population")
    popv = popv[(popv["level"] == "village") & (popv["year"] == 2020)].set_index("area_code")["population"]
    far = tat[_nearest_km(tat, grocery) > 10.0]
    ind = catalog.read("indicators")
    got = ind[(ind["area_code"] == "0861") & (ind["indicator_id"] == "pop_beyond_10km_grocery") & (ind["year"] == 2020)]
    assert got["value"].iloc[0] == pytest.approx(popv.reindex(far["village_id"]).sum())

    # the access page shows the own-data badge on the grocery figures
    from tests.apptest_helpers import badge_labels, clear_caches, run

    clear_caches()
    at = run("access", area="0861", svc="grocery")
    assert "Egna data" in badge_labels(at)
    assert "Modellerad" not in badge_labels(at)[:1]


def test_a_failed_import_leaves_data_unchanged(data_copy, monkeypatch):
    before = tree_hash(data_copy)
    build_before = build_id.build_id()
    # a file nothing can be read from
    bad = data_copy.parent / "latin1.csv"
    bad.write_bytes("typ;namn;lat;lon\nlivsmedel;Åkes;57,1;16,2\n".encode("cp1252"))
    out = io.StringIO()
    assert imports.import_services(bad, "x", out=out) == 1
    assert "not UTF-8: line 2" in out.getvalue()
    assert tree_hash(data_copy) == before

    # a valid file whose rebuild fails half-way: the stored register is taken back, data/processed untouched
    from etl.datasets import village_access

    def boom(inputs):  # noqa: ANN001, ANN202
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(village_access, "build", boom)
    out = io.StringIO()
    assert imports.import_services(MIXED, "Region Kalmar län", mode="replace", out=out) == 1
    assert "data/ is unchanged" in out.getvalue()
    assert tree_hash(data_copy) == before
    assert build_id.build_id() == build_before
