"""Målbild / Targets: every target for the area, judged honestly (met, missed, open, not evaluable), one target's
series with its breaks, the target per kommun, and the user's own targets."""

from datetime import date

import streamlit as st

from servicekartan import areas, charts, evaluable, targets, ui
from servicekartan.i18n import indicator_label, t
from servicekartan.ui.captions import quality_badge, source_caption

lang = ui.page_header("page_targets")
area = ui.current_area()
names = ui.region_names()
ix = ui.indicator_index()
registry = ui.target_registry()
as_of = date.today().year


def sources_of(indicator_id: str) -> tuple[str, ...]:
    return ("kolada_values",) if indicator_id in evaluable.KOLADA_INDICATORS else ("indicators",)


st.subheader(f"{t('targets_summary', lang)}: {names.get(area, area)}")
summary = ui.targets_summary(area, as_of)  # judged: not evaluable / open where that is the honest answer
shown = targets.in_language(summary, lang).assign(
    status=evaluable.in_words(summary, lang),
    trend_reaches=summary["trend_reaches"].replace({"never": t("never", lang)}),
    breaks=summary["breaks"].map(lambda b: targets.localise_breaks(b, lang)),
    reason=[evaluable.reason(r, lang) for _, r in summary.iterrows()],
    **{c: summary[c].astype(float) for c in ("target_value", "value_at_target", "latest_value")},
)
cols = [
    "name",
    "status",
    "target_value",
    "target_year",
    "value_at_target",
    "latest_value",
    "latest_year",
    "trend_reaches",
    "breaks",
    "reason",
    "source",
]
lights = summary["light"].map(targets.LIGHT_HEX)
ui.table(
    shown[cols],
    lang,
    {"target_value": 2, "value_at_target": 1, "latest_value": 1},
    labels={
        "name": "target",
        "target_value": "target",
        "target_year": "year",
        "reason": "truth.reason_heading",
        "breaks": "truth.breaks_heading",
    },
    max_rows=None,
    style=lambda s: s.apply(
        lambda col: [f"background-color: {c}; color: white; font-weight: 600" for c in lights], subset=["status"]
    ),
    key="targets_summary",
)
st.caption(targets.method_text(lang))

ids = summary["target_id"].tolist()
label = dict(zip(summary["target_id"], shown["name"], strict=True))
tid = ui.url_select(
    t("target", lang),
    ids,
    key="target",
    default="broadband_2020_95" if "broadband_2020_95" in ids else ids[0],
    format_func=label.get,
)
row = targets.target_row(registry, tid)
judged = summary.set_index("target_id").loc[tid]
series = targets.series_for(ix.area(area), row["indicator_id"], area)
status = targets.evaluate(series, row, as_of=as_of)
if judged["status"] == evaluable.NOT_EVALUABLE:
    # A figure on estimated service points is no evidence for or against a target: no chart, the reason instead.
    quality_badge("modelled")
    st.warning(evaluable.reason({**judged.to_dict(), "target_id": tid}, lang))
elif series.empty:
    st.info(evaluable.reason({**judged.to_dict(), "target_id": tid}, lang) or t("truth.no_chart", lang))
else:
    quality_badge(status.quality if status.quality != "mixed" else "modelled")
    ui.own_badge(evaluable.access_service(row["indicator_id"]) or [])
    fig = charts.target_chart(
        series,
        targets.trend_frame(status),
        status.target,
        evaluable.status_words(judged["status"], lang) or status.label(lang),
        f"{status.target.name(lang)} — {names.get(area, area)}",
        lang,
        unit=status.target.unit or "",
        breaks=status.breaks,
    )
    ui.plotly_chart(fig, key="target_chart")
    sentence = status.sentence(lang)
    if judged["status"] == evaluable.OPEN:
        sentence = f"{status.target.name(lang)}: {evaluable.reason({**judged.to_dict(), 'target_id': tid}, lang)}"
    st.markdown(sentence)
    if status.breaks:
        st.caption(t("truth.series_flagged", lang, breaks=", ".join(b.describe(lang) for b in status.breaks)))
    years = f"{int(series['year'].min())}–{int(series['year'].max())}"
    st.caption(f"{t('source', lang)}: {row.get('source', '')} · {indicator_label(row['indicator_id'], lang)}")
    source_caption(*sources_of(row["indicator_id"]), qualities=series.get("quality", ["observed"]), year=years)

kommuner = areas.kommuner_in(area, names)
if judged["status"] != evaluable.NOT_EVALUABLE and len(kommuner) > 1:
    by_kommun = evaluable.judge(
        targets.status_by_area(ix.indicator(row["indicator_id"]), row, as_of=as_of, area_codes=kommuner)
    )
    st.subheader(t("per_kommun_status", lang))
    if by_kommun.empty:
        st.info(evaluable.reason({**judged.to_dict(), "reason_code": "missing"}, lang))
    else:
        # Coloured by the value itself (the target year's, else the latest): a real quantity on the scale.
        past = by_kommun["status"].isin(["met", "missed"])
        value = by_kommun["value_at_target"].where(past, by_kommun["latest_value"])
        year = int(status.target.year) if past.all() else int(by_kommun["latest_year"].max())
        ui.plotly_chart(
            charts.area_choropleth(
                by_kommun[["area_code"]].assign(value=value.astype(float), quality="observed"),
                ui.geojson("municipality"),
                names,
                indicator_label(row["indicator_id"], lang),
                f"{status.target.name(lang)}: {indicator_label(row['indicator_id'], lang)}, {year}",
                lang,
                codes=set(by_kommun["area_code"]),
                geojson_url=ui.geojson_url("municipality"),
            ),
            key="target_kommun_map",
        )
        counts = by_kommun["status"].map(lambda c: evaluable.status_words(c, lang) or targets.status_label(c, lang))
        st.caption(" · ".join(f"{k}: {n}" for k, n in counts.value_counts().items()))
        source_caption(*sources_of(row["indicator_id"]), qualities=["observed"], year=year)

st.header(t("add_target", lang))
ui.target_editor(lang, registry)
