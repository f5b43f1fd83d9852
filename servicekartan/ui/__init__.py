"""The only Streamlit-aware code: one job per module; this package re-exports what pages and `dashboard.py` use.

Pages write `from servicekartan import ui` and call `ui.<name>`; the modules are:
`state` (language, presenter mode, chosen area), `url_state` (URL-bound widgets and warnings),
`data` (cached loaders, row indexes, access model, the ETL bridge), `shared_memo` (cross-session memo),
`geo_files` (boundary files), `captions` (source lines, modelled badge), `own_layer` (the session's own service data), `frame` (sidebar, area picker,
page header), `tables` (labelled, formatted tables), `presenter` (slide deck), `targets_editor`
(the session's targets and the add/upload form).
"""

from servicekartan.ui.a11y import plotly_chart
from servicekartan.ui.captions import modelled_badge, quality_badge, quality_badges, source_caption, source_line
from servicekartan.ui.data import (
    access_index,
    access_model,
    fetch_status,
    indicator_index,
    load,
    load_optional,
    meta,
    region_names,
    servicepoint_register,
)
from servicekartan.ui.frame import area_picker, page_header, sidebar
from servicekartan.ui.geo_files import geojson, geojson_url
from servicekartan.ui.own_layer import own_badge
from servicekartan.ui.shared_memo import memo
from servicekartan.ui.state import current_area, lang, presenting
from servicekartan.ui.tables import table
from servicekartan.ui.targets_editor import target_editor, target_registry, targets_summary
from servicekartan.ui.url_state import (
    page_link_url,
    url_bool,
    url_grants,
    url_int,
    url_multiselect,
    url_number,
    url_param,
    url_range,
    url_select,
)

__all__ = [
    "access_index",
    "access_model",
    "area_picker",
    "current_area",
    "fetch_status",
    "geojson",
    "geojson_url",
    "indicator_index",
    "lang",
    "load",
    "load_optional",
    "memo",
    "meta",
    "modelled_badge",
    "own_badge",
    "quality_badge",
    "quality_badges",
    "page_header",
    "page_link_url",
    "plotly_chart",
    "presenting",
    "region_names",
    "servicepoint_register",
    "sidebar",
    "source_caption",
    "source_line",
    "table",
    "target_editor",
    "target_registry",
    "targets_summary",
    "url_bool",
    "url_param",
    "url_grants",
    "url_int",
    "url_number",
    "url_multiselect",
    "url_range",
    "url_select",
]
