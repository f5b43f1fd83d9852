"""Catalog round trip with provenance, atomic writes and clear errors for damaged files."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from servicekartan import catalog
from servicekartan.catalog import Dataset, DatasetCorrupt, DatasetError, DatasetMissing, Provenance


@pytest.fixture()
def tmp_data(tmp_path, monkeypatch):
    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", str(tmp_path))
    return tmp_path


def _regions() -> Dataset:
    df = pd.DataFrame(
        {
            "code": ["00", "08", "0861"],
            "name": ["Sverige", "Kalmar län", "Mönsterås"],
            "level": ["country", "county", "municipality"],
            "parent_code": ["", "00", "08"],
        }
    )
    prov = Provenance(source="SCB", licence="CC0 1.0", attribution="Källa: SCB", origin="test", retrieved="2026-11-01")
    return Dataset("regions", df, prov)


def test_round_trip_keeps_data_and_provenance(tmp_data):
    assert catalog.write(_regions()) is True
    back = catalog.read("regions")
    assert list(back["code"]) == ["00", "08", "0861"]
    prov = catalog.provenance("regions")
    assert prov.source == "SCB" and prov.licence == "CC0 1.0" and prov.retrieved == "2026-11-01"
    assert catalog.read_metadata("regions")["dataset"] == "regions"
    assert catalog.write(_regions()) is False  # unchanged content is not rewritten
    assert not list((tmp_data / "processed").glob("*.tmp"))


def test_schema_enforced(tmp_data):
    ds = _regions()
    ds.frame = ds.frame.drop(columns=["level"])
    with pytest.raises(DatasetError, match="lacks columns"):
        catalog.write(ds)


def test_corrupt_file_names_file_and_command(tmp_data):
    catalog.write(_regions())
    path = tmp_data / "processed" / "regions.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    for read in (catalog.read, catalog.read_metadata):
        with pytest.raises(DatasetCorrupt) as err:
            read("regions")
        assert str(path) in str(err.value) and "python -m etl build" in str(err.value)
        assert isinstance(err.value, DatasetError) and not isinstance(err.value, DatasetMissing)


def test_missing_file(tmp_data):
    for read in (catalog.read, catalog.read_metadata, catalog.provenance):
        with pytest.raises(DatasetMissing, match="is missing.*python -m etl build") as err:
            read("villages")
        assert isinstance(err.value, DatasetError) and not isinstance(err.value, DatasetCorrupt)


def test_schema_less_or_column_less_file_is_corrupt(tmp_data):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_data / "processed" / "regions.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({"code": ["00"]}), path)  # no provenance metadata, no name/level/parent_code
    with pytest.raises(DatasetCorrupt, match="has no provenance metadata"):
        catalog.read_metadata("regions")
    with pytest.raises(DatasetCorrupt, match=r"lacks columns \['name', 'level', 'parent_code'\]"):
        catalog.read("regions")


def test_failed_write_keeps_old_file(tmp_data, monkeypatch):
    catalog.write(_regions())
    path = tmp_data / "processed" / "regions.parquet"
    before = path.read_bytes()
    ds = _regions()
    ds.frame.loc[0, "name"] = "Riket"

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(catalog.os, "replace", boom)
    with pytest.raises(OSError):
        catalog.write(ds)
    assert path.read_bytes() == before
    assert not list(path.parent.glob(".*.tmp"))


def test_one_description_per_dataset_feeds_schemas_keys_and_docs():
    from servicekartan import datasets, downloads

    for name, spec in datasets.DATASETS.items():
        assert set(spec.key) <= set(spec.columns) and len(set(spec.columns)) == len(spec.columns), name
        assert catalog.SCHEMAS[name].names == list(spec.columns) and catalog.KEYS[name] == spec.key
    assert catalog.SCHEMAS["services"].field("opened").type == "int64"
    assert datasets.columns("services") == (
        "service_id", "service_type", "name", "lat", "lon", "x", "y",
        "municipality_code", "opened", "closed", "source", "quality",
    )  # fmt: skip
    assert catalog.KEYS["village_access"] == ("village_id", "year", "service_type")
    assert downloads.COLUMN_DOCS["distance_km"] == (
        "Straight-line distance to the nearest service, computed in SWEREF 99 TM",
        "km",
    )
    # a dataset may describe a shared column more narrowly (the targets registry's upload help)
    assert datasets.column_doc("year", "targets") == ("target year, 1990–2100", "")
    assert datasets.column_doc("year") == ("Year", "") and datasets.column_doc("nope") == ("", "")


# ---------------------------------------------------------------------------------------------- issue 11: verify, swap


def test_read_verifies_the_data_against_the_stored_content_hash(tmp_data):
    """Data changed under an intact footer (stored hash and provenance kept) are refused, naming the file."""
    import pyarrow.parquet as pq

    catalog.write(_regions())
    path = tmp_data / "processed" / "regions.parquet"
    table = pq.read_table(path)
    names = table.column("name").to_pylist()
    names[1] = "K\x00lmar län"
    path.unlink()
    pq.write_table(table.set_column(1, "name", [names]), path)
    with pytest.raises(DatasetCorrupt, match="fails verification") as err:
        catalog.read("regions")
    assert str(path) in str(err.value)
    assert catalog.read_metadata("regions")["dataset"] == "regions"  # the footer alone still reads


def test_a_file_from_a_build_without_verifiable_hashes_is_refused(tmp_data):
    import json

    import pyarrow.parquet as pq

    catalog.write(_regions())
    path = tmp_data / "processed" / "regions.parquet"
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[catalog.META_KEY])
    del meta["hash_scheme"]
    path.unlink()
    pq.write_table(table.replace_schema_metadata({catalog.META_KEY: json.dumps(meta).encode()}), path)
    with pytest.raises(DatasetCorrupt, match="older build without a verifiable content hash"):
        catalog.read("regions")


def test_writes_swap_a_versioned_folder_and_an_unchanged_write_touches_nothing(tmp_data):
    import os

    assert catalog.write(_regions()) is True
    link = tmp_data / "processed"
    assert link.is_symlink() and not os.path.isabs(os.readlink(link))  # relative: the data folder may move
    first = os.readlink(link)
    assert catalog.write(_regions()) is False and os.readlink(link) == first
    ds = _regions()
    ds.frame.loc[0, "name"] = "Riket"
    assert catalog.write(ds) is True
    assert os.readlink(link) != first and catalog.read("regions").loc[0, "name"] == "Riket"
    versions = sorted(p.name for p in (tmp_data / ".processed").iterdir())
    assert len(versions) == 2  # the current version and the previous one (a reader may still be opening it)


def test_the_content_hash_ignores_the_build_time_and_the_file_layout():
    import pyarrow.parquet as pq

    ds = _regions()
    table = catalog.to_table("regions", ds.frame)
    a = catalog.content_hash(table, ds.provenance)
    ds.provenance.built_at = "2030-01-01T00:00:00+00:00"
    assert catalog.content_hash(table, ds.provenance) == a
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=1)  # three row groups: other chunks, same data
    assert catalog.content_hash(pq.read_table(io.BytesIO(sink.getvalue())), ds.provenance) == a
    ds.provenance.source = "SCB!"
    assert catalog.content_hash(table, ds.provenance) != a
