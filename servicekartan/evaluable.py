"""Target statuses -> what can honestly be said: access targets on a modelled layer are not evaluable, a target
whose year lies after the data is open (not "no data"), and what is missing says what a fetch would add.

Applied to the targets' summary tables (servicekartan.targets.summary_table / status_by_area) before a page
shows them. Status codes added here: ``not_evaluable`` and ``open`` (both grey).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from servicekartan import fmt
from servicekartan.definitions import SERVICE_TYPE_IDS, service_label
from servicekartan.i18n import indicator_label, t
from servicekartan.quality import QUALITY_MODELLED
from servicekartan.targets import status_label

NOT_EVALUABLE = "not_evaluable"
OPEN = "open"
EXTRA_STATUSES: tuple[str, ...] = (NOT_EVALUABLE, OPEN)
_ACCESS = re.compile(r"^(share|pop)_beyond_[\d.]+(km|min)_(?P<service>\w+)$|^service_level_")
KOLADA_INDICATORS = ("broadband_100", "broadband_1000", "broadband_1000_dense", "broadband_1000_sparse")


def access_service(indicator_id: str) -> str | None:
    """The service type an access indicator is computed on ('share_beyond_25km_atm' -> 'atm'); None otherwise."""
    m = _ACCESS.match(str(indicator_id))
    if not m:
        return None
    service = m.group("service")
    return service if service in SERVICE_TYPE_IDS else "grocery"


def judge(summary: pd.DataFrame) -> pd.DataFrame:
    """A summary table with honest statuses:

    * an access or cash target measured on a modelled service layer (quality modelled or mixed) -> not_evaluable,
      its values blanked (a figure on estimated points is not evidence of a target met or missed);
    * a target whose year is after the last observation and that has no value for it -> open, with the latest value;
    * `reason_code` says why (used by `reason`).
    """
    out = summary.copy()
    if out.empty:
        return out.assign(reason_code=pd.Series(dtype=object))
    reason = np.full(len(out), "", dtype=object)
    status = out["status"].astype(object).to_numpy().copy()
    light = out["light"].astype(object).to_numpy().copy()
    for i, row in enumerate(out.itertuples(index=False)):
        service = access_service(row.indicator_id)
        q = str(row.quality)
        if service is not None and q in (QUALITY_MODELLED, "mixed"):
            status[i], light[i], reason[i] = NOT_EVALUABLE, "grey", "modelled"
        elif row.status == "no_data" and pd.notna(row.latest_year) and int(row.latest_year) < int(row.target_year):
            status[i], light[i], reason[i] = OPEN, "grey", "open"
        elif row.status == "no_data":
            reason[i] = "missing"
    out["status"], out["light"], out["reason_code"] = status, light, reason
    blank = out["status"] == NOT_EVALUABLE
    for c in ("value_at_target", "latest_value", "projected_value", "gap", "shortfall"):
        if c in out.columns:
            out.loc[blank, c] = np.nan
    if "trend_reaches" in out.columns:  # a trend says something only about a target still ahead
        out.loc[blank | out["status"].isin([OPEN, "met", "missed"]), "trend_reaches"] = ""
    return out


def status_words(status: str, lang: str) -> str | None:
    """Words for the statuses added here; None for the targets package's own."""
    if status == NOT_EVALUABLE:
        return t("truth.status_not_evaluable", lang)
    if status == OPEN:
        return t("truth.status_open", lang)
    return None


def in_words(summary: pd.DataFrame, lang: str) -> list[str]:
    """Each row's status in words: evaluable's own (not evaluable, open) or the targets package's."""
    return [status_words(s, lang) or status_label(s, lang) for s in summary["status"]]


def reason(row: pd.Series | dict, lang: str) -> str:
    """One plain sentence: why a target is not evaluable / open / missing, and what would add the data."""
    code = row.get("reason_code", "")
    ind = str(row.get("indicator_id", ""))
    if code == "modelled":
        return t("truth.not_evaluable_modelled", lang, service=service_label(access_service(ind) or "", lang).lower())
    if code == "open":
        latest = row.get("latest_value")
        value = fmt.number(latest, lang, 1) if pd.notna(latest) else "–"
        return t("truth.open_reason", lang, value=value, year=row.get("latest_year"))
    if code == "missing":
        if ind in KOLADA_INDICATORS:
            adds = t("truth.adds_kolada", lang)
        elif access_service(ind) is not None:
            adds = t("truth.adds_access", lang)
        else:
            adds = t("truth.adds_post", lang)
        return t("truth.missing_reason", lang, indicator=indicator_label(ind, lang).lower(), adds=adds)
    return ""
