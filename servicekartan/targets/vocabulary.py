"""The targets vocabulary: registry columns, accepted values and limits, statuses and lights; their words and the method text are in
servicekartan.i18n."""

from __future__ import annotations

from servicekartan import datasets, i18n

# The registry's columns and their upload help are the "targets" entry of servicekartan.datasets.
COLUMNS: tuple[str, ...] = datasets.columns("targets")
REQUIRED: tuple[str, ...] = ("target_id", "indicator_id", "value", "year", "direction")
COLUMN_DOCS: dict[str, str] = {c: datasets.column_doc(c, "targets")[0] for c in COLUMNS}

DIRECTIONS = ("at_least", "at_most")
KINDS = ("by_year", "from_year")
SCOPES = ("national", "regional", "local", "example", "user")
YEAR_MIN, YEAR_MAX = 1990, 2100
MAX_BYTES = 256 * 1024
MAX_ROWS = 2000
MAX_TEXT = 500


STATUSES = ("met", "missed", "on_track", "off_track", "pending", "no_data")
LIGHTS: dict[str, str] = {
    "met": "green",
    "on_track": "green",
    "missed": "red",
    "off_track": "red",
    "pending": "grey",
    "no_data": "grey",
}
LIGHT_HEX: dict[str, str] = {"green": "#009E73", "red": "#D55E00", "grey": "#999999"}
LIGHT_SYMBOL: dict[str, str] = {"green": "🟢", "red": "🔴", "grey": "⚪"}
N_LAST = 4
REACH_HORIZON = YEAR_MAX  # a trend reaching the target only after this year counts as "never"


def method_text(lang: str = "sv", n_last: int = N_LAST) -> str:
    """The projection and status method in one paragraph, for the page caption."""
    return i18n.method_section("targets_projection", lang, n=n_last)


def status_label(status: str, lang: str = "en") -> str:
    """A status code ("met", "on_track" …) in words (`target_status.<code>` in the catalog)."""
    return i18n.t(f"target_status.{status}", lang)
