"""Online fetchers, one typed spec (`Fetcher`) per source dataset; `FETCHERS` in run order, `SOURCES` by `--source`."""

from __future__ import annotations

from etl.fetchers import kolada_kpis, osm_services, scb_population, scb_tatorter
from etl.fetchers.spec import Fetcher

FETCHERS: tuple[Fetcher, ...] = (scb_population.SPEC, scb_tatorter.SPEC, kolada_kpis.SPEC, osm_services.SPEC)
# source -> its fetchers' names, in run order (the `--source` choices)
SOURCES: dict[str, tuple[str, ...]] = {}
for _f in FETCHERS:
    SOURCES[_f.source] = (*SOURCES.get(_f.source, ()), _f.name)

__all__ = ["FETCHERS", "SOURCES", "Fetcher"]
