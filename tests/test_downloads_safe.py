"""Safe files: every CSV/Excel download is formula-free, codes stay text, numbers (negatives too) unchanged."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from servicekartan import catalog, downloads, targets
from servicekartan.downloads import Filters

EVIL = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "-2+3", "\tTAB", "\rCR"]


def _frames(ds: str) -> dict[str, pd.DataFrame]:
    names = {"villages", "population", ds}
    return {n: catalog.read(n) for n in names}


@pytest.mark.parametrize("ds", downloads.DOWNLOADABLE)
def test_every_excel_download_types_codes_as_text_and_has_no_formula(data_env, ds: str) -> None:
    f = Filters(dataset=ds, area="0861")
    df = downloads.select(_frames(ds), f).rows().head(3000)
    assert len(df), f"{ds}: nothing for Mönsterås"
    meta = catalog.read_metadata(ds)
    wb = openpyxl.load_workbook(io.BytesIO(downloads.to_excel(df, meta, "cite")))
    ws = wb["data"]
    header = [c.value for c in ws[1]]
    codes = [i for i, c in enumerate(header) if downloads.is_code_column(c)]
    assert codes, f"{ds} has no code column: {header}"
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"{ds}: formula in {cell.coordinate}: {cell.value!r}"
    for row in ws.iter_rows(min_row=2):
        for i in codes:
            v = row[i].value
            assert v is None or isinstance(v, str), f"{ds}.{header[i]}: {v!r} is not text"
    # a code with a leading zero keeps it
    code_values = {row[i].value for row in ws.iter_rows(min_row=2) for i in codes}
    assert any(isinstance(v, str) and v.startswith("0") for v in code_values), f"{ds}: {list(code_values)[:5]}"
    for row in wb["about"].iter_rows():
        assert all(c.data_type != "f" for c in row)


def test_excel_keeps_negative_numbers_and_escapes_text() -> None:
    df = pd.DataFrame(
        {"area_code": ["0861", "08"], "name": ["=1+1", "Fliseryd"], "change_km": [-3.5, 2.0], "n": [-7, 4]}
    )
    wb = openpyxl.load_workbook(io.BytesIO(downloads.to_excel(df, {"source": "=evil()"}, "@cite")))
    ws = wb["data"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert rows == [["0861", "=1+1", -3.5, -7], ["08", "Fliseryd", 2.0, 4]]  # text as written, a text cell
    assert ws["B2"].data_type == "s" and ws["B2"].quotePrefix, "a formula-like text must be a quoted text cell"
    assert ws["C2"].data_type == "n" and ws["D2"].data_type == "n"
    about = {r[0].value: r[1] for r in wb["about"].iter_rows(min_row=2)}
    assert {k: (c.value, c.data_type) for k, c in about.items()} == {
        "source": ("=evil()", "s"),
        "citation": ("@cite", "s"),
    }


def test_csv_download_escapes_formula_names_and_keeps_numbers() -> None:
    df = pd.DataFrame({"name": [*EVIL, "Fliseryd", "Öxnehaga"], "value": [-1.5, -2, 0, 1, 2, 3, 4, 5, 6]})
    raw = downloads.to_csv(df)
    assert raw.startswith("\ufeff".encode()), "no UTF-8 BOM: Excel on Windows garbles åäö"
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", keep_default_na=False)
    assert list(back["name"]) == ["'" + e for e in EVIL] + ["Fliseryd", "Öxnehaga"]
    assert list(back["value"]) == [-1.5, -2, 0, 1, 2, 3, 4, 5, 6]  # negative numbers are numbers, unescaped


def test_csv_of_real_villages_keeps_codes_and_bom(data_env) -> None:
    df = downloads.apply_filters(_frames("villages"), Filters(dataset="villages", area="0861"))
    text = downloads.to_csv(df).decode("utf-8")
    assert text.startswith("\ufeffvillage_id,") and "0861TB103,Fliseryd,tatort,0861,08," in text


def test_uploaded_target_names_come_back_inert(data_env) -> None:
    """A user uploads targets named like formulas; the targets download (ui/targets_editor) gives them back inert."""
    base = targets.load_targets()
    rows = base.head(4).copy()
    rows["target_id"] = [f"evil_{i}" for i in range(4)]
    rows["scope"] = "user"
    rows["name_sv"] = ['=HYPERLINK("http://x")', "+1+1", "-1-1", "@SUM(A1)"]
    rows["name_en"] = rows["name_sv"]
    res = targets.apply_upload(base, targets.targets_to_csv(rows))
    assert res.accepted, res.errors
    raw = targets.targets_to_csv(downloads.neutralise(res.targets), bom=True)  # what the editor's button sends
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    mine = back[back["target_id"].str.startswith("evil_")]
    assert list(mine["name_sv"]) == ['\'=HYPERLINK("http://x")', "'+1+1", "'-1-1", "'@SUM(A1)"]
    assert not back["name_sv"].str.match(r"^[=+\-@\t\r]").any()
    assert raw.startswith("\ufeff".encode())


def test_osm_names_are_escaped_in_service_downloads(data_env) -> None:
    services = catalog.read("services")
    evil = services.head(2).assign(name=["=1+2", "@x"])
    text = downloads.to_csv(evil).decode("utf-8-sig")
    assert ",'=1+2," in text and ",'@x," in text


def test_readme_documents_the_leading_zero_caveat() -> None:
    text = downloads.readme(pd.DataFrame({"area_code": ["0861"]}), {}, Filters(), "cite")
    assert "leading zero" in text and "0861 becomes 861" in text and "apostrophe" in text
