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
