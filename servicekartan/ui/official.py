"""Official figure beside ours: Kolada N07530 (grocery within 2 km by road) next to Servicekartan's own
whole-population 2 km estimate for the same area, with the difference and why they differ.

One call on a page: `official_beside(area_code)` (servicekartan.kolada does the work).
"""

from __future__ import annotations

import streamlit as st

from servicekartan import fmt, kolada
from servicekartan.grid_views import population_source_label
from servicekartan.i18n import t
from servicekartan.ui.captions import quality_badge, source_caption
from servicekartan.ui.data import load_optional
from servicekartan.ui.state import lang


def official_beside(area_code: str, names: dict[str, str] | None = None) -> kolada.OfficialBeside:
    """Two metrics (official, ours), the difference, earlier official years, the reasons, and the source line."""
    language = lang()
    b = kolada.official_beside_ours(load_optional("kolada_values"), load_optional("grid_indicators"), area_code)
    where = f": {names.get(area_code, area_code)}" if names else ""
    st.subheader(t("official.heading", language) + where)
    c1, c2, c3 = st.columns(3)
    if b.official_value is not None:
        c1.metric(
            t("official.official", language, year=b.official_year),
            f"{fmt.number(b.official_value, language, 1)} %",
            help=t("official.official_help", language),
        )
    else:
        c1.info(t("official.no_official", language))
    if b.ours_value is not None:
        with c2:
            st.metric(
                t("official.ours", language, year=b.ours_year),
                f"{fmt.number(b.ours_value, language, 1)} %",
                help=t(
                    "official.ours_basis", language, source=population_source_label(b.ours_population_source, language)
                ),
            )
            quality_badge(b.ours_quality or "modelled", ["grocery"])
    else:
        c2.info(t("official.no_ours", language))
    if b.difference is not None:
        sign = "+" if b.difference > 0 else ""
        c3.metric(
            t("official.difference", language),
            t("official.pp", language, value=sign + fmt.number(b.difference, language, 1)),
        )
    st.caption(
        t("official.ours", language, year=b.ours_year or "–")
        + ": "
        + t("official.ours_basis", language, source=population_source_label(b.ours_population_source or "–", language))
    )
    earlier = b.official.iloc[:-1]
    if len(earlier):
        values = ", ".join(
            f"{int(y)}: {fmt.number(v, language, 1)} %" for y, v in zip(earlier["year"], earlier["value"], strict=True)
        )
        st.caption(t("official.earlier", language, values=values))
    with st.expander(t("official.reasons", language)):
        for key in kolada.REASON_KEYS:
            st.markdown("- " + t(key, language, official_year=b.official_year or "–", ours_year=b.ours_year or "–"))
    source_caption(
        "kolada_values", "grid_indicators", qualities=["observed", b.ours_quality or "modelled"], year=b.official_year
    )
    return b
