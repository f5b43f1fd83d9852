"""One translation catalog: both languages hold the same keys, every key the code asks for exists, and no
module outside servicekartan/i18n/ picks a language with a comparison or a {"sv": …, "en": …} table."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from servicekartan import costs, datasets, definitions, fmt, i18n, method_text, servicepoints
from servicekartan.definitions import SERVICE_TYPES, THRESHOLDS_KM, THRESHOLDS_MIN
from servicekartan.i18n import t, tn

ROOT = Path(__file__).resolve().parents[1]
I18N_DIR = ROOT / "servicekartan" / "i18n"


def _catalogs() -> dict[str, dict[str, str]]:
    return {lang: i18n.load_catalog(lang) for lang in i18n.LANGS}


# ------------------------------------------------------------------------------------ the catalogs


def test_both_languages_hold_the_same_keys_and_placeholders():
    cats = _catalogs()
    assert i18n.check_catalogs(cats) == []
    assert cats["sv"].keys() == cats["en"].keys()
    assert len(cats["sv"]) > 250


def test_a_key_in_one_language_only_fails():
    cats = _catalogs()
    cats["sv"] = cats["sv"] | {"only_in_swedish": "Bara på svenska"}
    assert i18n.check_catalogs(cats) == ["'only_in_swedish' is missing in en"]
    cats = _catalogs()
    del cats["en"]["page_overview"]
    assert i18n.check_catalogs(cats) == ["'page_overview' is missing in en"]


def test_different_placeholders_and_half_plurals_fail():
    problems = i18n.check_catalogs(
        {"sv": {"a": "{n} byar", "count.x.one": "{n} by"}, "en": {"a": "{m} villages", "count.x.one": "{n} village"}}
    )
    assert problems == [
        "'a' has different placeholders: {'sv': {'n'}, 'en': {'m'}}",
        "'count.x.one': a count entry needs exactly the forms one and other",
    ]


def test_lookup_keeps_the_old_api():
    assert t("page_overview", "sv") == "Översikt" and t("page_overview", "en") == "Overview"
    assert t("unknown_area", "en", code="9999") == "Unknown area code in the link: 9999. Showing Sweden instead."
    assert t("no_such_key", "sv") == "no_such_key"  # visible, never a crash
    assert t("page_overview", "de") == "Overview"  # any other code reads English, as before
    assert t("page_overview") == "Översikt" and i18n.DEFAULT_LANG == "sv" and i18n.LANGS == ("sv", "en")
    assert t("chart.series_break", "sv") == "seriebrott"  # a key in a table
    assert i18n.LANG_NAMES == {"sv": "Svenska", "en": "English"}


def test_plural_forms():
    assert tn("count.villages", 1, "sv") == "1 by" and tn("count.villages", 2, "sv") == "2 byar"
    assert tn("count.villages", 1, "en") == "1 village" and tn("count.villages", 0, "en") == "0 villages"
    assert tn("count.inhabitants", 1, "en") == "1 inhabitant"
    assert tn("count.villages", 1234, "sv", n=fmt.number(1234, "sv")) == "1\u00a0234 byar"


def test_labels_for_ids_and_codes():
    assert i18n.indicator_label("pop_beyond_10km_grocery", "sv") == "Invånare längre än 10 km från dagligvarubutik"
    assert i18n.indicator_label("share_beyond_20min_health", "en") == "Share farther than 20 min from health centre (%)"
    assert i18n.indicator_label("broadband_100", "en") == "Broadband ≥100 Mbit/s, share (%)"
    assert i18n.indicator_label("unknown_x", "en") == "unknown_x"
    assert i18n.code_label("network", "en") == "road network" and i18n.code_label("zzz", "sv") == "zzz"
    assert i18n.code_label(None) == "–" and i18n.code_label(float("nan"), "en") == "–"


def test_service_labels_come_from_the_catalog():
    """Every service type has a label in both languages, in the catalog in the vocabulary's order."""
    assert i18n.service_label("grocery", "sv") == "Dagligvarubutik" and i18n.service_label("grocery", "en") == (
        "Grocery store"
    )
    assert i18n.service_label("unknown_type", "en") == "unknown_type"
    assert definitions.service_label is i18n.service_label
    for cat in _catalogs().values():
        assert [k.removeprefix("service.") for k in cat if k.startswith("service.")] == [s.id for s in SERVICE_TYPES]


def test_every_dataset_column_has_a_label_in_both_languages():
    cats = _catalogs()
    missing = [f"col.{c} ({lang})" for c in datasets.COLUMNS for lang, cat in cats.items() if f"col.{c}" not in cat]
    assert not missing, "add a column header to servicekartan/i18n/sv.toml and en.toml [col]: " + ", ".join(missing)
    assert i18n.column_label("population", "sv") == "Invånare" and i18n.column_label("distance_km", "en") == (
        "Distance (km)"
    )
    assert i18n.column_label("no_such_column", "en") == "no_such_column"  # shows its own name, as before


def test_language_fields():
    assert i18n.lang_field("name", "sv") == "name_sv" and i18n.lang_field("name", "en") == "name_en"
    assert i18n.lang_field("name", "de") == "name_en"  # any other code reads English


def test_target_strings_are_read_from_the_catalog():
    from servicekartan import targets

    for attr in ("STATUS_LABELS", "METHOD_SV", "METHOD_EN"):
        assert not hasattr(targets, attr), attr
    assert targets.status_label("on_track", "sv") == "På väg" and targets.status_label("on_track", "en") == "On track"
    assert targets.method_text("en", 3) == i18n.method_section("targets_projection", "en", n=3)
    assert targets.COLUMN_DOCS["year"] == "target year, 1990–2100"
    assert datasets.columns("targets") == targets.COLUMNS


def test_number_style_comes_from_the_catalog():
    assert fmt.number(-1234567.891, "sv", 2) == "\u22121\u00a0234\u00a0567,89"
    assert fmt.number(-1234567.891, "en", 2) == "-1,234,567.89"
    assert fmt.plotly_separators("sv") == ",\u00a0" and fmt.plotly_separators("en") == ".,"


def test_library_strings_in_both_languages():
    assert costs.fliseryd_note("en").startswith("Fliseryd outcome") and costs.fliseryd_note().startswith(
        "Utfall Fliseryd"
    )
    split = costs.financing_split(costs.CostInputs(building=100, grants={"A": 10}), "sv")
    assert split["financier"].tolist() == ["A", "Ej täckt av bidrag (egen finansiering/lån)"]
    assert costs.compare(costs.FLISERYD_ACTUAL, costs.FLISERYD_ACTUAL, "en")["item"].iloc[0] == "Building work"
    assert servicepoints.offered_labels("cafe;egen text", "en") == ["Simple café", "egen text"]


def test_cost_input_problems_in_both_languages():
    with pytest.raises(costs.InvalidCostInputs, match="years must be > 0") as caught:
        costs.CostInputs(building=100, years=0, grants={"A": -1})
    assert caught.value.text("en") == "years must be > 0 (got 0); grant from A must be ≥ 0 (got -1.0)"
    assert caught.value.text("sv") == "years måste vara > 0 (fick 0); bidraget från A måste vara ≥ 0 (fick -1.0)"


# ------------------------------------------------------------------------------------ the method page


def test_method_sections_are_the_same_in_both_languages():
    sv, en = (i18n.method_sections(lang) for lang in i18n.LANGS)
    assert list(sv) == list(en)
    assert list(sv) == [
        "definitions",
        "distances",
        "modelled_layer",
        "targets",
        "costs",
        "sources",
        "targets_projection",
        "quality_levels",
        "health_rule",
        "official",
    ]
    for name in sv:
        assert i18n.placeholders(sv[name]) == i18n.placeholders(en[name]), name


def test_method_text_fills_in_the_figures():
    for lang in i18n.LANGS:
        text = method_text.distances(lang)
        assert "{" not in text and ", ".join(map(str, THRESHOLDS_KM)) + " km" in text
        assert ", ".join(map(str, THRESHOLDS_MIN)) + " min" in text and "× 1.3" in text and "70 km/h" in text
    assert method_text.definitions("sv").startswith("\n- **Tätort**: sammanhängande bebyggelse")
    assert method_text.sources("en").splitlines()[0] == "| source | what | licence | attribution |"
    assert method_text.sources("en").endswith("| facts | Mönsterås kommun |")


def test_parse_sections():
    text = "<!-- editors' note -->\n<!-- section: a -->\n\nfirst\n\n<!-- section: b -->\nsecond\n"
    assert i18n.parse_sections(text) == {"a": "\nfirst\n", "b": "second"}


# ------------------------------------------------------------------------------------ no language tables in code

# All the code (tests aside): the app, the library, the ETL and the benchmarks.
SCANNED = [
    ROOT / "dashboard.py",
    *sorted((ROOT / "servicekartan").rglob("*.py")),
    *sorted((ROOT / "app_pages").rglob("*.py")),
    *sorted((ROOT / "etl").rglob("*.py")),
    *sorted((ROOT / "bench").rglob("*.py")),
]

LANG_CODES = set(i18n.LANGS)


def _is_lang(node: ast.AST) -> bool:
    """A name that holds a language code: lang, language, ctx.lang, self.language, ui_lang, session["lang"] …"""
    if isinstance(node, ast.Name):
        name = node.id
    elif isinstance(node, ast.Attribute):
        name = node.attr
    elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        name = node.slice.value
    else:
        return False
    name = name.lower().strip("_")
    return name in ("lang", "language") or name.endswith(("_lang", "_language"))


def _is_code(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in LANG_CODES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_code(e) for e in node.elts)
    return False


def _dict_keys(node: ast.Dict | ast.Call) -> set[object]:
    """The literal keys of a dict display or of a dict(...) call's keywords."""
    if isinstance(node, ast.Dict):
        return {k.value for k in node.keys if isinstance(k, ast.Constant)}
    if isinstance(node.func, ast.Name) and node.func.id == "dict":
        return {k.arg for k in node.keywords}
    return set()


def language_violations(source: str) -> list[tuple[int, str]]:
    """(line, what) for every comparison of a language variable with "sv"/"en" (==, !=, in, is, match) and
    every dict literal or dict(...) call holding both "sv" and "en" keys."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_lang(o) for o in operands) and any(_is_code(o) for o in operands):
                out.append((node.lineno, "comparison with the language"))
        elif isinstance(node, ast.Match) and _is_lang(node.subject):
            if any(isinstance(c.pattern, ast.MatchValue) and _is_code(c.pattern.value) for c in node.cases):
                out.append((node.lineno, "match on the language"))
        elif isinstance(node, ast.Dict | ast.Call) and _dict_keys(node) >= LANG_CODES:
            out.append((node.lineno, "dict with sv and en keys"))
    return sorted(out)


@pytest.mark.parametrize(
    "code",
    [
        'x = "Hej" if lang == "sv" else "Hi"',
        'if language != "en":\n    pass',
        'x = 0 if ctx.lang == "sv" else 1',
        'x = "sv" == self.language',
        'x = st.session_state["lang"] in ("sv",)',
        'x = "a" if ui_lang == "en" else "b"',
        'match lang:\n    case "sv":\n        pass',
        'LABELS = {"sv": "Svenska", "en": "English"}',
        "LABELS = dict(sv='Svenska', en='English')",
    ],
)
def test_the_language_scan_finds(code):
    assert language_violations(code), code


@pytest.mark.parametrize(
    "code",
    [
        't("page_overview", lang)',
        "x = lang == DEFAULT_LANG",
        'x = {"sv": 1}',
        'x = kind == "sv"',
        'x = f"name_{lang}"',
    ],
)
def test_the_language_scan_leaves_alone(code):
    assert language_violations(code) == [], code


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_language_comparisons_or_tables_outside_the_catalog():
    found = [
        f"{_rel(path)}:{line}: {what}"
        for path in SCANNED
        if not _rel(path).startswith("servicekartan/i18n/")
        for line, what in language_violations(path.read_text(encoding="utf-8"))
    ]
    assert not found, "use a catalog key (servicekartan/i18n/sv.toml, en.toml) instead:\n" + "\n".join(found)


# ------------------------------------------------------------------------------------ keys used in code

KEY_SCANNED = SCANNED


def _literal_keys(source: str) -> list[tuple[int, str, str]]:
    """(line, kind, key) for t("key"), i18n.t("key"), tn("key", …) and t(f"table.{…}") calls.

    kind is "key" for a literal key, "plural" for a tn() stem and "prefix" for an f-string's literal start."""
    tree = ast.parse(source)
    imported = {
        a.asname or a.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "servicekartan.i18n"
        for a in node.names
    }
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id in imported:
            name = f.id
        elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "i18n":
            name = f.attr
        else:
            continue
        if name not in ("t", "tn"):
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            out.append((node.lineno, "plural" if name == "tn" else "key", arg.value))
        elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
            out.append((node.lineno, "prefix", str(arg.values[0].value)))
    return out


def test_every_key_the_code_uses_exists_in_both_catalogs():
    cats = _catalogs()
    missing, n = [], 0
    for path in KEY_SCANNED:
        for line, kind, key in _literal_keys(path.read_text(encoding="utf-8")):
            n += 1
            for lang, cat in cats.items():
                if kind == "key":
                    ok = key in cat
                elif kind == "plural":
                    ok = {f"{key}.one", f"{key}.other"} <= cat.keys()
                else:
                    ok = any(k.startswith(key) for k in cat)
                if not ok:
                    missing.append(f"{_rel(path)}:{line}: {key!r} ({kind}) not in {lang}.toml")
    assert not missing, "\n".join(missing)
    assert n > 150  # the scan does see the code's look-ups


def test_the_key_scan_sees_calls():
    code = (
        "from servicekartan.i18n import t, tn\nfrom servicekartan import i18n\n"
        't("a", lang)\ni18n.t("b")\ntn("count.c", 2)\nt(f"chart.{x}", lang)\nt(key, lang)\nother("z")\n'
    )
    assert _literal_keys(code) == [(3, "key", "a"), (4, "key", "b"), (5, "plural", "count.c"), (6, "prefix", "chart.")]


def test_every_dataset_is_described_in_both_languages():
    """The full-provenance expander opens with what the dataset is, in the page's language (dataset_about.*)."""
    cats = _catalogs()
    for lang, cat in cats.items():
        named = {k.removeprefix("dataset_name.") for k in cat if k.startswith("dataset_name.")}
        about = {k.removeprefix("dataset_about.") for k in cat if k.startswith("dataset_about.")}
        assert named == about and len(named) >= 14, lang
        assert all(len(cat[f"dataset_about.{n}"]) > 40 for n in named), lang
