"""The targets vocabulary: registry columns, accepted values and limits, statuses and lights, the method text."""

from __future__ import annotations

COLUMNS: tuple[str, ...] = (
    "target_id",
    "indicator_id",
    "value",
    "unit",
    "year",
    "direction",
    "kind",
    "area_code",
    "scope",
    "name_sv",
    "name_en",
    "source",
    "note",
)
REQUIRED: tuple[str, ...] = ("target_id", "indicator_id", "value", "year", "direction")

COLUMN_DOCS: dict[str, str] = {
    "target_id": "unique id, letters/digits/_ - . (max 64), e.g. broadband_2020_95",
    "indicator_id": "indicator the target is measured on, e.g. broadband_100, share_beyond_25km_atm",
    "value": "target value in the indicator's unit (decimal point or comma)",
    "unit": "unit of the value, e.g. % (free text; default empty)",
    "year": "target year, 1990–2100",
    "direction": "at_least (value must reach or exceed) or at_most (must not exceed)",
    "kind": "by_year (reach by the year; default) or from_year (a standing requirement from the year on)",
    "area_code": "00 Sverige (default), 2-digit län or 4-digit kommun code",
    "scope": "national, regional, local, example or user (default user for uploads)",
    "name_sv": "name in Swedish (default: the target_id)",
    "name_en": "name in English (default: the Swedish name)",
    "source": "where the target comes from (law, strategy, programme)",
    "note": "anything a reader should know (approximations, what the indicator measures)",
}

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
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "met": ("Uppnått", "Met"),
    "missed": ("Ej uppnått", "Missed"),
    "on_track": ("På väg", "On track"),
    "off_track": ("Inte på väg", "Off track"),
    "pending": ("Ej bedömt än", "Pending"),
    "no_data": ("Uppgift saknas", "No data"),
}

N_LAST = 4
REACH_HORIZON = YEAR_MAX  # a trend reaching the target only after this year counts as "never"
METHOD_EN = (
    "Projection: ordinary least-squares line through the last {n} observed years of the latest series "
    "segment (never across a series break, i.e. a change of measurement base). The status of a past "
    "target uses the observation of the target year, else a straight line between the observations "
    "either side of it in the same segment, else both neighbours when they agree."
)
METHOD_SV = (
    "Framskrivning: linjär trend (minsta kvadrat) genom de senaste {n} observerade åren i seriens "
    "senaste avsnitt (aldrig över ett seriebrott, dvs. byte av mätbas). Status för ett passerat mål "
    "bygger på målårets observation, annars rak linje mellan observationerna på var sida inom samma "
    "avsnitt, annars på båda grannarna när de ger samma besked."
)


def method_text(lang: str = "sv", n_last: int = N_LAST) -> str:
    """The projection and status method in one paragraph, for the page caption."""
    return (METHOD_SV if lang == "sv" else METHOD_EN).format(n=n_last)


def status_label(status: str, lang: str = "en") -> str:
    """A status code ("met", "on_track" …) in words."""
    sv, en = STATUS_LABELS[status]
    return sv if lang == "sv" else en
