"""Servicepunkt business case: investment, running costs, staff and grants -> annual cost, financing, comparisons.

Method (origin material, stated in ../shared/DOMAIN.md):

* investment = building work + equipment;
* annual cost *without grants* = straight-line depreciation (investment / years)
  + interest on the average tied-up capital (rate × investment / 2)
  + running costs (heating, electricity, insurance) + staff (FTE share × cost per FTE);
* with grants covering the investment, the annual cost is the running costs + staff only.

Partial grants (our rule, stated on the page): grants are set against the investment; the capital
cost (depreciation + interest) is charged only on the part the grants do not cover, i.e. it is
multiplied by (1 − covered share), covered share = min(1, grants / investment). Grants beyond the
investment do not lower the running costs; they are reported as `grant_surplus`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np
import pandas as pd

from servicekartan import i18n
from servicekartan.i18n import t


class InvalidCostInputs(ValueError):
    """CostInputs that cannot be used: the message is English; `text(lang)` gives it in a language."""

    def __init__(self, problems: Mapping[str, Sequence[str]]) -> None:
        self._texts = {lang: "; ".join(found) for lang, found in problems.items()}
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        return self._texts[i18n.lang_code(lang)]


@dataclass(frozen=True)
class CostInputs:
    """Inputs of the business case; all amounts in kronor (kr), `rate` as a fraction (0.03 = 3 %).

    `running` is the yearly running cost of the premises (heating, electricity, insurance, …);
    `grants` maps financier -> kr contributed toward the investment.
    """

    building: float
    equipment: float = 0.0
    years: float = 20.0
    rate: float = 0.03
    running: float = 0.0
    fte: float = 0.0
    cost_per_fte: float = 0.0
    grants: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A read-only copy: a shared constant such as FLISERYD_ACTUAL cannot be changed by a caller.
        object.__setattr__(self, "grants", MappingProxyType({str(k): float(v) for k, v in self.grants.items()}))
        if self.problems():
            raise InvalidCostInputs({lang: self.problems(lang) for lang in i18n.LANGS})

    def problems(self, lang: str = "en") -> list[str]:
        """Plain-language problems with the inputs (empty list = valid), in a language (`cost_problem.*`)."""
        out = []
        for name in ("building", "equipment", "running", "fte", "cost_per_fte"):
            v = getattr(self, name)
            if not np.isfinite(v) or v < 0:
                out.append(t("cost_problem.not_negative", lang, name=name, v=v))
        if not np.isfinite(self.years) or self.years <= 0:
            out.append(t("cost_problem.years", lang, v=self.years))
        if not np.isfinite(self.rate) or not 0 <= self.rate < 1:
            out.append(t("cost_problem.rate", lang, v=self.rate))
        for who, amount in self.grants.items():
            if not np.isfinite(amount) or amount < 0:
                out.append(t("cost_problem.grant", lang, who=who, v=amount))
        return out

    @property
    def investment(self) -> float:
        return float(self.building + self.equipment)

    @property
    def staff(self) -> float:
        return float(self.fte * self.cost_per_fte)

    @property
    def grants_total(self) -> float:
        return float(sum(self.grants.values()))


# The items of `CostResult.as_frame`, in reading order (labels in the catalog: cost_item.<attribute>).
_FRAME_ITEMS: tuple[str, ...] = (
    "investment",
    "depreciation",
    "interest",
    "running",
    "staff",
    "annual_without_grants",
    "grants_total",
    "annual_with_grants",
)


@dataclass(frozen=True)
class CostResult:
    """The business case, per year unless named otherwise (kr)."""

    investment: float
    depreciation: float
    interest: float
    capital_cost: float  # depreciation + interest
    running: float
    staff: float
    annual_without_grants: float
    grants_total: float
    covered_share: float  # of the investment, 0..1
    uncovered_investment: float
    grant_surplus: float  # grants beyond the investment (not used)
    capital_cost_with_grants: float
    annual_with_grants: float

    def as_frame(self, lang: str = "sv") -> pd.DataFrame:
        """The result as a two-column table (item, kr) in reading order."""
        items = [(t(f"cost_item.{a}", lang), getattr(self, a)) for a in _FRAME_ITEMS]
        return pd.DataFrame(items, columns=["item", "kr"])


def business_case(inputs: CostInputs) -> CostResult:
    """Annual cost without and with grants, exactly by the method in the module docstring."""
    inv = inputs.investment
    depreciation = inv / inputs.years
    interest = inputs.rate * inv / 2
    capital = depreciation + interest
    grants = inputs.grants_total
    covered = 1.0 if inv == 0 else min(1.0, grants / inv)
    capital_with = capital * (1.0 - covered)
    return CostResult(
        investment=inv,
        depreciation=depreciation,
        interest=interest,
        capital_cost=capital,
        running=float(inputs.running),
        staff=inputs.staff,
        annual_without_grants=capital + inputs.running + inputs.staff,
        grants_total=grants,
        covered_share=covered,
        uncovered_investment=max(0.0, inv - grants),
        grant_surplus=max(0.0, grants - inv),
        capital_cost_with_grants=capital_with,
        annual_with_grants=capital_with + inputs.running + inputs.staff,
    )


def financing_split(inputs: CostInputs, lang: str = "sv") -> pd.DataFrame:
    """Who pays the investment: financier, kr, share of the investment (0..1); a row for the uncovered
    remainder when grants fall short (catalog: cost.not_covered). Ready for a bar or pie chart."""
    inv = inputs.investment
    rows = [(who, float(kr)) for who, kr in inputs.grants.items()]
    rest = inv - inputs.grants_total
    if rest > 0.5:  # ignore rounding crumbs below 1 kr
        rows.append((t("cost.not_covered", lang), rest))
    df = pd.DataFrame(rows, columns=["financier", "kr"])
    df["share"] = df["kr"] / inv if inv > 0 else np.nan
    return df


# Items compared by `compare`: attributes on CostInputs or CostResult (labels in the catalog: cost_item.<attribute>).
_COMPARE_ITEMS: tuple[str, ...] = (
    "building",
    "equipment",
    "investment",
    "years",
    "rate",
    "running",
    "fte",
    "staff",
    "grants_total",
    "annual_without_grants",
    "annual_with_grants",
)


def compare(pre: CostInputs, post: CostInputs, lang: str = "sv") -> pd.DataFrame:
    """Pre-calculation (förkalkyl) vs post-calculation (efterkalkyl): one row per item with both values,
    the difference (post − pre) and the relative difference (NaN when pre is 0)."""
    rp, rq = business_case(pre), business_case(post)
    rows = []
    for attr in _COMPARE_ITEMS:
        a = getattr(rp, attr) if hasattr(rp, attr) else getattr(pre, attr)
        b = getattr(rq, attr) if hasattr(rq, attr) else getattr(post, attr)
        rows.append((attr, t(f"cost_item.{attr}", lang), float(a), float(b)))
    df = pd.DataFrame(rows, columns=["item_id", "item", "pre", "post"])
    df["difference"] = df["post"] - df["pre"]
    df["difference_pct"] = np.where(df["pre"] != 0, 100 * df["difference"] / df["pre"].where(df["pre"] != 0), np.nan)
    return df


def compare_shown(cmp: pd.DataFrame, lang: str = "sv") -> pd.DataFrame:
    """`compare` as the page shows it: every value with the decimals it has, in the language's style — the rate
    as a percentage ("3 %", "2,5 %"), staff posts with their decimals ("0,2"), kronor whole ("545 333")."""
    from servicekartan import fmt

    def shown(item: str, v: float, signed: bool = False) -> str:
        v = v * 100 if item == "rate" else v
        text = fmt.number(v, lang, fmt.decimals_of(v, 2 if item in ("rate", "fte", "years") else 0))
        text = "+" + text if signed and v > 0 else text
        return text + i18n.catalog(lang)["fmt.percent"] if item == "rate" else text

    return pd.DataFrame(
        {
            "item": cmp["item"],
            "pre": [shown(i, v) for i, v in zip(cmp["item_id"], cmp["pre"], strict=True)],
            "post": [shown(i, v) for i, v in zip(cmp["item_id"], cmp["post"], strict=True)],
            "difference": [shown(i, v, signed=True) for i, v in zip(cmp["item_id"], cmp["difference"], strict=True)],
        }
    )


def sensitivity(
    inputs: CostInputs,
    years: Sequence[float] = (5, 10, 15, 20, 25),
    rates: Sequence[float] = (0.01, 0.02, 0.03, 0.04, 0.05, 0.06),
    with_grants: bool = False,
) -> pd.DataFrame:
    """Annual cost for every (depreciation years, interest rate): rows = years, columns = rates (fractions).

    Without grants the cost falls with more years and rises with a higher rate; with full grants it
    does not move (the capital cost is covered).
    """
    attr = "annual_with_grants" if with_grants else "annual_without_grants"
    table = {r: [getattr(business_case(replace(inputs, years=y, rate=r)), attr) for y in years] for r in rates}
    df = pd.DataFrame(table, index=pd.Index(list(years), name="years"))
    df.columns.name = "rate"
    return df


# --------------------------------------------------------------------------------------------
# Fliseryd, actual outcome (DOMAIN.md)
# --------------------------------------------------------------------------------------------

FLISERYD_INVESTMENT = 545_333.0  # finished and equipped premises, kr
FLISERYD_FINANCING: dict[str, float] = {
    "Regionförbundet i Kalmar län": 242_381.0,
    "Häradssparbanken": 200_000.0,
    "Mönsterås kommun": 102_952.0,
}
FLISERYD_RUNNING = 30_000.0  # heating etc. per year, paid by the kommun
FLISERYD_FTE = 0.2
FLISERYD_STAFF = 70_000.0  # 0.2 FTE per year
FLISERYD_ANNUAL_COST = 100_000.0  # running + staff per year, paid by the kommun

# The source reports the finished and equipped premises as one sum, and neither a depreciation
# period nor an interest rate: 20 years and 3 % are assumptions for the "without grants" view only.
FLISERYD_ASSUMED_YEARS = 20.0
FLISERYD_ASSUMED_RATE = 0.03


def fliseryd_note(lang: str = "sv") -> str:
    """The Fliseryd outcome and the assumptions behind its figures, in a language (catalog: cost.fliseryd_note)."""
    return t("cost.fliseryd_note", lang)


FLISERYD_ACTUAL = CostInputs(
    building=FLISERYD_INVESTMENT,  # building/equipment split not reported: the total is entered as building
    equipment=0.0,
    years=FLISERYD_ASSUMED_YEARS,
    rate=FLISERYD_ASSUMED_RATE,
    running=FLISERYD_RUNNING,
    fte=FLISERYD_FTE,
    cost_per_fte=FLISERYD_STAFF / FLISERYD_FTE,  # 350,000 kr per FTE and year
    grants=dict(FLISERYD_FINANCING),
)
