"""The method page's prose: Markdown per language (servicekartan/i18n/method_sv.md, method_en.md), one
section per function here; the figures in it (thresholds, circuity, speed) come from the code's constants."""

from __future__ import annotations

from servicekartan import access, modelled
from servicekartan.definitions import THRESHOLDS_KM, THRESHOLDS_MIN
from servicekartan.i18n import method_section


def definitions(lang: str) -> str:
    return method_section("definitions", lang)


def distances(lang: str) -> str:
    return method_section(
        "distances",
        lang,
        circuity=access.CIRCUITY_FACTOR,
        speed=access.AVERAGE_SPEED_KMH,
        circuity_source=access.CIRCUITY_SOURCE,
        speed_source=access.SPEED_SOURCE,
        km=", ".join(str(t) for t in THRESHOLDS_KM),
        mins=", ".join(str(t) for t in THRESHOLDS_MIN),
    )


def modelled_layer(lang: str) -> str:
    return method_section("modelled_layer", lang)


RULE_TABLE = modelled.rule_table


def sources(lang: str) -> str:
    return method_section("sources", lang)


def targets(lang: str) -> str:
    return method_section("targets", lang)


def costs(lang: str) -> str:
    return method_section("costs", lang)


def quality_levels(lang: str, services_extra: dict[str, str] | None) -> str:
    """The three quality levels with the coverage measured by the build (from the `services` provenance)."""
    from servicekartan import fmt, quality

    extra = services_extra or {}
    cov = quality.coverage_from_provenance(extra)
    points = {s: points_of(extra.get(f"coverage_{s}_method", "")) for s in ("pharmacy", "health")}
    return method_section(
        "quality_levels",
        lang,
        pharmacy=fmt.number(cov.get("pharmacy"), lang, 1),
        health=fmt.number(cov.get("health"), lang, 1),
        pharmacy_points=fmt.number(points["pharmacy"], lang),
        health_points=fmt.number(points["health"], lang),
        year=extra.get("snapshot_year", quality.SNAPSHOT_YEAR),
    )


def points_of(method: str) -> float | None:
    """The number of points a coverage text starts with ("679 OpenStreetMap points … = 47 %" -> 679)."""
    head = method.split(" ", 1)[0].replace(",", "")
    return float(head) if head.isdigit() else None


def health_rule(lang: str) -> str:
    return method_section("health_rule", lang)


def official(lang: str) -> str:
    return method_section("official", lang)
