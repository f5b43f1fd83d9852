"""The shared HTTP layer: timeout, User-Agent, retries honouring Retry-After, truncated bodies, pacing (no network)."""

from __future__ import annotations

import email.utils

import pytest
import requests
import responses

from etl.sources.http import (
    USER_AGENT,
    HttpStatusError,
    RateLimiter,
    Session,
    TransientError,
    parse_retry_after,
)
from tests._fetch_support import FakeClock

URL = "https://example.test/api/thing"


@pytest.fixture()
def clock() -> FakeClock:
    return FakeClock()


@responses.activate
def test_user_agent_and_default_timeout(clock):
    responses.add(responses.GET, URL, json={"ok": 1})
    f = Session(clock=clock).get(URL)
    assert f.payload == {"ok": 1} and f.status == 200
    call = responses.calls[0]
    assert call.request.headers["User-Agent"] == USER_AGENT == "Servicekartan/0.1 (+open-data dashboard)"
    assert call.request.req_kwargs["timeout"] == (10.0, 120.0)


@responses.activate
def test_429_retry_after_seconds_is_honoured(clock):
    responses.add(responses.GET, URL, status=429, headers={"Retry-After": "7"}, json={"title": "Too many requests"})
    responses.add(responses.GET, URL, json={"ok": 1})
    f = Session(clock=clock).get(URL)
    assert f.payload == {"ok": 1}
    assert clock.sleeps == [7.0]


@responses.activate
def test_503_retry_after_http_date(clock):
    when = email.utils.formatdate(clock.wall() + 30, usegmt=True)
    responses.add(responses.GET, URL, status=503, headers={"Retry-After": when})
    responses.add(responses.GET, URL, json={"ok": 1})
    Session(clock=clock).get(URL)
    assert len(clock.sleeps) == 1 and 29 <= clock.sleeps[0] <= 31


@responses.activate
def test_500_backs_off_exponentially_then_succeeds(clock):
    for _ in range(3):
        responses.add(responses.GET, URL, status=500)
    responses.add(responses.GET, URL, json={"ok": 1})
    events: list[str] = []
    Session(clock=clock, backoff=1.0, on_event=events.append).get(URL)
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert len(events) == 3 and "HTTP 500" in events[0]


@responses.activate
def test_connection_error_and_timeout_are_retried(clock):
    responses.add(responses.GET, URL, body=requests.ConnectionError("reset by peer"))
    responses.add(responses.GET, URL, body=requests.exceptions.ReadTimeout("read timed out"))
    responses.add(responses.GET, URL, json={"ok": 1})
    assert Session(clock=clock).get(URL).payload == {"ok": 1}
    assert len(clock.sleeps) == 2


@responses.activate
def test_truncated_json_is_retried_then_reported(clock):
    responses.add(responses.GET, URL, body=b'{"values": [1, 2')
    responses.add(responses.GET, URL, json={"values": [1, 2, 3]})
    assert Session(clock=clock).get(URL).payload == {"values": [1, 2, 3]}

    responses.reset()
    responses.add(responses.GET, URL, body=b'{"values": [1, 2')
    with pytest.raises(TransientError) as exc:
        Session(clock=clock, retries=2).get(URL)
    msg = str(exc.value)
    assert "not valid JSON" in msg and "truncated" in msg and "gave up after 3 attempts" in msg and URL in msg


@responses.activate
def test_persistent_5xx_gives_a_clear_error(clock):
    responses.add(responses.GET, URL, status=502)
    with pytest.raises(HttpStatusError) as exc:
        Session(clock=clock, retries=2).get(URL)
    assert exc.value.status == 502 and "gave up after 3 attempts" in str(exc.value)
    assert "resumes" in str(exc.value)


@responses.activate
def test_4xx_is_not_retried_and_keeps_the_problem(clock):
    problem = {"title": "Bad Request", "status": 400, "detail": "Value xxx is not a valid value code"}
    responses.add(responses.GET, URL, status=400, json=problem, content_type="application/problem+json")
    with pytest.raises(HttpStatusError) as exc:
        Session(clock=clock).get(URL)
    assert exc.value.status == 400 and exc.value.problem == problem
    assert clock.sleeps == [] and len(responses.calls) == 1


@responses.activate
def test_too_long_retry_after_stops_with_advice(clock):
    responses.add(responses.GET, URL, status=429, headers={"Retry-After": "3600"})
    with pytest.raises(HttpStatusError) as exc:
        Session(clock=clock, max_retry_after=60).get(URL)
    assert "3600 s" in str(exc.value) and "rerun" in str(exc.value)
    assert clock.sleeps == []


def test_parse_retry_after():
    assert parse_retry_after("12", 0) == 12
    assert parse_retry_after(None, 0) is None
    assert parse_retry_after("soon", 0) is None
    assert parse_retry_after("-5", 0) == 0


def test_rate_limiter_paces_to_calls_per_window(clock):
    lim = RateLimiter(2, 10.0, clock)
    times = []
    for _ in range(5):
        lim.wait()
        times.append(clock.monotonic())
    assert times == [0.0, 0.0, 10.0, 10.0, 20.0]
    for t in times:  # never more than 2 calls in any 10 s window
        assert sum(1 for u in times if t <= u < t + 10) <= 2


@responses.activate
def test_session_pacing_records_call_times(clock):
    responses.add(responses.GET, URL, json={})
    s = Session(clock=clock, rate=(3, 10.0))
    for _ in range(7):
        s.get(URL)
    assert s.call_times == [0.0, 0.0, 0.0, 10.0, 10.0, 10.0, 20.0]


# ---------------------------------------------------------------------------------------------- bounds (issue 17)


@responses.activate
def test_size_cap_counts_decoded_bytes_and_is_not_retried(clock):
    import gzip

    from etl.sources.http import ResponseTooLarge

    responses.add(responses.GET, URL, body=b'{"values": [' + b"1," * 5000 + b"1]}", content_type="application/json")
    with pytest.raises(ResponseTooLarge, match=r"larger than the size cap of 5\.0 kB.*--max-mb"):
        Session(clock=clock, max_bytes=5000, name="Kolada").get(URL)
    assert len(responses.calls) == 1
    packed = gzip.compress(b'{"values": [' + b" " * 200_000 + b"]}")  # 200 kB unpacked from < 1 kB
    responses.replace(responses.GET, URL, body=packed, headers={"Content-Encoding": "gzip"})
    with pytest.raises(ResponseTooLarge, match="size cap"):
        Session(clock=clock, max_bytes=100_000).get(URL)
    assert Session(clock=clock, max_bytes=300_000).get(URL).payload == {"values": []}


@responses.activate
def test_html_where_json_was_expected_is_named_and_not_retried(clock):
    from etl.sources.http import HtmlErrorPage

    page = b"<!DOCTYPE html><html><head><title>Underhall</title></head><body><h1>Planerat underhall</h1></body></html>"
    responses.add(responses.GET, URL, body=page, content_type="text/html; charset=utf-8")
    with pytest.raises(HtmlErrorPage, match=r"^HTML error page from Kolada \(HTTP 200\): Planerat underhall"):
        Session(clock=clock, name="Kolada").get(URL)
    responses.replace(responses.GET, URL, body=page, content_type="application/json")  # mislabelled: still HTML
    with pytest.raises(HtmlErrorPage, match=r"HTML error page from the server \(HTTP 200\)"):
        Session(clock=clock).get(URL)
    assert len(responses.calls) == 2


@responses.activate
def test_consecutive_transport_failures_give_the_source_up(clock):
    from etl.sources.http import SourceDown

    responses.add(responses.GET, URL, body=requests.ConnectionError("Connection refused"))
    s = Session(clock=clock, retries=4, max_failures=3, name="SCB")
    with pytest.raises(SourceDown, match=r"^SCB unreachable: gave up after 3 attempts, 3 consecutive transport"):
        s.get(URL)
    assert len(responses.calls) == 3 and clock.sleeps == [1.0, 2.0]  # short transport backoff, then given up
    with pytest.raises(SourceDown):
        s.get(URL + "/other")  # every later request of the source fails at once
    assert len(responses.calls) == 3


@responses.activate
def test_source_budget_caps_the_backoff(clock):
    from etl.sources.http import SourceDown

    responses.add(responses.GET, URL, status=503)
    s = Session(clock=clock, retries=4, backoff=10.0, budget=25.0, name="Kolada")
    with pytest.raises(SourceDown, match=r"more than the 15 s left of its time budget of 25 s.*HTTP 503"):
        s.get(URL)
    assert clock.sleeps == [10.0]
    with pytest.raises(SourceDown):
        s.get(URL)


def test_endpoints_come_from_the_environment_at_call_time(monkeypatch):
    from etl.sources import endpoints, kolada, overpass
    from etl.sources.pxweb import PxWeb

    for var in endpoints.ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    assert kolada.Kolada().base == "https://api.kolada.se/v3"  # the real services by default
    assert overpass.Overpass().status_url == "https://overpass-api.de/api/status"
    monkeypatch.setenv("SERVICEKARTAN_KOLADA_URL", "http://127.0.0.1:9/kolada/v3/")
    monkeypatch.setenv("SERVICEKARTAN_SCB_V2_URL", "http://127.0.0.1:9/scb/api/v2")
    monkeypatch.setenv("SERVICEKARTAN_OVERPASS_URL", "http://127.0.0.1:9/api/interpreter")
    monkeypatch.setenv("SERVICEKARTAN_OVERPASS_STATUS_URL", "none")
    monkeypatch.setenv("SERVICEKARTAN_SCB_V1_URL", "")  # empty = unset
    assert kolada.Kolada().base == "http://127.0.0.1:9/kolada/v3"  # read now, not at import
    px = PxWeb()
    assert px.v2_base == "http://127.0.0.1:9/scb/api/v2" and px.v1_base == "https://api.scb.se/OV0104/v1/doris"
    o = overpass.Overpass()
    assert o.url == "http://127.0.0.1:9/api/interpreter" and o.status_url == ""
    assert set(endpoints.ENV_VARS.values()) == {
        "SERVICEKARTAN_SCB_V2_URL",
        "SERVICEKARTAN_SCB_V1_URL",
        "SERVICEKARTAN_SCB_WFS_URL",
        "SERVICEKARTAN_KOLADA_URL",
        "SERVICEKARTAN_OVERPASS_URL",
        "SERVICEKARTAN_OVERPASS_STATUS_URL",
    }
