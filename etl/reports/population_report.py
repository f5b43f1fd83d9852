"""Built datasets + seed -> docs/population_report.md and docs/population_report_kommun.csv: grid sums vs official
totals per kommun, and the in-tätort models vs Kolada N00954 (tätortsgrad) for every kommun.

    python -m etl.reports.population_report [--out docs]

Needs the base datasets (`python -m etl build`: regions, villages, population, services); runs the grid
builders in-process (they are pure), so it works before they join the build runner.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from etl import seed_population as sp
from etl.datasets import area_population, grid_access, grid_indicators, grid_population
from servicekartan import catalog, paths
from servicekartan.catalog import DatasetError

COMMAND = "python -m etl.reports.population_report"
TATORT_YEAR = 2020  # the tätort vintage of the snapshot, and the N00954 year it is compared with
MODEL_GRID_YEAR = 2021  # the grid nearest the tätort vintage (Census 2021)


def frames() -> dict[str, pd.DataFrame]:
    """Base datasets from the catalog + the grid datasets built in-process."""
    f = {n: catalog.read(n) for n in ("regions", "villages", "population", "services", "indicators")}
    for mod in (grid_population, area_population, grid_access, grid_indicators):
        f[mod.NAME] = mod.build({k: f[k] for k in mod.INPUTS}).frame
    return f


def official(area_pop: pd.DataFrame, year: int) -> pd.Series:
    a = area_pop[(area_pop["year"] == year) & (area_pop["quality"] == area_population.QUALITY_OFFICIAL)]
    return a.set_index("area_code")["population"]


def kommun_table(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    regions = f["regions"]
    kom = regions[regions["level"] == "municipality"].set_index("code")
    gp, ap = f["grid_population"], f["area_population"]
    sums = gp.groupby(["municipality_code", "year"])["population"].sum().unstack()
    out = pd.DataFrame(index=kom.index)
    out.index.name = "municipality_code"
    out["name"] = kom["name"]
    out["county_code"] = kom["parent_code"]
    for grid_year, off_year in ((2024, 2024), (2021, 2019), (2018, 2018), (2011, 2011), (2006, 2006)):
        g, o = sums[grid_year].reindex(out.index), official(ap, off_year).reindex(out.index)
        out[f"grid_{grid_year}"] = g
        out[f"official_{off_year}" if f"official_{off_year}" not in out else f"official_{off_year}_"] = o
        out[f"diff_pct_{grid_year}_vs_{off_year}"] = (g / o - 1) * 100
    n954 = sp.tatortsgrad()
    n954 = n954[n954["year"] == TATORT_YEAR].set_index("municipality_code")["value"]
    m = gp[gp["year"] == MODEL_GRID_YEAR]
    tot = m.groupby("municipality_code")["population"].sum()
    for col, label in (("in_tatort", "matched"), ("in_tatort_circle", "circle")):
        share = m[m[col]].groupby("municipality_code")["population"].sum().reindex(tot.index).fillna(0) / tot * 100
        out[f"tatort_share_{label}_{MODEL_GRID_YEAR}"] = share.reindex(out.index)
    out[f"n00954_{TATORT_YEAR}"] = n954.reindex(out.index)
    out[f"diff_pp_matched_vs_n00954_{TATORT_YEAR}"] = (
        out[f"tatort_share_matched_{MODEL_GRID_YEAR}"] - out[f"n00954_{TATORT_YEAR}"]
    )
    out[f"diff_pp_circle_vs_n00954_{TATORT_YEAR}"] = (
        out[f"tatort_share_circle_{MODEL_GRID_YEAR}"] - out[f"n00954_{TATORT_YEAR}"]
    )
    g24 = gp[gp["year"] == 2024]
    out["outside_tatort_2024"] = (
        g24[~g24["in_tatort"]].groupby("municipality_code")["population"].sum().reindex(out.index)
    )
    return out.reset_index()


def national_table(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    gp, ap = f["grid_population"], f["area_population"]
    off = grid_population.official_national_totals()
    rows = []
    for year, g in gp.groupby("year"):
        total = g["population"].sum()
        if year in off.index:
            ref, ref_year = off[year], str(year)
        else:
            before, after = off[off.index < year], off[off.index > year]
            ref, ref_year = (
                np.nan,
                f"{before.index[-1]}: {before.iloc[-1]:,.0f}; {after.index[0]}: {after.iloc[0]:,.0f}",
            )
        rows.append(
            {
                "year": int(year),
                "source": g["source"].iloc[0],
                "quality": g["quality"].iloc[0],
                "squares": len(g),
                "grid_total": total,
                "official": ref,
                "official_year": ref_year,
                "diff_pct": (total / ref - 1) * 100 if np.isfinite(ref) else np.nan,
                "in_tatort_pct": g.loc[g["in_tatort"], "population"].sum() / total * 100,
                "in_tatort_circle_pct": g.loc[g["in_tatort_circle"], "population"].sum() / total * 100,
                "age_65plus": g["population_65plus"].sum() if g["population_65plus"].notna().any() else np.nan,
            }
        )
    del ap
    return pd.DataFrame(rows)


def access_check(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """2 km grocery (straight line): grid whole population vs tätort points vs Kolada N07530 (Pipos, real stores)."""
    gi, ind = f["grid_indicators"], f["indicators"]
    sel = gi[(gi["service_type"] == "grocery") & (gi["threshold"] == 2) & (gi["unit"] == "km")]
    k = sp.kolada_kommun_values()
    lr = sp.kolada_lan_riket_values()
    n7530 = pd.concat(
        [
            k[(k["kpi"] == "N07530") & (k["year"] == 2022)].set_index("municipality")["value"],
            lr[(lr["kpi"] == "N07530") & (lr["year"] == 2022)].set_index("municipality")["value"],
        ]
    )
    tp = ind[ind["indicator_id"] == "share_beyond_2km_grocery"].sort_values("year").groupby("area_code")["value"].last()
    rows = []
    for code in ("00", "08", "0861"):
        s = sel[sel["area_code"] == code].set_index(["year", "basis"])["share_within"]
        rows.append(
            {
                "area_code": code,
                "grid_2024_all": s.get((2024, "all")),
                "grid_2024_outside_tatort": s.get((2024, "outside_tatort")),
                "grid_2021_age_65plus": s.get((2021, "age_65plus")),
                "tatort_points": 100.0 - tp.get(code, np.nan),
                "kolada_n07530_2022": n7530.get(code, np.nan),
            }
        )
    return pd.DataFrame(rows)


def _md(df: pd.DataFrame, floatfmt: str = "{:,.1f}") -> str:
    def cell(v) -> str:
        if isinstance(v, float | np.floating):
            if not np.isfinite(v):
                return "–"
            return f"{v:,.0f}" if abs(v) >= 1000 and v == round(v) else floatfmt.format(v)
        return str(v)

    head = "| " + " | ".join(df.columns) + " |\n|" + "---|" * len(df.columns) + "\n"
    return head + "\n".join("| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False))


def render(kom: pd.DataFrame, nat: pd.DataFrame, acc: pd.DataFrame) -> str:
    d24 = kom["diff_pct_2024_vs_2024"]
    dm, dc = kom[f"diff_pp_matched_vs_n00954_{TATORT_YEAR}"], kom[f"diff_pp_circle_vs_n00954_{TATORT_YEAR}"]
    mon = kom[kom["municipality_code"] == "0861"].iloc[0]
    nat_fmt = nat.assign(
        grid_total=nat["grid_total"].map("{:,.0f}".format),
        official=nat["official"].map(lambda v: "–" if not np.isfinite(v) else f"{v:,.0f}"),
        age_65plus=nat["age_65plus"].map(lambda v: "–" if not np.isfinite(v) else f"{v:,.0f}"),
    )
    cols = [
        "municipality_code",
        "name",
        "grid_2024",
        "official_2024",
        "diff_pct_2024_vs_2024",
        "grid_2021",
        "official_2019",
        "diff_pct_2021_vs_2019",
        "grid_2018",
        "diff_pct_2018_vs_2018",
        f"n00954_{TATORT_YEAR}",
        f"tatort_share_matched_{MODEL_GRID_YEAR}",
        f"diff_pp_matched_vs_n00954_{TATORT_YEAR}",
        f"tatort_share_circle_{MODEL_GRID_YEAR}",
        f"diff_pp_circle_vs_n00954_{TATORT_YEAR}",
        "outside_tatort_2024",
    ]
    table = kom[cols].copy()
    for c in ("grid_2024", "official_2024", "grid_2021", "official_2019", "grid_2018", "outside_tatort_2024"):
        table[c] = table[c].map(lambda v: "–" if not np.isfinite(v) else f"{v:,.0f}")
    worst = kom.reindex(d24.abs().sort_values(ascending=False).index).head(10)
    worst_t = kom.reindex(dm.abs().sort_values(ascending=False).index).head(10)
    return f"""# Population report: 1 km grids vs official totals, in-tätort models vs N00954

Generated {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")} by `{COMMAND}` from the embedded snapshot
(data/seed). Full per-kommun table: [population_report_kommun.csv](population_report_kommun.csv).
Grid sums are **grid estimates**; headline figures use the official totals (`area_population`, quality `official`).

## National totals per grid year

The build fails when a grid year's national total is more than 1 % off the official total of the same year
(2021 has no official total in the snapshot: it must lie within 1 % of the 2019-2024 interval).

{_md(nat_fmt, "{:,.2f}")}

## Per kommun: grid sum vs official total

- 2024 (SCB grid, same year): median |difference| {d24.abs().median():.2f} %, 90th percentile {d24.abs().quantile(0.9):.2f} %,
  largest {d24.abs().max():.1f} % ({kom.loc[d24.abs().idxmax(), "name"]}). Border squares are placed by their centre,
  so dense suburbs can be off by several per cent; rural kommuner agree within about 1 %.
- Mönsterås (0861): grid 2024 {mon["grid_2024"]:,.0f} vs official {mon["official_2024"]:,.0f}
  ({mon["diff_pct_2024_vs_2024"]:+.2f} %); official 2019 {mon["official_2019"]:,.0f}.
- 2021 (Census grid) has no official total in the snapshot; the table compares it with 2019 (nearest year),
  so the difference includes two years of change.

Largest 2024 differences:

{_md(worst[["municipality_code", "name", "grid_2024", "official_2024", "diff_pct_2024_vs_2024"]])}

## In a tätort: models vs Kolada N00954 ({TATORT_YEAR})

SCB's tätort polygons are not in the snapshot, so a square's tätort membership is modelled from the tätort
point, land area and published population ({TATORT_YEAR}) and applied to the Census {MODEL_GRID_YEAR} grid:

- **matched** (`in_tatort`, used by every figure): each tätort takes the most populous free squares near its point
  (within 2 x its land-area radius + 3 km)
  until their people best match its population. Mean |difference| from N00954 {dm.abs().mean():.1f} pp,
  median {dm.median():+.1f} pp, 90th percentile of |difference| {dm.abs().quantile(0.9):.1f} pp; Mönsterås
  {mon[f"tatort_share_matched_{MODEL_GRID_YEAR}"]:.1f} % vs {mon[f"n00954_{TATORT_YEAR}"]:.0f} %.
- **circle** (`in_tatort_circle`, the issue's first suggestion): centre within the circle of the land area
  plus half a square. Mean |difference| {dc.abs().mean():.1f} pp, median {dc.median():+.1f} pp: SCB's point is
  often far from the built-up centre (Uppsala's about 5 km west), so the circle misses much of the town.

Both models count whole squares: a fringe square is all in or all out, and the model undercounts the
national tätort share (see the table above: N00954 Riket {TATORT_YEAR} is 88 %). A tätort spanning several
kommuner fills up with its densest squares first, so its thinner suburbs in other kommuner (Tyresö, Täby,
Haninge in Stockholm's tätort) can stay outside: the kommun figures there are the weakest. Each grid year
uses the tätort populations of the nearest vintage in the data (only {TATORT_YEAR} in the snapshot), so the
GEOSTAT years before it fill their tätorter with {TATORT_YEAR}'s people and overstate the tätort share.

Largest differences of the matched model:

{_md(worst_t[["municipality_code", "name", f"n00954_{TATORT_YEAR}", f"tatort_share_matched_{MODEL_GRID_YEAR}", f"diff_pp_matched_vs_n00954_{TATORT_YEAR}"]])}

## Access check: share (%) within 2 km (straight line) of a grocery store

Whole population on the 2024 grid vs the tätort-point figure (each tätort's people on its point, `indicators`)
vs Kolada N07530 2022 (Tillväxtverket/Pipos: real stores, road distance, 250 m squares). The service layer
here is the embedded **modelled** grocery layer (one store at each tätort point above a population rule):
within a large tätort everyone is measured to that one point, so the grid figure is a lower bound until the
observed store layer (OSM, `etl fetch`) replaces it.

{_md(acc)}

## Every kommun

{_md(table)}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__)
    parser.add_argument("--out", type=Path, default=paths.REPO_ROOT / "docs", help="output folder (default docs/)")
    args = parser.parse_args(argv)
    try:
        f = frames()
    except DatasetError as exc:
        print(f"{exc}\n(run `python -m etl build` first)", file=sys.stderr)
        return 1
    kom, nat, acc = kommun_table(f), national_table(f), access_check(f)
    args.out.mkdir(parents=True, exist_ok=True)
    kom.to_csv(args.out / "population_report_kommun.csv", index=False, float_format="%.3f")
    (args.out / "population_report.md").write_text(render(kom, nat, acc), encoding="utf-8")
    print(f"wrote {args.out / 'population_report.md'} and population_report_kommun.csv", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
