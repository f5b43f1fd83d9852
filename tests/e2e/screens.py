"""Screenshots of every page (desktop 1440×900 and phone 390×844, Swedish) -> screenshots/ (git-ignored).

    .venv/bin/python -m tests.e2e.screens                    # every page, both sizes, Sverige
    .venv/bin/python -m tests.e2e.screens --query area=0861 --pages overview villages

Starts its own server on the built data (data/processed) and a headless Chromium (tests/e2e/harness.py);
off-machine requests are blocked and listed. Look at the PNGs after any UI change (developers' guide).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.e2e import harness

SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
PAGES = (*harness.PAGE_PATHS, "present")


def path_of(page: str) -> str:
    if page == "present":
        return "/?present=1"
    return "/" if page == "overview" else f"/{page}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", nargs="*", default=list(PAGES))
    ap.add_argument("--sizes", nargs="*", default=list(SIZES))
    ap.add_argument("--query", default="", help="extra query, e.g. area=08&lang=en")
    ap.add_argument("--full", action="store_true", help="whole page, not only the first viewport")
    a = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    data = harness.REPO / "data" / "processed"
    blocked: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        server = harness.start_server(data, Path(tmp) / "streamlit.log")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(**harness.launch_kwargs())
                for size in a.sizes:
                    ctx = browser.new_context(viewport=SIZES[size], is_mobile=size == "phone")
                    ctx.route(harness.EXTERNAL, lambda r: (blocked.append(r.request.url), r.abort()))
                    for name in a.pages:
                        page = ctx.new_page()
                        url = server.url + path_of(name)
                        if a.query:
                            url += ("&" if "?" in url else "?") + a.query
                        page.goto(url)
                        harness.wait_rendered(page, charts=name in (*harness.CHART_PAGES, "present"))
                        page.wait_for_timeout(600)
                        tag = a.query.replace("&", "_").replace("=", "-")
                        out = f"{name}_{size}" + (f"_{tag}" if tag else "")
                        if a.full:
                            harness.screenshot(page, out)
                        else:
                            harness.SCREENSHOTS.mkdir(exist_ok=True)
                            page.screenshot(path=str(harness.SCREENSHOTS / f"{out}.png"))
                        print(harness.SCREENSHOTS / f"{out}.png")
                        page.close()
                    ctx.close()
                browser.close()
        finally:
            harness.stop_server(server)
    if blocked:
        print("blocked off-machine requests:", *sorted(set(blocked)), sep="\n  ", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
