"""Page-level data assembly (pure pandas): the rows and figures a page shows for an area and year."""

from __future__ import annotations

import functools

import pandas as pd

from servicekartan import areas, servicepoints
from servicekartan.definitions import QUALITY_MODELLED, SERVICE_TYPE_IDS
from servicekartan.i18n import code_label, t


def compact(frame: pd.DataFrame, max_share: float = 0.25) -> pd.DataFrame:
    """The frame with its text columns of few distinct values (at most `max_share` of the rows) as categoricals.

    For the square-level grid datasets held by the server for every session: `grid_access` (1.9 million rows)
    takes ~276 MB with its codes, types, methods and qualities as strings and ~80 MB as categoricals. Values
    read the same; a new value cannot be assigned into a categorical column, so derived frames are built with
    concat (object columns) and compacted again."""
    cats = {}
    for col in frame.columns:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype) or not (pd.api.types.is_string_dtype(s) or s.dtype == object):
            continue
        cat = s.astype("category")  # one hashing pass; kept only where the values repeat enough
        if len(s) and len(cat.cat.categories) <= max_share * len(s):
            cats[col] = cat
    return frame.assign(**cats) if cats else frame


class FrameIndex:
    """Row positions of a large shared frame by the values of some columns.

    A boolean mask over a national frame (`indicators` ~370,000 rows, `village_access` ~145,000) costs tens of
    milliseconds per lookup and a page makes several; here a lookup takes just the rows it needs (cached per
    value). The frames it returns are shared: callers filter or assign, never modify them in place."""

    def __init__(self, frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
        self.frame = frame
        self._positions = {c: frame.groupby(c, sort=False).indices for c in columns}
        self.get = functools.lru_cache(maxsize=512)(self._get)

    def values(self, column: str) -> list:
        """The distinct values of an indexed column, sorted."""
        return sorted(self._positions[column])

    def _get(self, column: str, value: object) -> pd.DataFrame:
        """The rows whose `column` equals `value` (an empty frame if none)."""
        positions = self._positions[column].get(value)
        return self.frame.iloc[0:0] if positions is None else self.frame.take(positions)


class IndicatorIndex(FrameIndex):
    """The `indicators` dataset by area and by indicator, plus which indicators and years exist."""

    def __init__(self, frame: pd.DataFrame) -> None:
        super().__init__(frame, ("area_code", "indicator_id"))
        years = frame.groupby(["indicator_id", "level"], sort=False)["year"].unique()
        self._years = {key: sorted(int(y) for y in ys) for key, ys in years.items()}

    def area(self, code: str) -> pd.DataFrame:
        """Every indicator row of one area (Sverige "00", a län or a kommun)."""
        return self.get("area_code", code)

    def indicator(self, indicator_id: str) -> pd.DataFrame:
        """One indicator for every area and year."""
        return self.get("indicator_id", indicator_id)

    def indicators(self, *ids: str) -> pd.DataFrame:
        return pd.concat([self.indicator(i) for i in ids], ignore_index=True)

    def ids(self, level: str | None = None, prefix: str = "") -> list[str]:
        return sorted({i for i, lv in self._years if (level is None or lv == level) and i.startswith(prefix)})

    def years(self, indicator_id: str | None = None, level: str | None = None, prefix: str = "") -> list[int]:
        """Years with data for an indicator (or every indicator starting with `prefix`), optionally at a level."""
        out: set[int] = set()
        for (i, lv), ys in self._years.items():
            if (indicator_id is None or i == indicator_id) and (level is None or lv == level) and i.startswith(prefix):
                out.update(ys)
        return sorted(out)


def area_mask(frame: pd.DataFrame, area: str, municipality_col: str = "municipality_code") -> pd.Series:
    """Rows of `frame` inside the area (Sverige, a län by 2-digit code or a kommun by 4-digit code)."""
    return areas.in_area(frame[municipality_col], area)


def latest_population(population: pd.DataFrame, year: int | None = None) -> pd.Series:
    """Village population of `year` (or the latest year) indexed by village id."""
    pop = population[population["level"] == "village"]
    if year is not None:
        pop = pop[pop["year"] <= year]
    return pop.sort_values("year").groupby("area_code")["population"].last()


def villages_in_area(villages: pd.DataFrame, population: pd.DataFrame, area: str) -> pd.DataFrame:
    v = villages[area_mask(villages, area)].copy()
    v["population"] = v["village_id"].map(latest_population(population))
    return v.sort_values("population", ascending=False, ignore_index=True)


def service_counts(services: pd.DataFrame, area: str, year: int | None = None) -> pd.DataFrame:
    """Number of service points per type in the area (active in `year` if given), with quality."""
    s = services[area_mask(services, area)]
    if year is not None:
        opened = s["opened"].fillna(-10_000)
        closed = s["closed"].fillna(10_000)
        s = s[(opened <= year) & (year < closed)]
    g = s.groupby("service_type").agg(
        count=("service_id", "size"), modelled=("quality", lambda q: (q == QUALITY_MODELLED).any())
    )
    g = g.reindex(list(SERVICE_TYPE_IDS))
    g["count"] = g["count"].fillna(0).astype(int)
    g["modelled"] = g["modelled"].fillna(False).astype(bool)
    return g.reset_index()


def indicator_value(
    indicators: pd.DataFrame, area: str, indicator_id: str, year: int | None = None
) -> tuple[float, int | None]:
    """(value, year) of an indicator for an area: the given year, else the latest; NaN if none."""
    rows = indicators[(indicators["area_code"] == area) & (indicators["indicator_id"] == indicator_id)]
    if year is not None:
        rows = rows[rows["year"] == year]
    if rows.empty:
        return float("nan"), None
    row = rows.sort_values("year").iloc[-1]
    return float(row["value"]), int(row["year"])


def kommun_values(indicators: pd.DataFrame, indicator_id: str, year: int, county: str | None = None) -> pd.DataFrame:
    """One indicator per kommun for a year (for the choropleth), optionally within one län."""
    rows = indicators[
        (indicators["indicator_id"] == indicator_id)
        & (indicators["level"] == "municipality")
        & (indicators["year"] == year)
    ]
    if county:
        rows = rows[areas.in_area(rows["area_code"], county)]
    return rows[["area_code", "value", "quality"]].reset_index(drop=True)


def access_for_year(access: pd.DataFrame, year: int) -> pd.DataFrame:
    return access[access["year"] == year]


def village_table(
    villages: pd.DataFrame,
    population: pd.DataFrame,
    access: pd.DataFrame | None,
    area: str,
    year: int,
    service_type: str,
    threshold_km: float,
    min_pop: int = 0,
    max_pop: int | None = None,
    lacking_only: bool = False,
) -> pd.DataFrame:
    """Villages of an area with their distance to one service type; optionally only those without it within N km.

    A village with no service of the type anywhere (distance missing) counts as lacking it.
    """
    v = villages_in_area(villages, population, area)
    v = v[(v["population"].fillna(0) >= min_pop) & ((max_pop is None) | (v["population"].fillna(0) <= (max_pop or 0)))]
    if access is None:
        v = v.assign(distance_km=float("nan"), road_km=float("nan"), minutes=float("nan"), method="", quality="")
    else:
        a = access[(access["year"] == year) & (access["service_type"] == service_type)]
        cols = ["village_id", "nearest_service_id", "distance_km", "road_km", "minutes", "method", "quality"]
        v = v.merge(a[cols], on="village_id", how="left")
    if lacking_only:
        v = v[~(v["distance_km"] <= threshold_km)]
    return v.reset_index(drop=True)


def distance_matrix(access: pd.DataFrame, village_ids: pd.Series, year: int, types: tuple[str, ...]) -> pd.DataFrame:
    """Village x service type straight-line km for one year (wide, for the village table)."""
    a = access[(access["year"] == year) & access["village_id"].isin(village_ids) & access["service_type"].isin(types)]
    return a.pivot(index="village_id", columns="service_type", values="distance_km").reindex(columns=list(types))


def nearest_services(access: pd.DataFrame, services: pd.DataFrame, village_id: str, year: int) -> pd.DataFrame:
    """The nearest service of each type for a village and year, with its name, distances and quality."""
    a = access[(access["village_id"] == village_id) & (access["year"] == year)]
    s = services[["service_id", "name", "source"]].rename(columns={"service_id": "nearest_service_id"})
    out = a.merge(s, on="nearest_service_id", how="left")
    order = {t: i for i, t in enumerate(SERVICE_TYPE_IDS)}
    return out.sort_values("service_type", key=lambda c: c.map(order)).reset_index(drop=True)


def access_over_years(access: pd.DataFrame, village_id: str) -> pd.DataFrame:
    """Distance per service type and year for one village (for the change-over-time chart)."""
    a = access[access["village_id"] == village_id]
    return a[["year", "service_type", "distance_km", "quality"]].sort_values(["service_type", "year"])


def peers(villages: pd.DataFrame, population: pd.DataFrame, village_id: str, n: int = 6) -> pd.DataFrame:
    """Villages of similar size in the same län: the n closest in population (the village itself first)."""
    pop = latest_population(population)
    v = villages.assign(population=villages["village_id"].map(pop))
    me = v[v["village_id"] == village_id]
    if me.empty:
        return me
    same = v[(v["county_code"] == me["county_code"].iloc[0]) & (v["village_id"] != village_id)]
    gap = (same["population"] - me["population"].iloc[0]).abs()
    return pd.concat([me, same.loc[gap.nsmallest(n).index]], ignore_index=True)


def population_series(population: pd.DataFrame, village_id: str) -> pd.DataFrame:
    return population[population["area_code"] == village_id].sort_values("year")[["year", "population", "source"]]


def data_freshness(metas: dict[str, dict], rows: dict[str, int], lang: str = "sv") -> pd.DataFrame:
    """One row per dataset: its name and what it is in the page's language, then the build's record (source,
    licence, attribution, retrieval and build dates), its quality in words and its rows (from Parquet metadata)."""
    out = []
    for name, m in metas.items():
        out.append(
            {
                "dataset": t(f"dataset_name.{name}", lang),
                "about": t(f"dataset_about.{name}", lang),
                "source": m.get("source", ""),
                "licence": m.get("licence", ""),
                "attribution": m.get("attribution", ""),
                "retrieved": m.get("retrieved", ""),
                "built_at": str(m.get("built_at", ""))[:19],
                "quality": code_label(m.get("quality", ""), lang),
                "rows": rows.get(name),
            }
        )
    return pd.DataFrame(out)


def fetch_status_table(status: pd.DataFrame, lang: str = "sv") -> pd.DataFrame:
    """The `data_status` rows for the method page, each source's status in words ("seed" -> the embedded snapshot)."""
    return status.assign(status=status["status"].map(lambda c: code_label(c, lang)))


DISTANCE_BANDS: tuple[float, ...] = (0, 2, 5, 10, 15, 20, 25)


def distance_bands(table: pd.DataFrame, lang: str = "sv") -> pd.DataFrame:
    """Population per straight-line distance band (0–2, 2–5, … , >25 km, and 'no service' when missing)."""
    edges = list(DISTANCE_BANDS) + [float("inf")]
    labels = [f"{a:g}–{b:g} km" for a, b in zip(edges[:-2], edges[1:-1], strict=True)] + [f">{edges[-2]:g} km"]
    d = table["distance_km"]
    band = pd.cut(d, bins=edges, labels=labels, right=False, include_lowest=True)
    pop = table["population"].fillna(0)
    out = pop.groupby(band, observed=False).sum().reindex(labels).fillna(0)
    missing = float(pop[d.isna()].sum())
    res = pd.DataFrame({"band": labels, "population": out.to_numpy()})
    if missing:
        res.loc[len(res)] = [code_label("no_service", lang), missing]
    return res


def beyond_by_kommun(
    indicators: pd.DataFrame, area: str, threshold_km: int, service_type: str, year: int
) -> pd.DataFrame:
    """Population and share beyond the threshold per kommun in the area, for a year (sortable table rows)."""
    pid, sid = f"pop_beyond_{threshold_km}km_{service_type}", f"share_beyond_{threshold_km}km_{service_type}"
    rows = indicators[
        indicators["indicator_id"].isin([pid, sid])
        & (indicators["level"] == "municipality")
        & (indicators["year"] == year)
    ]
    rows = rows[areas.in_area(rows["area_code"], area)]
    wide = rows.pivot_table(index="area_code", columns="indicator_id", values="value", aggfunc="first")
    wide = wide.reindex(columns=[pid, sid]).rename(columns={pid: "pop_beyond", sid: "share_beyond"})
    return wide.reset_index().sort_values("pop_beyond", ascending=False, ignore_index=True)


def trend(indicators: pd.DataFrame, area: str, indicator_id: str) -> pd.DataFrame:
    rows = indicators[(indicators["area_code"] == area) & (indicators["indicator_id"] == indicator_id)]
    return rows.sort_values("year")[["year", "value", "quality"]]


def scenario_areas(areas: pd.DataFrame, area: str, unit: str = "km") -> pd.DataFrame:
    """The scenario's change in population beyond each threshold for the chosen area (or Sverige)."""
    a = areas[(areas["unit"] == unit) & (areas["area_code"] == area)]
    return a[["service_type", "threshold", "pop_before", "pop_after", "pop_change", "share_before", "share_after"]]


def active_services(services: pd.DataFrame, area: str, service_type: str, year: int) -> pd.DataFrame:
    """Services of a type active in a year within an area (for the close-a-service list)."""
    s = services[(services["service_type"] == service_type) & area_mask(services, area)]
    opened = s["opened"].fillna(-10_000)
    closed = s["closed"].fillna(10_000)
    return s[(opened <= year) & (year < closed)].sort_values("name")


def access_cards(
    indicators: pd.DataFrame, area: str, types: tuple[str, ...], km: int, year: int, base_year: int | None
) -> pd.DataFrame:
    """Per service type: share of the tätort population beyond `km` in `year` and in `base_year`, and the change."""
    prefix = f"share_beyond_{km}km_"
    sub = indicators[(indicators["area_code"] == area)]
    sub = sub[sub["indicator_id"].str.startswith(prefix)]
    rows = []
    for s in types:
        rows_s = sub[sub["indicator_id"] == prefix + s]
        now, _ = indicator_value(rows_s, area, prefix + s, year)
        before, _ = (
            indicator_value(rows_s, area, prefix + s, base_year) if base_year is not None else (float("nan"), None)
        )
        modelled = bool((rows_s["quality"] == QUALITY_MODELLED).any())
        rows.append(
            {"service_type": s, "share": now, "base_share": before, "change": now - before, "modelled": modelled}
        )
    return pd.DataFrame(rows)


def village_labels(villages: pd.DataFrame, names: dict[str, str]) -> dict[str, str]:
    """Village id -> "Name (Kommun)" for pickers."""
    labels = villages["name"] + " (" + villages["municipality_code"].map(names) + ")"
    return dict(zip(villages["village_id"], labels, strict=True))


def service_labels(services: pd.DataFrame, names: dict[str, str]) -> dict[str, str]:
    """Service id -> "Name (Kommun)" for pickers ("?" for a service without a name); a name that already says its
    place gets the kommun inside the same brackets: "Apotek Hjärtat (Blomstermåla, Mönsterås)"."""
    out = {}
    for sid, name, code in zip(services["service_id"], services["name"], services["municipality_code"], strict=True):
        name, kommun = (name if isinstance(name, str) and name else "?"), names.get(code, code)
        if name.endswith(")") and "(" in name:
            place = name[name.rindex("(") + 1 : -1]
            out[sid] = name if place == kommun else f"{name[:-1]}, {kommun})"
        else:
            out[sid] = f"{name} ({kommun})"
    return out


def affected(villages: pd.DataFrame) -> tuple[float, int]:
    """(people, villages) among a scenario's changed village rows, each village counted once."""
    return villages.drop_duplicates("village_id")["population"].sum(), villages["village_id"].nunique()


def planned_points(village_id: str, service_types: list[str], name: str) -> list[dict]:
    """The service points a what-if opens: one per type in the chosen village (none without a village)."""
    return [{"service_type": s, "village_id": village_id, "name": name} for s in service_types] if village_id else []


def register_rows(
    register: pd.DataFrame, names: dict[str, str], labels: dict[str, str], lang: str = "sv"
) -> pd.DataFrame:
    """The servicepunkt register as shown: kommun name, status, service types and offered services in words."""
    return register.assign(
        municipality=register["municipality_code"].map(names),
        status=register["status"].map(lambda s: code_label(s, lang)),
        service_types=register["service_types"].map(
            lambda s: ", ".join(labels.get(x, x) for x in servicepoints.split_list(s))
        ),
        offered=register["offered"].map(lambda s: servicepoints.offered_labels(s, lang)),
    )


def grants_from_table(table: pd.DataFrame) -> dict[str, float]:
    """Financier -> kr from the grants editor: incomplete rows and blank financiers are left out."""
    return {str(r["financier"]): float(r["kr"]) for _, r in table.dropna().iterrows() if str(r["financier"]).strip()}
