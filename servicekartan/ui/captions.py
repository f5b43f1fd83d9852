"""Dataset provenance -> one short source line per chart (full provenance one click away), and quality badges.

Three quality levels (servicekartan.quality), each with its own badge in the page's language:
observed, observed but incomplete (with the coverage measured against a published count), modelled.
A page marks each figure with the level of what that figure is built from (`quality_badge(s)`), not one
badge for a panel that mixes them. Under a chart, `source_caption` writes one line
("Källa: SCB; © OpenStreetMap-bidragsgivare · delvis modellerad · 2020") and puts the full provenance
(sources, licences, method, coverage) in an expander — never file paths.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import streamlit as st

from servicekartan import fmt, method_text, quality
from servicekartan.definitions import service_label
from servicekartan.i18n import t
from servicekartan.ui.data import meta
from servicekartan.ui.state import lang

_BADGE = {
    quality.QUALITY_OBSERVED: (":material/visibility:", "green"),
    quality.QUALITY_OWN: (":material/visibility:", "green"),
    quality.QUALITY_PARTIAL: (":material/blur_on:", "violet"),
    quality.QUALITY_MODELLED: (":material/model_training:", "orange"),
}
# Anything that looks like a repository path or file name is kept off user pages.
_PATH = re.compile(r"(?:\b(?:data|etl|servicekartan|tests)/[\w./*-]*|\b[\w-]+\.(?:py|csv|parquet|json|geojson)\b)")


def _level(q: object) -> str:
    q = str(q)
    if q in ("mixed", "grid_estimate"):  # grid_estimate: area_population's sum of squares, a model
        return quality.QUALITY_MODELLED
    return q if q in _BADGE else quality.QUALITY_OBSERVED


def coverage(service_types: Iterable[str] | None = None) -> dict[str, float]:
    """Measured coverage (%) of the incomplete layers, from the `services` provenance: {service_type: %}."""
    cov = quality.coverage_from_provenance((meta("services") or {}).get("extra"))
    if service_types is None:
        return cov
    wanted = set(service_types)
    return {k: v for k, v in cov.items() if k in wanted}


def layer_qualities(service_types: Iterable[str]) -> list[str]:
    """Quality of the service layer of each type (from the `services` provenance), e.g. for a table's column group."""
    extra = (meta("services") or {}).get("extra") or {}
    return [extra.get(f"quality_{s}", quality.QUALITY_OBSERVED) for s in service_types]


def quality_label(level: str, language: str, service_types: Iterable[str] | None = None) -> str:
    """Badge text: 'Observerad', 'Observerad, ofullständig (täckning: apotek 47 %)', 'Modellerad'."""
    level = _level(level)
    text = t(f"qlevel.{level}", language)
    if level == quality.QUALITY_PARTIAL:
        cov = coverage(service_types)
        if cov:
            parts = ", ".join(
                f"{t(f'service.{s}', language).lower()} {fmt.number(v, language)} %" for s, v in cov.items()
            )
            text += " (" + t("qlevel.coverage", language, parts=parts) + ")"
    return text


def quality_badge(level: str, service_types: Iterable[str] | None = None) -> None:
    """One badge for one figure: its quality level (and, for an incomplete layer, the measured coverage)."""
    language = lang()
    level = _level(level)
    icon, color = _BADGE[level]
    help_text = t(f"qlevel.help_{level}", language)
    if level == quality.QUALITY_PARTIAL:
        extra = (meta("services") or {}).get("extra") or {}
        methods = [extra[f"coverage_{s}_method"] for s in coverage(service_types) if f"coverage_{s}_method" in extra]
        if methods:
            help_text += " " + t("qlevel.measured", language) + " " + " ".join(_PATH.sub("", m) for m in methods)
    st.badge(quality_label(level, language, service_types), icon=icon, color=color, help=help_text)


def quality_badges(qualities: Iterable[object], service_types: Iterable[str] | None = None) -> None:
    """A badge per level present among the rows of a figure (observed alone gets one too), worst last."""
    levels = sorted(
        {_level(q) for q in qualities if str(q) not in ("missing", "nan", "None")}, key=quality.QUALITY_RANK.get
    )
    if not levels:
        return
    with st.container(horizontal=True):
        for level in levels:
            quality_badge(level, service_types)


def modelled_badge(is_modelled: bool = True) -> None:
    """The modelled badge (kept for pages that only know "modelled or not")."""
    if is_modelled:
        quality_badge(quality.QUALITY_MODELLED)


def _attribution(a: str, language: str) -> str:
    a = a.strip()
    if "OpenStreetMap" in a:
        return t("caption.osm_attribution", language)
    if a.startswith("Källa:"):
        return t("caption.source_prefix", language) + a.removeprefix("Källa:").rstrip()
    return a


def _merge_sources(attributions: list[str], language: str) -> list[str]:
    """'Källa: Kolada', 'Källa: SCB' -> 'Källa: Kolada, SCB' (other attributions kept as they are, after it)."""
    prefix = t("caption.source_prefix", language)
    named = [a.removeprefix(prefix).strip() for a in attributions if a.startswith(prefix)]
    # "SCB" beside "SCB (2024)" says nothing more: keep the one that names its year or product
    named = [n for n in named if not any(o != n and o.startswith(n + " (") for o in named)]
    rest = [a for a in attributions if not a.startswith(prefix)]
    return ([f"{prefix} {', '.join(named)}"] if named else []) + rest


def _quality_words(levels: set[str], language: str) -> str:
    if not levels or levels <= {quality.QUALITY_OBSERVED, quality.QUALITY_OWN}:
        return ""
    if levels == {quality.QUALITY_MODELLED}:
        return t("caption.q_modelled", language)
    if quality.QUALITY_MODELLED in levels:
        return t("caption.q_partly_modelled", language)
    return t("caption.q_incomplete", language)


def source_line(
    names: Sequence[str],
    language: str,
    *,
    qualities: Iterable[object] | None = None,
    year: object | None = None,
) -> str:
    """One short line: attributions in the page's language · quality words · year.

    `qualities`: the quality values of the rows the figure is built from (default: each dataset's
    provenance quality); `year`: the figure's year (default: the datasets' snapshot year, if any).
    """
    attributions: list[str] = []
    levels: set[str] = set()
    years: list[str] = []
    for name in names:
        m = meta(name)
        if not m:
            continue
        attributions += [_attribution(a, language) for a in str(m.get("attribution", "")).split(";") if a.strip()]
        if qualities is None:  # a dataset that mixes levels ("mixed") is partly modelled
            q = str(m.get("quality", ""))
            levels |= {quality.QUALITY_OBSERVED, quality.QUALITY_MODELLED} if q == "mixed" else {_level(q)}
        snap = (m.get("extra") or {}).get("snapshot_year")
        if snap:
            years.append(str(snap))
    if qualities is not None:
        levels = {_level(q) for q in qualities}
    if not attributions:
        return ""
    parts = ["; ".join(_merge_sources(list(dict.fromkeys(attributions)), language))]
    words = _quality_words(levels, language)
    if words:
        parts.append(words)
    shown_year = str(year) if year is not None else (", ".join(dict.fromkeys(years)) if years else "")
    if shown_year:
        parts.append(shown_year)
    return " · ".join(parts)


def provenance_markdown(names: Sequence[str], language: str) -> str:
    """Per dataset, as Markdown for the expander, without file paths: its name; what it is, in the page's language;
    attribution, retrieval date and the measured coverage of incomplete layers; then the build's technical record
    (source, licence, method) as the build wrote it, in English, which a Swedish page says before showing it."""
    out: list[str] = []
    for name in dict.fromkeys(names):
        m = meta(name)
        if not m:
            continue
        extra = m.get("extra") or {}
        attributions = [_attribution(a, language) for a in str(m.get("attribution", "")).split(";") if a.strip()]
        lines = [f"**{t(f'dataset_name.{name}', language)}**", "", t(f"dataset_about.{name}", language), ""]
        for label, value in (
            ("caption.attribution", "; ".join(_merge_sources(attributions, language))),
            ("caption.retrieved", str(m.get("retrieved", "") or "")),
        ):
            if value:
                lines.append(f"- {t(label, language)}: {_PATH.sub('', value).strip(' ;,')}")
        for stype, pct in quality.coverage_from_provenance(extra).items():
            points = method_text.points_of(str(extra.get(f"coverage_{stype}_method", "")))
            lines.append(
                f"- {t('caption.coverage', language)}: "
                + t(
                    "caption.coverage_of",
                    language,
                    type=service_label(stype, language),
                    pct=fmt.number(pct, language, 1),
                    points=fmt.number(points, language),
                )
            )
        technical = [
            f"- {t(label, language)}: {value}"
            for key, label in (
                ("source", "caption.sources"),
                ("licence", "caption.licence"),
                ("method", "caption.method"),
            )
            if (value := _PATH.sub("", str(m.get(key, "") or "")).strip(" ;,"))
        ]
        if technical:
            lines += ["", f"*{t('caption.technical', language)}*", "", *technical]
        out.append("\n".join(lines))
    return "\n\n".join(out)


def source_caption(*names: str, qualities: Iterable[object] | None = None, year: object | None = None) -> None:
    """Under a chart: the short source line, and the full provenance one click away."""
    language = lang()
    line = source_line(names, language, qualities=qualities, year=year)
    if not line:
        return
    st.caption(line)
    with st.expander(t("caption.full_provenance", language)):
        st.markdown(provenance_markdown(names, language))
