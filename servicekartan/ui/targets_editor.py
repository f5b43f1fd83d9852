"""The session's target registry (national targets plus the user's own), its summary, and the add/upload form."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from servicekartan import downloads, evaluable, fmt, targets
from servicekartan.i18n import t, tn
from servicekartan.ui.data import indicator_index, load, own_key, version
from servicekartan.ui.shared_memo import memo
from servicekartan.ui.state import current_area


def _user_targets() -> pd.DataFrame | None:
    user = st.session_state.get("user_targets")
    return user if user is not None and len(user) else None


@st.cache_resource(show_spinner=False)
def _seed_targets() -> pd.DataFrame:  # shared and read-only: merge_targets and the pages make new frames
    return targets.load_targets()


def target_registry() -> pd.DataFrame:
    """The national targets from data/seed/targets.csv plus the targets this user added or uploaded."""
    user = _user_targets()
    return targets.merge_targets(_seed_targets(), user) if user is not None else _seed_targets()


def _store_user_targets(registry: pd.DataFrame) -> None:
    base_ids = set(_seed_targets()["target_id"])
    st.session_state["user_targets"] = registry[~registry["target_id"].isin(base_ids) | (registry["scope"] == "user")]


@st.cache_data(show_spinner=False, max_entries=64)
def _targets_summary(
    area: str, as_of: int | None, registry: pd.DataFrame, data_version: float, own: str = ""
) -> pd.DataFrame:
    return evaluable.judge(targets.summary_table(indicator_index().area(area), registry, area, as_of=as_of))


def targets_summary(area: str, as_of: int | None = None) -> pd.DataFrame:
    """Every target for the area, evaluated and judged honestly (`evaluable.judge`: not evaluable on a modelled
    layer, open after the data's last year), cached per area, registry and data version.

    With only the national targets the result is shared by every session; a user's own targets make it theirs."""
    if _user_targets() is None:
        return memo(
            ("targets_summary", area, as_of),
            lambda: evaluable.judge(
                targets.summary_table(indicator_index().area(area), _seed_targets(), area, as_of=as_of)
            ),
        )
    return _targets_summary(area, as_of, target_registry(), version("indicators"), own_key())


def _add_target_form(language: str, registry: pd.DataFrame, known: set[str]) -> None:
    with st.form("add_target", clear_on_submit=False):
        c1, c2, c3 = st.columns(3)
        tid = c1.text_input(t("target_id", language), value="my_target_1", max_chars=64)
        name = c1.text_input(t("target_name", language), max_chars=200)
        ind = c2.selectbox(
            t("indicator_id", language),
            sorted(known),
            index=sorted(known).index("share_beyond_10km_grocery") if "share_beyond_10km_grocery" in known else 0,
        )
        direction = c2.selectbox(
            t("direction", language), ["at_most", "at_least"], format_func=lambda d: t(d, language)
        )
        value = c3.number_input(t("value", language), value=5.0, step=0.5)
        year = c3.number_input(t("year", language), 1990, 2100, 2020)
        if st.form_submit_button(t("save", language)):
            rec = {
                "target_id": tid,
                "indicator_id": ind,
                "value": value,
                "year": int(year),
                "direction": direction,
                "area_code": current_area(),
                "name_sv": name,
                "name_en": name,
                "unit": "%",
                "scope": "user",
                "source": "user",
            }
            res = targets.add_target(registry, rec, default_scope="user")
            if res.accepted:
                _store_user_targets(res.targets)
                st.success(tn("plural.upload_ok", 1, language))
                st.rerun()
            else:
                st.error(t("upload_errors", language))
                _errors_table(targets.errors_frame(res.errors, language), language, "add_errors")


def _upload(language: str, registry: pd.DataFrame, known: set[str]) -> None:
    size, rows = fmt.file_size(targets.MAX_BYTES, language), fmt.number(targets.MAX_ROWS, language)
    up = st.file_uploader(
        t("upload_targets", language),
        type=["csv", "txt"],
        key="targets_upload",
        help=t("upload.help", language, rows=rows, size=size),
        max_upload_size=1,  # MB, the widget's smallest; the parser's own limit (MAX_BYTES) is stated below
    )
    st.caption(t("upload.limit", language, size=size))
    if up is not None and st.session_state.get("_last_upload") != up.file_id:
        res = targets.apply_upload(registry, up.getvalue(), default_scope="user", known_indicators=known)
        st.session_state["_last_upload"] = up.file_id
        st.session_state["_upload_result"] = (
            res.accepted,
            targets.errors_frame(res.errors, language),
            len(res.targets) - len(registry),
        )
        if res.accepted:
            _store_user_targets(res.targets)
            st.rerun()
    if st.session_state.get("_upload_result"):
        accepted, errors, n = st.session_state["_upload_result"]
        if accepted:
            st.success(tn("plural.upload_ok", max(n, 0), language, n=fmt.number(max(n, 0), language)))
        else:
            st.error(t("upload_errors", language))
        if len(errors):
            _errors_table(errors, language, "upload_errors")


def _errors_table(errors: pd.DataFrame, language: str, key: str) -> None:
    """An upload's errors with headers and levels in the page's language (the messages already are)."""
    from servicekartan.ui.tables import table  # tables imports nothing from here; kept local like the editor

    shown = errors.drop(columns=["code"], errors="ignore").assign(
        level=lambda d: d["level"].map(lambda v: t(f"upload.level_{v}", language))
    )
    table(shown, language, labels={c: f"upload.col_{c}" for c in shown.columns}, key=key)


def target_editor(language: str, registry: pd.DataFrame) -> None:
    """Add a target with a form, upload a CSV of targets (validated line by line), download them all."""
    known = set(load("indicators")["indicator_id"].unique())
    _add_target_form(language, registry, known)
    _upload(language, registry, known)
    st.download_button(
        t("download_targets", language),
        # through the download layer: a name uploaded as "=HYPERLINK(…)" comes back inert ("'=HYPERLINK(…)")
        targets.targets_to_csv(downloads.neutralise(target_registry()), bom=True),
        "servicekartan_targets.csv",
        "text/csv",
        on_click="ignore",
    )
