"""URL-bound widgets: selections seeded from and written back to the link, with warnings for bad parameters."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, urlencode

import pandas as pd
import streamlit as st

from servicekartan.i18n import t
from servicekartan.ui.state import lang

_RUN = threading.local()  # per script-run: the container under the title where URL warnings go

# Every parameter a link may carry (the keys of the url_* widgets, the area picker, language, presenter, search).
# Anything else is dropped from the URL, the stable link and the citation. A new URL-bound widget adds its key
# here (tests/test_url_keys.py finds keys used in the code that are missing).
KNOWN_PARAMS: frozenset[str] = frozenset(
    {
        "lang", "present", "slide", "deck", "area", "q",  # fmt: skip
        "svc", "km", "year", "years", "basis", "mapyear", "ind", "target",
        "village", "lacking", "minpop", "maxpop", "ds", "types",
        "close", "open", "opentypes", "sptypes",
        "building", "equipment", "depyears", "rate", "running", "fte", "perfte", "grants",
        "own", "build",  # a link made with own data says so, and names its data build (ui/own_layer.py)
    }
)  # fmt: skip


def drop_unknown_params() -> None:
    """Remove parameters no widget reads (typos, trackers, a 5,000-character junk value) from the URL."""
    for key in [k for k in st.query_params if k not in KNOWN_PARAMS]:
        del st.query_params[key]
    seen = st.session_state.get("_url_seen", {})
    for key in [k for k in seen if k not in KNOWN_PARAMS]:
        del seen[key]


def queue_warning(msg: str) -> None:
    """Keep a message for the warnings box under the page title (shown by `show_url_warnings`)."""
    warnings = st.session_state.setdefault("_url_warnings", [])
    if msg not in warnings:
        warnings.append(msg)


def safe_snippet(raw: object, limit: int = 40) -> str:
    """User text made inert for a message: printable chars only, no markdown specials, truncated."""
    s = str(raw)
    s = re.sub(r"[^\w\s\-.,:åäöÅÄÖéü]", "?", s)[:limit]
    return s + ("…" if len(str(raw)) > limit else "")


def warn_param(name: str, raw: object) -> None:
    msg = t("bad_param", lang(), name=name) + f" ({safe_snippet(raw)})"
    box = getattr(_RUN, "box", None)
    if box is not None:  # the page header is drawn: write in place, under the title
        box.warning(msg, icon="⚠️")
    else:
        queue_warning(msg)


def start_run() -> None:
    """A new script run: URL warnings queue until the page header opens its box."""
    _RUN.box = None


def show_url_warnings() -> None:
    """Open the warnings box under the title; earlier warnings go in now, later ones as widgets parse the URL."""
    _RUN.box = st.container()
    for msg in st.session_state.setdefault("_url_warnings", []):
        _RUN.box.warning(msg, icon="⚠️")
    st.session_state["_url_warnings"] = []


def url_value(
    key: str,
    options: Sequence[Any],
    default: Any,
    parse: Callable[[str], Any] = str,
    on_invalid: Callable[[str], None] | None = None,
) -> None:
    """Seed `st.session_state[key]` from the URL on first use in a session; invalid values warn."""
    if key in st.session_state and st.session_state[key] in options:
        # Written again on purpose: a persisted value is otherwise ignored by the same key's widget on another page.
        st.session_state[key] = st.session_state[key]
        return
    raw = url_param(key)
    value = default
    if raw is not None:
        try:
            parsed = parse(raw)
        except (ValueError, TypeError):
            parsed = None
        if parsed in options:
            value = parsed
        elif on_invalid:
            on_invalid(raw)
        else:
            warn_param(key, raw)
    st.session_state[key] = value


def remember_url() -> None:
    """Keep this session's link parameters: a page switch empties the URL, the next page still finds them."""
    seen = st.session_state.setdefault("_url_seen", {})
    seen.update(st.query_params.to_dict())


def url_param(key: str) -> str | None:
    """A link parameter from the URL, else from earlier in this session (it was in the link the user opened)."""
    raw = st.query_params.get(key)
    return raw if raw is not None else st.session_state.get("_url_seen", {}).get(key)


def sync_url(key: str, value: Any, default: Any) -> None:
    """Write a selection to the URL so links reproduce the view.

    A default value is left out of a link that does not name it, but a link that names it keeps it: a shared
    `year=2020` must stay 2020, not turn into "the latest year" when new data arrives. None removes the key."""
    if value is None:
        if key in st.query_params:
            del st.query_params[key]
        st.session_state.get("_url_seen", {}).pop(key, None)
        return
    text = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    if value == default and key not in st.query_params:
        return
    if st.query_params.get(key) != text:
        st.query_params[key] = text
    st.session_state.setdefault("_url_seen", {})[key] = text


def url_select(
    label: str,
    options: Sequence[Any],
    key: str,
    default: Any = None,
    format_func: Callable[[Any], str] = str,
    parse: Callable[[str], Any] = str,
    widget: Callable[..., Any] | None = None,
    container: Any = None,
    **kwargs: Any,
) -> Any:
    """A selectbox (or radio/select_slider) whose value lives in the URL as a code and survives page switches."""
    options = list(options)
    default = options[0] if default is None and options else default
    url_value(key, options, default, parse)
    box = container or st
    widget = widget or box.selectbox
    value = widget(label, options, key=key, format_func=format_func, persist_state="session", **kwargs)
    sync_url(key, value, default)
    return value


def url_multiselect(label: str, options: Sequence[Any], key: str, default: Sequence[Any], **kwargs: Any) -> list:
    options = list(options)
    if key not in st.session_state:
        raw = url_param(key)
        value = list(default)
        if raw is not None:
            items = [x for x in str(raw).split(",") if x]
            good = [x for x in items if x in options]
            if len(good) != len(items):
                warn_param(key, raw)
            value = good or list(default)
        st.session_state[key] = value
    else:
        st.session_state[key] = [x for x in st.session_state[key] if x in options]  # see url_value
    kwargs.setdefault("placeholder", t("choose_options", lang()))
    value = st.multiselect(label, options, key=key, persist_state="session", **kwargs)
    sync_url(key, list(value), list(default))
    return value


def url_int(label: str, lo: int, hi: int, key: str, default: int, widget: str = "slider", **kwargs: Any) -> int:
    """An integer slider/number input bound to the URL; out-of-range or garbage values warn and fall back."""
    options = range(lo, hi + 1)

    def parse(raw: str) -> int:
        if len(raw) > 12:
            raise ValueError(raw)
        return int(raw)

    url_value(key, options, default, parse)
    if widget == "slider":
        value = st.slider(label, lo, hi, key=key, persist_state="session", **kwargs)
    else:
        value = st.number_input(label, lo, hi, key=key, persist_state="session", **kwargs)
    sync_url(key, int(value), default)
    return int(value)


def url_bool(label: str, key: str, default: bool = False, container: Any = None, **kwargs: Any) -> bool:
    """A checkbox bound to the URL as `key=1` (`key=0` when a link turns a default-on box off)."""
    url_value(key, (True, False), default, parse=_parse_bool)
    value = bool((container or st).checkbox(label, key=key, persist_state="session", **kwargs))
    sync_url(key, "1" if value else "0", "1" if default else "0")
    return value


def _parse_bool(raw: str) -> bool:
    low = raw.strip().lower()
    if low in ("1", "true", "yes", "on", "ja"):
        return True
    if low in ("0", "false", "no", "off", "nej"):
        return False
    raise ValueError(raw)


def _plain(value: float) -> str:
    """A number as the URL carries it, whatever the page language: 545333, 0.2, 2.5."""
    return f"{value:.10g}"


def url_number(
    label: str,
    key: str,
    default: float,
    language: str,
    lo: float = 0.0,
    hi: float = 1e12,
    container: Any = None,
    **kwargs: Any,
) -> float:
    """A number typed in the page's style ("545 333", "0,2"; English "545,333", "0.2") and kept in the URL plainly
    (`?building=545333&fte=0.2`). A text that is not a number, or out of [lo, hi], warns and keeps the last value."""
    from servicekartan import fmt

    good_key, lang_key = f"_{key}_value", f"_{key}_lang"
    if good_key not in st.session_state:
        raw = url_param(key)
        value = default
        if raw is not None:
            parsed = fmt.parse_number(raw, "en")
            if parsed is not None and lo <= parsed <= hi:
                value = parsed
            else:
                warn_param(key, raw)
        st.session_state[good_key] = value
    if key not in st.session_state or st.session_state.get(lang_key) != language:
        st.session_state[key] = fmt.exact(st.session_state[good_key], language)  # shown in the page's style
    else:
        st.session_state[key] = st.session_state[key]  # keep across pages (see url_value)
    st.session_state[lang_key] = language

    def normalise() -> None:  # after an edit: show the number in the page's style ("545333" -> "545 333")
        v = fmt.parse_number(st.session_state[key], language)
        if v is not None and lo <= v <= hi:
            st.session_state[key] = fmt.exact(v, language)

    text = (container or st).text_input(label, key=key, on_change=normalise, **kwargs)
    value = fmt.parse_number(text, language)
    if value is None or not lo <= value <= hi:
        value = st.session_state[good_key]
        st.warning(
            t("calc.bad_number", language, text=safe_snippet(text), field=label, value=fmt.exact(value, language)),
            icon="⚠️",
        )
    st.session_state[good_key] = value
    sync_url(key, _plain(value), _plain(default))
    return float(value)


def _grants_text(grants: dict[str, float]) -> str:
    """Grants as the URL carries them: `financier:kr;financier:kr` (kr plain)."""
    return ";".join(f"{who.replace(';', ',')}:{_plain(kr)}" for who, kr in grants.items())


def _parse_grants(raw: str) -> dict[str, float]:
    from servicekartan import fmt

    out: dict[str, float] = {}
    for part in [p for p in str(raw).split(";") if p.strip()][:50]:
        who, _, kr = part.rpartition(":")
        value = fmt.parse_number(kr, "en")
        if not who.strip() or value is None or value < 0:
            raise ValueError(part)
        out[who.strip()[:120]] = value
    return out


def url_grants(financier_label: str, default: dict[str, float], language: str) -> dict[str, float]:
    """The grants table (financier, kr): amounts shown in the page's style, the table kept in the URL."""
    from servicekartan import fmt

    if "_grants_base" not in st.session_state or st.session_state.get("_grants_lang") != language:
        grants = st.session_state.get("_grants_value")
        if grants is None:
            raw = url_param("grants")
            grants = dict(default)
            if raw is not None:
                try:
                    grants = _parse_grants(raw)
                except ValueError:
                    warn_param("grants", raw)
        st.session_state["_grants_base"] = pd.DataFrame(
            {"financier": list(grants), "kr": [fmt.exact(v, language) for v in grants.values()]}
        )
        st.session_state["_grants_lang"] = language
        st.session_state.pop("grants_table", None)  # the editor starts again from the new base
    table = st.data_editor(
        st.session_state["_grants_base"],
        num_rows="dynamic",
        key="grants_table",
        column_config={
            "financier": st.column_config.TextColumn(financier_label),
            "kr": st.column_config.TextColumn("kr", alignment="right"),
        },
    )
    grants: dict[str, float] = {}
    for who, kr in zip(table["financier"], table["kr"], strict=True):
        if who is None or kr is None or not str(who).strip():
            continue
        value = fmt.parse_number(kr, language)
        if value is None or value < 0:
            st.warning(
                t("calc.bad_number", language, text=safe_snippet(kr), field=safe_snippet(who), value=0), icon="⚠️"
            )
            continue
        grants[str(who).strip()] = value
    st.session_state["_grants_value"] = grants
    sync_url("grants", _grants_text(grants), _grants_text(default))
    return grants


def url_range(label: str, lo: int, hi: int, key: str) -> tuple[int, int]:
    """A two-ended year slider bound to the URL as `key=LO-HI`."""
    options = [(a, b) for a in range(lo, hi + 1) for b in range(a, hi + 1)]

    def parse(raw: str) -> tuple[int, int]:
        a, b = re.split(r"[-,]", raw, maxsplit=1)
        return int(a), int(b)

    url_value(key, options, (lo, hi), parse)
    value = st.slider(label, lo, hi, key=key, persist_state="session")
    value = (int(value[0]), int(value[1]))
    sync_url(key, f"{value[0]}-{value[1]}", f"{lo}-{hi}")
    return value


def page_link_url() -> str:
    """The current page's URL with its query string: a link that reproduces the view."""
    try:
        base = st.context.url or ""
    except Exception:  # outside a browser session (AppTest)
        base = ""
    base = base.split("?")[0]
    params = {k: v for k, v in st.query_params.to_dict().items() if k in KNOWN_PARAMS}
    query = urlencode(sorted(params.items()), safe=",:-", quote_via=quote)
    return f"{base}?{query}" if query else base
