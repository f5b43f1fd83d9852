"""Filtered downloads carry the right rows, whole-number counts, provenance, licences and a citation."""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pyarrow.parquet as pq

from servicekartan import catalog, downloads, fmt
from servicekartan.downloads import Filters


def _frames(frames):
    return {**frames, "village_access": catalog.read("village_access")}


def test_villages_of_monsteras_over_500(frames):
    f = Filters(dataset="villages", area="0861", min_pop=500)
    df = downloads.apply_filters(_frames(frames), f)
    assert sorted(df["name"]) == ["Blomstermåla", "Fliseryd", "Mönsterås", "Timmernabben"]
    csv = downloads.to_csv(df).decode()
    assert "0861TB103,Fliseryd,tatort,0861,08," in csv and ",716\r\n" in csv  # population as a whole number


def test_access_for_kalmar_pharmacy_and_health_in_years(frames):
    # access is for the service layer's snapshot year (2020) only: a 2016-2018 range has nothing
    f = Filters(dataset="village_access", area="08", years=(2016, 2020), service_types=("pharmacy", "health"))
    df = downloads.apply_filters(_frames(frames), f)
    assert set(df["service_type"]) == {"pharmacy", "health"} and set(df["year"]) == {2020}
    assert df["village_id"].str[:2].eq("08").all()
    assert set(df["quality"]) == {"observed_partial"}
    n_kalmar = (frames["villages"]["county_code"] == "08").sum()
    assert len(df) == n_kalmar * 2


def test_indicator_filter_by_service_type_and_area(frames):
    ind = _frames(frames)
    ind["indicators"] = catalog.read("indicators")
    df = downloads.apply_filters(ind, Filters(dataset="indicators", area="0861", service_types=("grocery",)))
    assert set(df["area_code"]) == {"0861"}
    assert df["indicator_id"].str.endswith("_grocery").all()


def test_zip_has_data_readme_licences_citation(data_env, frames):
    f = Filters(dataset="villages", area="0861")
    df = downloads.apply_filters(_frames(frames), f)
    meta = catalog.read_metadata("villages")
    cite = downloads.citation(meta, f, "http://localhost/data?area=0861", "2026-11-28")
    z = zipfile.ZipFile(io.BytesIO(downloads.to_zip(df, meta, f, cite)))
    assert set(z.namelist()) == {"villages.csv", "villages.parquet", "README.md", "LICENSES.txt", "CITATION.txt"}
    readme = z.read("README.md").decode()
    assert "Källa: SCB" in readme and "| population | Inhabitants" in readme and "CC0" in readme
    assert "ODbL" in z.read("LICENSES.txt").decode()
    assert "http://localhost/data?area=0861" in z.read("CITATION.txt").decode()
    table = pq.read_table(io.BytesIO(z.read("villages.parquet")))
    assert json.loads(table.schema.metadata[b"servicekartan"])["licence"].startswith("CC0")
    assert table.num_rows == 5


def test_excel_has_data_and_about_sheets(data_env, frames):
    df = downloads.apply_filters(_frames(frames), Filters(dataset="villages", area="0861"))
    xl = pd.read_excel(io.BytesIO(downloads.to_excel(df, catalog.read_metadata("villages"), "cite")), sheet_name=None)
    assert set(xl) == {"data", "about"} and len(xl["data"]) == 5
    assert "cite" in set(xl["about"]["value"])


def test_filters_query_round_trip():
    f = Filters(dataset="village_access", area="08", years=(2015, 2020), service_types=("pharmacy",), min_pop=300)
    assert f.query() == {
        "ds": "village_access",
        "area": "08",
        "years": "2015-2020",
        "types": "pharmacy",
        "minpop": "300",
    }


def test_swedish_and_english_numbers():
    assert (
        fmt.number(1234567.25, "sv", 1) == "1\u00a0234\u00a0567,2"
        or fmt.number(1234567.25, "sv", 1) == "1\u00a0234\u00a0567,3"
    )
    assert fmt.number(1234567, "en") == "1,234,567"
    assert fmt.number(float("nan"), "sv") == "–" and fmt.number(None, "en") == "–"
    assert fmt.percent(86, "sv", 0) == "86\u00a0%"
    assert fmt.signed(-377, "sv") == "\u2212377" and fmt.signed(716, "en") == "+716"
