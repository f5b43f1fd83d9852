"""Find a village, kommun or län by name: accent- and case-insensitive ("monsteras" finds Mönsterås).

Pure pandas, no Streamlit: the sidebar's search box and `?q=` use `find`, `?area=Mönsterås` uses `area_code`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

MAX_HITS = 12


def fold(text: object) -> str:
    """A name for comparing: no accents, lower case, single spaces ("  MÖNSTERÅS " -> "monsteras")."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    return re.sub(r"\s+", " ", s).strip()


# "Mönsterås kommun", "Kalmar län": the suffix may be typed or left out.
_SUFFIX = re.compile(r"\s+(kommun|kommune|municipality|lan|county)$")


@dataclass(frozen=True)
class Hit:
    kind: str  # "village", "municipality" or "county"
    code: str  # village id or area code
    name: str
    area: str  # the area to show: the village's kommun, or the kommun/län itself
    municipality: str = ""  # a village's kommun code

    @property
    def village(self) -> str | None:
        return self.code if self.kind == "village" else None


def _candidates(regions: pd.DataFrame, villages: pd.DataFrame | None) -> list[Hit]:
    out = [
        Hit(level, code, name, code)
        for code, name, level in zip(regions["code"], regions["name"], regions["level"], strict=True)
        if level in ("municipality", "county")
    ]
    if villages is not None:
        out += [
            Hit("village", vid, name, kommun, kommun)
            for vid, name, kommun in zip(
                villages["village_id"], villages["name"], villages["municipality_code"], strict=True
            )
        ]
    return out


_ORDER = {"municipality": 0, "county": 1, "village": 2}


def find(query: object, regions: pd.DataFrame, villages: pd.DataFrame | None = None) -> list[Hit]:
    """Places whose name matches `query`: exact names first (all of them: "Mönsterås" is a kommun and a
    village), else names that start with it, else names that contain it; at most MAX_HITS."""
    full = fold(query)
    q = _SUFFIX.sub("", full)
    if not q or len(q) > 80:
        return []
    cands = _candidates(regions, villages)
    suffix = _SUFFIX.search(full)
    if suffix:  # "… kommun" asks for a kommun, "… län" for a county
        kind = "municipality" if suffix.group(1).startswith(("kommun", "munic")) else "county"
        cands = [h for h in cands if h.kind == kind]
    cands = [(h, _SUFFIX.sub("", fold(h.name))) for h in cands]
    for test in (lambda n: n == q, lambda n: n.startswith(q), lambda n: q in n):
        hits = [h for h, n in cands if test(n)]
        if hits:
            hits.sort(key=lambda h: (_ORDER[h.kind], fold(h.name), h.code))
            return hits[:MAX_HITS]
    return []


def area_code(raw: object, regions: pd.DataFrame) -> str | None:
    """An area given by code or by name ("0861", "Mönsterås", "mönsterås kommun", "Kalmar län") -> its code;
    None when unknown or ambiguous."""
    text = str(raw).strip()
    if text in set(regions["code"]):
        return text
    q = _SUFFIX.sub("", fold(text))
    if not q:
        return None
    names = regions["name"].map(lambda n: _SUFFIX.sub("", fold(n)))
    exact = regions[(names == q) & regions["level"].isin(["municipality", "county", "country"])]
    if len(exact) == 1:
        return str(exact["code"].iloc[0])
    full = regions[regions["name"].map(fold) == fold(text)]  # "Kalmar" kommun vs "Kalmar län": the full name
    return str(full["code"].iloc[0]) if len(full) == 1 else None
