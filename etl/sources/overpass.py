"""OpenStreetMap Overpass API -> service points of every service type per län (tagged elements -> long frame).

One Overpass QL query per län (its ISO 3166-2 area), sent one at a time, after asking `/api/status`
for a free slot; 429 and 504 are retried with backoff (the shared session), and a 200 answer whose
`remark` reports a runtime error (query timed out, out of memory) is retried and then reported.

Tag mapping (the single source of truth; README shows the same table):

| service type  | OSM tags                                                                    |
|---------------|-----------------------------------------------------------------------------|
| grocery       | shop=supermarket, shop=convenience, shop=general, shop=grocery              |
| fuel          | amenity=fuel                                                                |
| pharmacy      | amenity=pharmacy                                                            |
| parcel        | amenity=post_office, amenity=parcel_locker, post_office=post_partner        |
| atm           | amenity=atm, atm=yes (a bank or shop with a cash machine)                   |
| cash_deposit  | cash_in=yes (deposit-taking ATM or bank)                                    |
| payment       | amenity=payment_centre, amenity=bank                                        |
| health        | amenity=clinic, amenity=doctors, healthcare=centre                          |
| school        | amenity=school, unless isced:level says upper-secondary or higher only      |

One element can serve several types (a shop with post_office=post_partner is grocery and parcel).
Data © OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from etl.sources import endpoints
from etl.sources.http import Fetched, FetchError, HttpStatusError, Session

# the real service; a run uses endpoints.url("overpass"/"overpass_status") (SERVICEKARTAN_OVERPASS_URL /
# SERVICEKARTAN_OVERPASS_STATUS_URL, read at call time)
INTERPRETER = endpoints.DEFAULTS["overpass"]
STATUS = endpoints.DEFAULTS["overpass_status"]
FROM_ENV = "<from the environment>"  # Overpass(url=…, status_url=…) default: endpoints.url(…) at call time
STATUS_DEADLINE = 10.0  # seconds for one /api/status check (never retried: it only tunes the wait)
LICENCE = "ODbL 1.0"
ATTRIBUTION = "© OpenStreetMap contributors"
QUERY_TIMEOUT = 180  # seconds, Overpass [timeout:] setting; the HTTP read timeout is a bit longer
DEFAULT_RATE = (1, 2.0)  # one query at a time, at most one every 2 s
MAX_SLOT_WAIT = 300.0

# län code -> ISO 3166-2 code of its Overpass area (admin_level=4)
LAN_ISO: dict[str, str] = {
    "01": "SE-AB",
    "03": "SE-C",
    "04": "SE-D",
    "05": "SE-E",
    "06": "SE-F",
    "07": "SE-G",
    "08": "SE-H",
    "09": "SE-I",
    "10": "SE-K",
    "12": "SE-M",
    "13": "SE-N",
    "14": "SE-O",
    "17": "SE-S",
    "18": "SE-T",
    "19": "SE-U",
    "20": "SE-W",
    "21": "SE-X",
    "22": "SE-Y",
    "23": "SE-Z",
    "24": "SE-AC",
    "25": "SE-BD",
}


@dataclass(frozen=True)
class TagRule:
    service_type: str
    key: str
    values: tuple[str, ...]


TAG_RULES: tuple[TagRule, ...] = (
    TagRule("grocery", "shop", ("supermarket", "convenience", "general", "grocery")),
    TagRule("fuel", "amenity", ("fuel",)),
    TagRule("pharmacy", "amenity", ("pharmacy",)),
    TagRule("parcel", "amenity", ("post_office", "parcel_locker")),
    TagRule("parcel", "post_office", ("post_partner",)),
    TagRule("atm", "amenity", ("atm",)),
    TagRule("atm", "atm", ("yes",)),
    TagRule("cash_deposit", "cash_in", ("yes",)),
    TagRule("payment", "amenity", ("payment_centre", "bank")),
    TagRule("health", "amenity", ("clinic", "doctors")),
    TagRule("health", "healthcare", ("centre",)),
    TagRule("school", "amenity", ("school",)),
)


def mapping_table() -> pd.DataFrame:
    """The tag mapping as a table (service_type, osm_tags) for the README and the method page."""
    rows: dict[str, list[str]] = {}
    for r in TAG_RULES:
        rows.setdefault(r.service_type, []).extend(f"{r.key}={v}" for v in r.values)
    return pd.DataFrame([{"service_type": k, "osm_tags": ", ".join(v)} for k, v in rows.items()])


class OverpassError(FetchError):
    """Overpass refused or could not finish a query; the message says what to change."""


def _school_is_primary(tags: dict) -> bool:
    """Grundskola = ISCED 1-2. An amenity=school whose isced:level lists only 3+ is upper secondary or higher."""
    level = tags.get("isced:level")
    if not level:
        return True
    levels = {p.strip() for p in re.split(r"[;,\-]", level) if p.strip()}
    return bool(levels & {"0", "1", "2"}) or not levels


def classify(tags: dict) -> list[str]:
    """OSM tags -> the service types the element provides (in TAG_RULES order, no duplicates)."""
    out: list[str] = []
    for r in TAG_RULES:
        if tags.get(r.key) in r.values and r.service_type not in out:
            if r.service_type == "school" and not _school_is_primary(tags):
                continue
            out.append(r.service_type)
    return out


def build_query(lan_code: str, timeout: int = QUERY_TIMEOUT) -> str:
    """Overpass QL for every mapped tag inside one län (nodes, ways and relations; ways/relations by centre)."""
    iso = LAN_ISO.get(lan_code)
    if iso is None:
        raise ValueError(f"unknown län code {lan_code!r}; known: {', '.join(LAN_ISO)}")
    by_key: dict[str, list[str]] = {}
    for r in TAG_RULES:
        for v in r.values:
            if v not in by_key.setdefault(r.key, []):
                by_key[r.key].append(v)
    lines = [f"[out:json][timeout:{int(timeout)}];", f'area["ISO3166-2"="{iso}"]["admin_level"="4"]->.lan;', "("]
    for key, values in by_key.items():
        if len(values) == 1:
            lines.append(f'  nwr["{key}"="{values[0]}"](area.lan);')
        else:
            lines.append(f'  nwr["{key}"~"^({"|".join(values)})$"](area.lan);')
    lines += [");", "out tags center qt;"]
    return "\n".join(lines)


def check_payload(payload: Any, url: str = "") -> list[dict]:
    """An Overpass JSON answer -> its elements; OverpassError for a runtime error reported in `remark` (the
    elements are then incomplete: never kept) and for elements none of which has coordinates (schema drift)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("elements"), list):
        raise OverpassError(f"Overpass answer from {url} has no 'elements' list; expected [out:json] output", url)
    remark = str(payload.get("remark") or "").strip()
    if re.search(r"runtime error|timed out|out of memory", remark, re.IGNORECASE):
        if re.search(r"timed out|out of memory", remark, re.IGNORECASE):
            hint = (
                "rerun later (the run resumes), or raise the query's [timeout:] (etl/sources/overpass.py QUERY_TIMEOUT)"
            )
        else:
            hint = "rerun later (the run resumes); if it persists, the server's database has a problem"
        raise OverpassError(f"Overpass stopped the query: {remark.rstrip('.')}. What to change: {hint}.", url)
    elements = payload["elements"]
    if elements and not any(_coordinates(el) for el in elements if isinstance(el, dict)):
        raise OverpassError(
            f"Overpass answer has {len(elements)} elements but none with coordinates (lat/lon or center): the output "
            f"format may have changed; expected `out tags center`. Nothing was kept ({url}).",
            url,
        )
    return elements


def _coordinates(el: dict) -> tuple[Any, Any] | None:
    if "lat" in el and "lon" in el:
        return el["lat"], el["lon"]
    if isinstance(el.get("center"), dict) and "lat" in el["center"] and "lon" in el["center"]:
        return el["center"]["lat"], el["center"]["lon"]
    return None


def elements_to_frame(payload: dict) -> pd.DataFrame:
    """Overpass elements -> one row per (element, service type): osm_type, osm_id, service_type, name, lat, lon, start_year, brand."""
    rows = []
    for el in check_payload(payload):
        tags = el.get("tags") or {}
        types = classify(tags)
        if not types:
            continue
        if "lat" in el and "lon" in el:
            lat, lon = el["lat"], el["lon"]
        elif isinstance(el.get("center"), dict):
            lat, lon = el["center"].get("lat"), el["center"].get("lon")
        else:
            continue
        if lat is None or lon is None:
            continue
        m = re.match(r"^\s*(\d{4})", str(tags.get("start_date") or tags.get("opening_date") or ""))
        for st in types:
            rows.append(
                {
                    "osm_type": el.get("type", "node"),
                    "osm_id": int(el["id"]),
                    "service_type": st,
                    "name": tags.get("name") or tags.get("brand") or tags.get("operator"),
                    "lat": float(lat),
                    "lon": float(lon),
                    "start_year": int(m.group(1)) if m else None,
                    "brand": tags.get("brand"),
                }
            )
    cols = ["osm_type", "osm_id", "service_type", "name", "lat", "lon", "start_year", "brand"]
    df = pd.DataFrame(rows, columns=cols)
    df["start_year"] = pd.array(df["start_year"].tolist(), dtype="Int64")
    return df


def parse_status(text: str) -> float | None:
    """`/api/status` text -> seconds until a query slot is free: 0 when one is free now, None when unreadable.

    Real bodies: "Rate limit: 2" and one "Slot available after: …, in N seconds." line per slot in use;
    free slots = rate limit − those lines ("Rate limit: 0" = unlimited). Wait only when none is free.
    """
    m = re.search(r"Rate limit:\s*(\d+)", text)
    waits = [float(s) for s in re.findall(r"Slot available after:.*?in\s+(-?\d+)\s+seconds?", text)]
    if m is None:
        if re.search(r"\d+\s+slots? available now", text):
            return 0.0
        return max(0.0, min(waits)) if waits else None
    limit = int(m.group(1))
    if limit == 0 or len(waits) < limit:
        return 0.0
    return max(0.0, min(waits)) if waits else 0.0


class Overpass:
    """Overpass API client: one query at a time, status-slot aware."""

    def __init__(
        self,
        session: Session | None = None,
        *,
        url: str | None = None,
        status_url: str | None = FROM_ENV,
        timeout: int = QUERY_TIMEOUT,
        remark_retries: int = 2,
    ) -> None:
        self.session = session or Session(timeout=(10.0, timeout + 30.0), name="Overpass")
        if self.session.limiter is None:
            self.session.set_rate_limit(*DEFAULT_RATE)
        self.url = url or endpoints.url("overpass")
        self.status_url = endpoints.url("overpass_status") if status_url == FROM_ENV else status_url  # None: no check
        self.timeout = timeout
        self.remark_retries = remark_retries

    def slot_wait(self) -> float | None:
        """Seconds until /api/status says a slot is free (capped at MAX_SLOT_WAIT), None when it cannot tell.

        One short request, never retried and not paced (status requests do not count against the quota); a
        transport failure still counts toward giving the source up."""
        if not self.status_url:
            return None
        try:
            f = self.session.get(self.status_url, expect_json=False, retries=0, deadline=STATUS_DEADLINE, paced=False)
        except HttpStatusError:
            return None
        except FetchError:
            if self.session.down is not None:
                raise
            return None
        wait = parse_status(f.content.decode("utf-8", "replace"))
        return None if wait is None else min(wait, MAX_SLOT_WAIT)

    def wait_for_slot(self) -> float:
        """Ask /api/status and wait until a slot is free; an unreadable status waits nothing."""
        wait = self.slot_wait() or 0.0
        if wait > 0:
            self.session.clock.sleep(min(wait, max(0.0, self.session.budget_left())))
        return wait

    def _before_retry(self, err: FetchError) -> float | None:
        """Before retrying a 429, ask /api/status how long until a slot is free (instead of blind backoff)."""
        if isinstance(err, HttpStatusError) and err.status == 429:
            return self.slot_wait()
        return None

    def query(self, ql: str) -> Fetched:
        """POST one query; returns the checked response (elements present, no runtime error in `remark`)."""
        last: OverpassError | None = None
        for attempt in range(self.remark_retries + 1):
            self.wait_for_slot()
            try:
                f = self.session.post(self.url, data={"data": ql}, before_retry=self._before_retry)
            except HttpStatusError as err:
                if err.status == 400:
                    raise OverpassError(
                        f"Overpass rejected the query (HTTP 400): {err.body[:300]}. What to change: fix the Overpass QL "
                        "built in etl/sources/overpass.py (build_query).",
                        err.url,
                    ) from err
                raise OverpassError(
                    f"Overpass is busy or failing ({err}). What to change: rerun later; the run resumes with the "
                    "län not yet fetched (one query at a time is already the polite maximum).",
                    err.url,
                ) from err
            try:
                check_payload(f.payload, f.url)
                return f
            except OverpassError as exc:
                last = exc
                if not re.search(r"timed out|out of memory", str(exc), re.IGNORECASE):
                    raise  # another runtime error or drift: asking again gives the same answer
                if attempt < self.remark_retries:
                    wait = self.session._backoff(attempt + 2)
                    if wait >= self.session.budget_left():
                        raise
                    self.session.clock.sleep(wait)
        assert last is not None
        raise last

    def services(self, lan_code: str) -> Fetched:
        """Every mapped service element in one län."""
        return self.query(build_query(lan_code, self.timeout))
