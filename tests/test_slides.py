"""Presenter deck slides for Mönsterås/Fliseryd, and slide-sized PNG/SVG export stamped with source and date."""

from __future__ import annotations

import html
import json
import os
import shutil
from dataclasses import replace

import pytest

from servicekartan import catalog, export, slides


@pytest.fixture()
def ctx(data_env):
    frames = {n: catalog.read(n) for n in ("villages", "population", "services", "indicators", "village_access")}
    names = dict(zip(frames["villages"]["municipality_code"], frames["villages"]["municipality_code"], strict=False))
    names.update(dict(zip(catalog.read("regions")["code"], catalog.read("regions")["name"], strict=True)))
    from servicekartan import paths

    geo = json.loads((paths.seed_dir() / "scb_kommuner_wgs84.geojson").read_text())
    return slides.Context(frames=frames, lang="sv", area="0861", village="0861TB103", names=names, geojson=geo)


def test_default_deck_for_monsteras(ctx):
    built = [slides.build(k, _grid_ctx(ctx)) for k in slides.DEFAULT_DECK]
    assert all(s.figure is not None and s.title for s in built)
    pop = built[0].figure.data[0]
    assert list(pop.y) == ["Mönsterås", "Blomstermåla", "Timmernabben", "Fliseryd", "Oknö"]
    assert list(pop.x) == [5186, 2322, 1412, 716, 377]
    dist = next(s for s in built if s.kind == "village_distances")
    assert "Fliseryd" in dist.title and dist.modelled


def test_financing_slide_carries_the_fliseryd_note_in_both_languages(ctx):
    sv = slides.build("financing", ctx)
    en = slides.build("financing", replace(ctx, lang="en"))
    assert sv.note.startswith("Utfall Fliseryd: färdigställd och utrustad lokal 545 333 kr")
    assert en.note.startswith("Fliseryd outcome: finished and equipped premises 545,333 kr")  # was "" in English
    assert "assumptions" in en.note and "antaganden" in sv.note


def test_servicepoint_slide_title_in_both_languages(ctx):
    sv = slides.build("servicepoint_effect", ctx)
    en = slides.build("servicepoint_effect", replace(ctx, lang="en"))
    assert sv.title == "Servicepunkt Fliseryd: avstånd före och efter öppningen (2014)", sv.title
    assert en.title == "Servicepunkt Fliseryd: distance before and after opening (2014)", en.title


def test_parse_deck_keeps_known_kinds_and_reports_unknown():
    deck, unknown = slides.parse_deck("village_distances,<script>,kommun_map")
    assert deck == ["village_distances", "kommun_map"] and unknown == ["<script>"]
    assert slides.parse_deck(None)[0] == list(slides.DEFAULT_DECK)


needs_chromium = pytest.mark.skipif(
    not shutil.which("chromium") and not os.environ.get("SERVICEKARTAN_REQUIRE_BROWSER"),
    reason="kaleido needs Debian's chromium (bash test.sh installs it as root)",
)


@needs_chromium
def test_png_and_svg_export_is_slide_sized_and_stamped(ctx):
    slide = slides.build("villages_population", ctx)
    png = export.image(slide.figure, "png", "Källa: SCB", when="2026-11-28")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (export.SLIDE_WIDTH, export.SLIDE_HEIGHT)
    svg = export.image(slide.figure, "svg", "Källa: SCB", when="2026-11-28").decode()
    assert "Källa: SCB · Servicekartan 2026-11-28" in svg and "Mönsterås" in svg
    with pytest.raises(ValueError):
        export.image(slide.figure, "gif", "x")


def test_stamped_slide_makes_room_for_bar_labels_and_wraps_a_long_footer(ctx):
    from dataclasses import replace as _replace

    slide = slides.build("villages_population", _replace(ctx, area="00"))
    out = export.stamp(slide.figure, "Källa: SCB " + "lång källrad " * 70, when="2026-12-01", badge="Modellerad")
    top = max(slide.figure.data[0].x)  # Stockholm, 1 617 407
    assert out.layout.xaxis.range[1] >= 1.15 * top  # the label outside the longest bar fits
    footer = next(a.text for a in out.layout.annotations if "Servicekartan 2026-12-01" in a.text)
    assert all(len(line) <= 150 for line in footer.split("<br>"))  # wrapped, never one line off the edge
    assert any(a.text == "<b>Modellerad</b>" for a in out.layout.annotations)  # the badge is in the image
    assert "serif" not in out.layout.font.family.replace("sans-serif", "")  # a sans-serif font list
    assert '"Source Sans' in out.layout.font.family  # names with spaces quoted (valid CSS)
    assert slide.figure.layout.xaxis.range is None  # the on-screen figure is untouched


@needs_chromium
def test_svg_export_carries_badge_footer_and_a_sans_serif_font(ctx):
    slide = slides.build("village_distances", ctx)
    svg = export.image(slide.figure, "svg", "Källa: SCB", when="2026-12-01", badge="Modellerad").decode()
    assert "Modellerad" in svg and "Källa: SCB · Servicekartan 2026-12-01" in svg
    text = html.unescape(svg)
    fonts = [text[i : i + 200] for i in range(len(text)) if text.startswith("font-family:", i)]
    assert fonts and all("sans-serif" in f for f in fonts), fonts[:3]


def _grid_ctx(ctx):
    from servicekartan.ui import grid_sections

    return replace(ctx, service_type="pharmacy", extra={"grid_map": grid_sections.slide_map})


def test_grid_map_slide_frames_monsteras_and_counts_its_people_per_band(ctx):
    """The deck's grid map slide: one raster of Mönsterås' squares (with a margin) coloured by the distance to a
    pharmacy; its text alternative counts every inhabitant of the kommun's squares once."""
    import numpy as np

    from servicekartan.charts_grid import lattice

    s = slides.build("grid_map", _grid_ctx(ctx))
    assert s.kind == "grid_map" and "Mönsterås" in s.title and "apotek" in s.title
    assert s.sources == ("grid_population", "services")
    heat = s.figure.data[0]
    assert heat.type == "heatmap" and len(s.figure.data) < 20  # one image-like trace plus outlines and labels
    gp = catalog.read("grid_population")
    latest = gp[gp["year"] == gp["year"].max()]
    mine = latest[latest["municipality_code"] == "0861"]
    people = sum(float(v.replace("\u00a0", "").replace(" ", "")) for v in s.table["value"])
    assert people == pytest.approx(mine["population"].sum(), abs=len(s.table))  # rounded per band
    assert people > 13_000  # Mönsterås kommun, everyone counted (not only its five tätorter' ~10,000)
    e, n = lattice(mine["cell_id"])  # the raster covers every square of the kommun
    x0, y0 = heat.x0 - 500, heat.y0 - 500
    ny, nx = np.shape(heat.z)
    assert x0 <= e.min() * 1000 and x0 + nx * 1000 > e.max() * 1000
    assert y0 <= n.min() * 1000 and y0 + ny * 1000 > n.max() * 1000


def test_grid_map_slide_without_the_app_says_where_the_map_is(ctx):
    s = slides.build("grid_map", ctx)
    assert s.figure is None and "Tillgänglighet" in s.note


@needs_chromium
def test_grid_map_slide_exports_as_a_stamped_png(ctx):
    s = slides.build("grid_map", _grid_ctx(ctx))
    stamped = export.stamp(s.figure, "Källa: SCB", "2026-12-01")
    footers = [a.text for a in stamped.layout.annotations if "Källa" in a.text]
    assert footers == ["Källa: SCB · Servicekartan 2026-12-01"]  # the map's own source line gives way to the footer
    # the footer under the legend's title and three rows of four entries (it overlapped them at 150 px)
    assert stamped.layout.margin.b >= 60 + 26 * 4 + 50
    png = export.image(s.figure, "png", "Källa: SCB · © OpenStreetMap contributors", when="2026-12-01")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (
        export.SLIDE_WIDTH,
        export.SLIDE_HEIGHT,
    )


@needs_chromium
def test_kaleidos_chromium_stops_when_idle_and_starts_again(ctx, monkeypatch):
    """The export Chromium (~290 MB) is not kept for the server's lifetime: it stops after IDLE_STOP_S without an
    image, and the next export starts it again."""
    import time

    monkeypatch.setattr(export, "IDLE_STOP_S", 0.5)
    slide = slides.build("villages_population", ctx)
    assert export.image(slide.figure, "png", "Källa: SCB")[:4] == b"\x89PNG"
    assert export.running()
    deadline = time.monotonic() + 30
    while export.running() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not export.running()
    assert export.image(slide.figure, "png", "Källa: SCB")[:4] == b"\x89PNG"  # started again
