"""Every user-visible string, one catalog per language: `sv.toml`, `en.toml` (and the method page's prose,
`method_sv.md`, `method_en.md`), looked up by key.

* `t("key", lang, **kw)`: top-level keys (`t("page_overview", "en")`) and keys in a table
  (`t("chart.series_break", "en")`); `{name}` placeholders are filled with `str.format(**kw)`.
  An unknown key comes back as the key itself (visible on the page and in tests, never a crash).
* `tn("count.villages", n, lang)`: the singular or plural form for a count ("1 by" / "2 byar").
* `indicator_label`, `code_label`, `service_label`: labels for ids and data codes found in the data.
* `column_label(column, lang)`: a table header, keyed by the column name (`[col]`).
* `lang_field("name", lang)`: the data column holding a text in the language ("name_sv" / "name_en").
* `method_section(name, lang, **values)`: a section of the method page's Markdown.

Any language code other than "sv" is English (as it always was); `lang_code(lang)` says which catalog
a code reads. Both catalogs hold exactly the same keys and placeholders (tests/test_i18n.py).
Nothing outside this package compares a language code with a literal or keeps a {"sv": …, "en": …}
table (also tested): a string that depends on the language is a catalog key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path

LANGS = ("sv", "en")
DEFAULT_LANG = "sv"
_FALLBACK_LANG = "en"  # the catalog read for any code that is not in LANGS
_DIR = Path(__file__).resolve().parent


def _flatten(table: Mapping[str, object], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out |= _flatten(value, name + ".")
        else:
            out[name] = str(value)
    return out


def load_catalog(lang: str) -> dict[str, str]:
    """The catalog file of a language as a flat {dotted key: text} mapping (read from disk, not cached)."""
    with open(_DIR / f"{lang}.toml", "rb") as f:
        return _flatten(tomllib.load(f))


_CATALOGS: dict[str, dict[str, str]] = {lang: load_catalog(lang) for lang in LANGS}


def lang_code(lang: object) -> str:
    """The catalog a language code reads: itself when known, else English."""
    return lang if lang in _CATALOGS else _FALLBACK_LANG  # type: ignore[return-value]


def catalog(lang: str = DEFAULT_LANG) -> Mapping[str, str]:
    """The flat catalog of a language (read-only use)."""
    return _CATALOGS[lang_code(lang)]


def has(key: str, lang: str = DEFAULT_LANG) -> bool:
    return key in _CATALOGS[lang_code(lang)]


def t(key: str, lang: str = DEFAULT_LANG, **kwargs: object) -> str:
    """The text for `key` in `lang`; unknown keys return the key itself (visible in tests)."""
    text = _CATALOGS[lang_code(lang)].get(key)
    if text is None:
        return key
    return text.format(**kwargs) if kwargs else text


def plural_form(n: float) -> str:
    """ "one" or "other": Swedish and English both use the singular for exactly 1 (and −1)."""
    try:
        return "one" if abs(float(n)) == 1 else "other"
    except (TypeError, ValueError):
        return "other"


def tn(key: str, count: float, /, lang: str = DEFAULT_LANG, **kwargs: object) -> str:
    """Singular or plural text for a count: tn("count.villages", 2, "sv") -> "2 byar".

    `{n}` is the count itself unless `n=` is passed (e.g. the count formatted with `fmt.number`)."""
    kwargs.setdefault("n", count)
    return t(f"{key}.{plural_form(count)}", lang, **kwargs)


# The name of each language in itself, for the language switch.
LANG_NAMES: dict[str, str] = {lang: t("language_name", lang) for lang in LANGS}


def service_label(service_type: str, lang: str = DEFAULT_LANG) -> str:
    """Readable name of a service type id (grocery -> Dagligvarubutik / Grocery store); unknown ids pass through."""
    key = f"service.{service_type}"
    return t(key, lang) if has(key, lang) else service_type


def indicator_label(indicator_id: str, lang: str = DEFAULT_LANG) -> str:
    """Readable label for an indicator id, including the generated access ids (pop_beyond_10km_grocery …)."""
    key = f"indicator_name.{indicator_id}"
    if has(key, lang):
        return t(key, lang)
    for prefix in ("pop_beyond", "share_beyond"):
        if indicator_id.startswith(prefix + "_"):
            rest = indicator_id[len(prefix) + 1 :]
            dist, _, stype = rest.partition("_")
            unit = dist[-3:] if dist.endswith("min") else dist[-2:]
            d = dist[: -len(unit)] + (" km" if unit == "km" else " min")
            return t(f"indicator_pattern.{prefix}", lang, d=d, s=service_label(stype, lang).lower())
    return indicator_id


def column_label(column: str, lang: str = DEFAULT_LANG) -> str:
    """The header of a column (`col.<name>` in the catalog); a column without an entry shows its own name."""
    key = f"col.{column}"
    return t(key, lang) if has(key, lang) else column


def lang_field(stem: str, lang: str = DEFAULT_LANG) -> str:
    """The column or field holding a text in a language: lang_field("name", "en") -> "name_en" (any code other
    than "sv" reads English, as the catalog does)."""
    return f"{stem}_{lang_code(lang)}"


def code_label(code: object, lang: str = DEFAULT_LANG) -> str:
    """Readable label for a data code (method, quality, status); unknown codes pass through, missing as '–'."""
    if code is None or (isinstance(code, float) and code != code):
        return "–"
    key = f"code.{code}"
    return t(key, lang) if has(key, lang) else str(code)


_FIELD = re.compile(r"{(\w*)")


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a text (format specs ignored): "{n} km, {y:d}" -> {"n", "y"}."""
    return set(_FIELD.findall(text.replace("{{", "")))


def check_catalogs(catalogs: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Problems between language catalogs: a key missing in a language, different placeholders for a key,
    a count entry without both "one" and "other". Empty list = consistent."""
    problems: list[str] = []
    every = set().union(*(c.keys() for c in catalogs.values()))
    for key in sorted(every):
        missing = [lang for lang, c in catalogs.items() if key not in c]
        if missing:
            problems.append(f"{key!r} is missing in {', '.join(missing)}")
            continue
        fields = {lang: placeholders(c[key]) for lang, c in catalogs.items()}
        if len({frozenset(f) for f in fields.values()}) > 1:
            problems.append(f"{key!r} has different placeholders: {fields}")
    for key in sorted(k for k in every if k.startswith("count.")):
        stem, _, form = key.rpartition(".")
        if form not in ("one", "other") or not {f"{stem}.one", f"{stem}.other"} <= every:
            problems.append(f"{key!r}: a count entry needs exactly the forms one and other")
    return problems


# --------------------------------------------------------------------------------------------- method page

_SECTION = re.compile(r"^<!-- section: (\w+) -->\n", re.MULTILINE)


def parse_sections(text: str) -> dict[str, str]:
    """Markdown with `<!-- section: name -->` lines -> {name: text}. A section runs from the line after its
    marker to the line break before the next marker (that line break is not part of it); text before the
    first marker is a comment for editors."""
    parts = _SECTION.split(text)
    return {name: body.removesuffix("\n") for name, body in zip(parts[1::2], parts[2::2], strict=True)}


@cache
def method_sections(lang: str) -> dict[str, str]:
    """The method page's sections in a language, placeholders unfilled."""
    return parse_sections((_DIR / f"method_{lang_code(lang)}.md").read_text(encoding="utf-8"))


def method_section(name: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """One section of the method page, with `{name}` placeholders filled from `values`."""
    text = method_sections(lang_code(lang))[name]
    return text.format(**values) if values else text
