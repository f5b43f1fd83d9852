"""Swedish and English labels: a key -> (sv, en) table and `t(key, lang)`."""

from __future__ import annotations

LANGS = ("sv", "en")
DEFAULT_LANG = "sv"

STRINGS: dict[str, tuple[str, str]] = {
    # app and navigation
    "app_title": ("Servicekartan", "Servicekartan"),
    "app_tagline": (
        "Tillgång till vardagsservice i Sveriges byar, kommuner och län",
        "Access to everyday services in Sweden's villages, municipalities and counties",
    ),
    "page_overview": ("Översikt", "Overview"),
    "page_villages": ("Byar", "Villages"),
    "page_access": ("Tillgänglighet", "Access"),
    "page_targets": ("Målbild", "Targets"),
    "page_servicepoints": ("Servicepunkter", "Service points"),
    "page_data": ("Data / Ladda ner", "Data / Download"),
    "page_method": ("Om / Metod", "About / Method"),
    "language": ("Språk", "Language"),
    "presenter_mode": ("Presentationsläge", "Presenter mode"),
    # areas
    "county": ("Län", "County"),
    "municipality": ("Kommun", "Municipality"),
    "all_counties": ("Hela Sverige", "All of Sweden"),
    "whole_county": ("Hela länet", "Whole county"),
    "sweden": ("Sverige", "Sweden"),
    "area": ("Område", "Area"),
    "year": ("År", "Year"),
    "base_year": ("Jämför med år", "Compare with year"),
    "indicator": ("Indikator", "Indicator"),
    "service_type": ("Servicetyp", "Service type"),
    "threshold_km": ("Avståndsgräns (km)", "Distance threshold (km)"),
    # cards and tables
    "tatort_population": ("Invånare i tätorter", "Population in tätorter"),
    "tatort_count": ("Antal tätorter", "Number of tätorter"),
    "service_points": ("Servicepunkter per typ", "Service points by type"),
    "village": ("By", "Village"),
    "name": ("Namn", "Name"),
    "kind": ("Typ", "Kind"),
    "population": ("Invånare", "Population"),
    "area_ha": ("Yta (ha)", "Area (ha)"),
    "distance_km": ("Avstånd (km)", "Distance (km)"),
    "tatort": ("tätort", "tätort"),
    "smaort": ("småort", "småort"),
    "villages_in_area": ("Tätorter och småorter i området", "Tätorter and småorter in the area"),
    "map_title": ("Karta över kommunerna", "Map of the municipalities"),
    "no_data": ("Uppgift saknas", "No data"),
    "missing_note": (
        "Streck (–) betyder att uppgift saknas, inte noll.",
        "A dash (–) means the figure is missing, not zero.",
    ),
    # honesty
    "modelled": ("Modellerad", "Modelled"),
    "modelled_help": (
        "Bygger på en modellerad skattning, inte på observerade servicepunkter. Se Om / Metod.",
        "Based on a modelled estimate, not on observed service points. See About / Method.",
    ),
    "observed": ("Observerad", "Observed"),
    "coverage_caveat": (
        "Avser befolkningen i tätorter (och småorter där de finns), inte hela befolkningen.",
        "Covers the population living in tätorter (and småorter where present), not the whole population.",
    ),
    "source": ("Källa", "Source"),
    "licence": ("Licens", "Licence"),
    "retrieved": ("hämtad", "retrieved"),
    "built": ("byggd", "built"),
    # errors
    "unknown_area": (
        "Okänd områdeskod i länken: {code}. Visar Sverige i stället.",
        "Unknown area code in the link: {code}. Showing Sweden instead.",
    ),
    "bad_param": (
        "Ogiltigt värde för {name} i länken ignorerades.",
        "An invalid value for {name} in the link was ignored.",
    ),
    "empty_filter": (
        "Inga byar matchar filtret. Vidga urvalet.",
        "No villages match the filter. Widen the selection.",
    ),
    "data_error": ("Data kunde inte läsas", "Data could not be read"),
    "building_data": (
        "Bygger data från den inbäddade ögonblicksbilden …",
        "Building data from the embedded snapshot …",
    ),
}


def t(key: str, lang: str = DEFAULT_LANG, **kwargs: object) -> str:
    """The label for `key` in `lang`; unknown keys return the key itself (visible in tests)."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "sv" else pair[1]
    return text.format(**kwargs) if kwargs else text


_INDICATOR_FIXED: dict[str, tuple[str, str]] = {
    "tatort_population": ("Invånare i tätorter", "Population in tätorter"),
    "tatort_count": ("Antal tätorter", "Number of tätorter"),
    "broadband_100": ("Bredband ≥100 Mbit/s, andel (%)", "Broadband ≥100 Mbit/s, share (%)"),
    "broadband_1000": ("Bredband ≥1 Gbit/s, andel hushåll (%)", "Broadband ≥1 Gbit/s, share of households (%)"),
    "broadband_1000_dense": ("Bredband ≥1 Gbit/s, tätbebyggt (%)", "Broadband ≥1 Gbit/s, dense areas (%)"),
    "broadband_1000_sparse": ("Bredband ≥1 Gbit/s, glesbebyggt (%)", "Broadband ≥1 Gbit/s, sparse areas (%)"),
    "share_within_2km_grocery": (
        "Andel invånare inom 2 km från dagligvarubutik (%)",
        "Share of residents within 2 km of a grocery store (%)",
    ),
    "population_total": ("Folkmängd", "Population"),
    "post_2day_delivery": ("Brev inom 2 arbetsdagar (%)", "Letters delivered within 2 working days (%)"),
}


def indicator_label(indicator_id: str, lang: str = DEFAULT_LANG) -> str:
    """Readable label for an indicator id, including the generated access ids (pop_beyond_10km_grocery …)."""
    from servicekartan.definitions import service_label

    if indicator_id in _INDICATOR_FIXED:
        sv, en = _INDICATOR_FIXED[indicator_id]
        return sv if lang == "sv" else en
    for prefix, sv, en in (
        ("pop_beyond_", "Invånare längre än {d} från {s}", "People farther than {d} from {s}"),
        ("share_beyond_", "Andel längre än {d} från {s} (%)", "Share farther than {d} from {s} (%)"),
    ):
        if indicator_id.startswith(prefix):
            rest = indicator_id[len(prefix) :]
            dist, _, stype = rest.partition("_")
            unit = dist[-3:] if dist.endswith("min") else dist[-2:]
            d = dist[: -len(unit)] + (" km" if unit == "km" else " min")
            text = sv if lang == "sv" else en
            return text.format(d=d, s=service_label(stype, lang).lower())
    return indicator_id


STRINGS.update(
    {
        "dataset": ("Datamängd", "Dataset"),
        "years": ("År", "Years"),
        "min_pop": ("Minsta invånarantal", "Minimum population"),
        "max_pop": ("Största invånarantal", "Maximum population"),
        "preview": ("Förhandsvisning", "Preview"),
        "rows": ("rader", "rows"),
        "download_csv": ("Ladda ner CSV", "Download CSV"),
        "download_xlsx": ("Ladda ner Excel", "Download Excel"),
        "download_parquet": ("Ladda ner Parquet", "Download Parquet"),
        "download_zip": (
            "Ladda ner zip (data, README, licenser, citering)",
            "Download zip (data, README, licences, citation)",
        ),
        "stable_link": ("Länk som återskapar detta urval", "Link that reproduces this selection"),
        "citation": ("Citering", "Citation"),
        "ds_villages": ("Byar (tätorter och småorter)", "Villages (tätorter and småorter)"),
        "ds_village_access": ("Avstånd till service per by och år", "Distance to services per village and year"),
        "ds_indicators": ("Indikatorer per område och år", "Indicators per area and year"),
        "ds_services": ("Servicepunkter", "Service points"),
        "ds_population": ("Befolkning", "Population"),
        "ds_regions": ("Områden (län, kommuner)", "Areas (counties, municipalities)"),
        "all_types": ("Alla servicetyper", "All service types"),
        "choose_options": ("Välj …", "Choose …"),
        "preview_first": (
            "Förhandsvisningen visar de första {n} raderna; nedladdningarna innehåller alla.",
            "The preview shows the first {n} rows; the downloads hold them all.",
        ),
        "base_population": ("andel av befolkningen", "share of population"),
        "base_households": ("andel av hushållen", "share of households"),
        "series": ("serie", "series"),
        "trend": ("trend", "trend"),
        "villages_brought": ("Byar som kommer inom gränsen", "Villages brought within"),
        "people_brought": ("Invånare som kommer inom gränsen", "People brought within"),
        "no_options": ("Inga val finns", "No options"),
        "empty_download": (
            "Urvalet är tomt: inget att ladda ner. Vidga filtret.",
            "The selection is empty: nothing to download. Widen the filter.",
        ),
    }
)

STRINGS.update(
    {
        "filters": ("Urval", "Filters"),
        "lacking_only": ("Endast byar utan {s} inom {n} km", "Only villages without {s} within {n} km"),
        "village_profile": ("Byprofil", "Village profile"),
        "choose_village": ("Välj by", "Choose village"),
        "pop_over_time": ("Befolkning över tid", "Population over time"),
        "distance_per_type": (
            "Avstånd till närmaste service (fågelvägen)",
            "Distance to the nearest service (straight line)",
        ),
        "nearest_services": ("Närmaste servicepunkter", "Nearest service points"),
        "access_over_years": ("Avstånd över åren", "Distance over the years"),
        "peers": ("Jämförbara byar i samma län", "Similar-sized villages in the same county"),
        "servicepoint_here": ("Servicepunkt i byn", "Service point in the village"),
        "no_servicepoint": ("Ingen registrerad servicepunkt i byn.", "No registered service point in the village."),
        "road_km": ("Väg (km)", "Road (km)"),
        "minutes": ("Minuter", "Minutes"),
        "method": ("Metod", "Method"),
        "quality": ("Kvalitet", "Quality"),
        "villages_matching": ("{n} byar, {p} invånare", "{n} villages, {p} inhabitants"),
        "only_one_year": (
            "Befolkning per tätort finns i den inbäddade datan bara för 2020; `python -m etl fetch` hämtar fler år från SCB.",
            "Population per tätort is in the embedded data for 2020 only; `python -m etl fetch` brings more years from SCB.",
        ),
        "no_access_data": (
            "Avståndsdata saknas: kör `python -m etl build`.",
            "Distance data missing: run `python -m etl build`.",
        ),
        "village_map": ("Byar färgade efter avstånd till {s}", "Villages coloured by distance to {s}"),
    }
)

STRINGS.update(
    {
        "definitions": ("Definitioner", "Definitions"),
        "service_types": ("Servicetyper", "Service types"),
        "distances_method": ("Hur avstånd beräknas", "How distances are computed"),
        "modelled_layer": ("Modellerat och observerat", "Modelled and observed"),
        "sources_licences": ("Källor, licenser och tillskrivning", "Sources, licences and attribution"),
        "freshness": ("Datafärskhet per datamängd", "Data freshness per dataset"),
        "targets_method": ("Målbild och prognoser", "Targets and projections"),
        "costs_method": ("Kalkyl för servicepunkt", "Servicepunkt business case"),
        "min_population": ("Minsta befolkning", "Minimum population"),
    }
)

STRINGS.update(
    {
        "bands_title": ("Befolkning efter avstånd till {s}, {y}", "Population by distance to {s}, {y}"),
        "beyond_per_kommun": (
            "Invånare längre än {n} km från {s} per kommun, {y}",
            "People farther than {n} km from {s} per municipality, {y}",
        ),
        "trend_title": ("Andel längre än {n} km från {s} över tid", "Share farther than {n} km from {s} over time"),
        "whatif": ("Tänk om …", "What if …"),
        "whatif_help": (
            "Stäng en servicepunkt eller öppna en ny (t.ex. en servicepunkt med paket och kontanter i en by) och se direkt vilka byar som påverkas.",
            "Close a service point or open a new one (e.g. a servicepunkt offering parcels and cash in a village) and see at once which villages are affected.",
        ),
        "close_services": ("Stäng servicepunkter", "Close service points"),
        "open_in_village": ("Öppna ny service i byn", "Open a new service in the village"),
        "open_types": ("Servicetyper som den nya punkten erbjuder", "Service types the new point offers"),
        "no_change": ("Välj något att stänga eller öppna.", "Choose something to close or open."),
        "affected_villages": ("Påverkade byar", "Affected villages"),
        "change_beyond": (
            "Förändring av antal invånare längre bort än gränsen",
            "Change in people farther than the threshold",
        ),
        "before": ("Före", "Before"),
        "after": ("Efter", "After"),
        "change": ("Förändring", "Change"),
        "old_nearest": ("Närmast före", "Nearest before"),
        "new_nearest": ("Närmast efter", "Nearest after"),
        "threshold": ("Gräns", "Threshold"),
        "share_beyond": ("Andel längre bort (%)", "Share farther (%)"),
        "pop_beyond": ("Invånare längre bort", "People farther"),
        "people": ("invånare", "people"),
        "scenario_summary": (
            "{p} invånare i {n} byar får längre till närmaste {s}.",
            "{p} people in {n} villages get farther to the nearest {s}.",
        ),
        "scenario_summary_better": (
            "{p} invånare i {n} byar får närmare till {s}.",
            "{p} people in {n} villages get closer to {s}.",
        ),
        "select_on_map": (
            "Tips: klicka på en by på kartan för att öppna dess profil.",
            "Tip: click a village on the map to open its profile.",
        ),
    }
)

STRINGS.update(
    {
        "targets_summary": ("Alla mål för området", "All targets for the area"),
        "target": ("Mål", "Target"),
        "status": ("Status", "Status"),
        "value": ("Värde", "Value"),
        "gap": ("Avstånd till målet", "Gap to target"),
        "trend_reaches": ("Trenden når målet", "Trend reaches target"),
        "add_target": ("Lägg till ett eget mål", "Add your own target"),
        "upload_targets": ("Ladda upp mål (CSV)", "Upload targets (CSV)"),
        "download_targets": ("Ladda ner målen (CSV)", "Download the targets (CSV)"),
        "upload_errors": (
            "Filen innehåller fel; de tidigare målen behålls.",
            "The file has errors; the previous targets are kept.",
        ),
        "upload_ok": ("{n} mål lades till.", "{n} targets added."),
        "per_kommun_status": ("Status per kommun", "Status per municipality"),
        "no_kommun_series": (
            "Kommunvisa serier för detta mål finns efter `python -m etl fetch` (Kolada).",
            "Per-municipality series for this target arrive with `python -m etl fetch` (Kolada).",
        ),
        "save": ("Spara", "Save"),
        "direction": ("Riktning", "Direction"),
        "at_least": ("minst", "at least"),
        "at_most": ("högst", "at most"),
        "target_id": ("Id", "Id"),
        "target_name": ("Namn", "Name"),
        "indicator_id": ("Indikator-id", "Indicator id"),
    }
)

STRINGS.update(
    {
        "never": ("aldrig", "never"),
        "value_at_target": ("Värde målåret", "Value in target year"),
        "latest_value": ("Senaste värde", "Latest value"),
        "latest_year": ("Senaste år", "Latest year"),
    }
)

STRINGS.update(
    {
        "register": ("Register över servicepunkter", "Register of service points"),
        "sp_map": ("Servicepunkter på kartan", "Service points on the map"),
        "plan_new": ("Planera en ny servicepunkt", "Plan a new service point"),
        "sp_name": ("Namn på servicepunkten", "Name of the service point"),
        "sp_types": ("Service som erbjuds", "Services offered"),
        "sp_added": ("Planerad servicepunkt tillagd: {name}", "Planned service point added: {name}"),
        "calculator": ("Kalkyl", "Business case"),
        "building": ("Byggkostnad (kr)", "Building work (kr)"),
        "equipment": ("Inventarier (kr)", "Equipment (kr)"),
        "dep_years": ("Avskrivningstid (år)", "Depreciation (years)"),
        "rate_pct": ("Ränta (%)", "Interest rate (%)"),
        "running": ("Driftkostnad per år (kr)", "Running costs per year (kr)"),
        "fte": ("Personal (årsarbeten)", "Staff (FTE share)"),
        "cost_per_fte": ("Kostnad per årsarbete (kr)", "Cost per FTE (kr)"),
        "grants": ("Bidrag per finansiär (kr)", "Grants by financier (kr)"),
        "financier": ("Finansiär", "Financier"),
        "annual_without": ("Årskostnad utan bidrag", "Annual cost without grants"),
        "annual_with": ("Årskostnad med bidrag", "Annual cost with grants"),
        "financing_split": ("Finansiering av investeringen", "Financing of the investment"),
        "fliseryd_note": (
            "Utfall Fliseryd: färdigställd och utrustad lokal 545 333 kr (Regionförbundet 242 381, Häradssparbanken "
            "200 000, Mönsterås kommun 102 952); kommunen betalar driften 100 000 kr/år (värme m.m. 30 000 + personal "
            "0,2 åa 70 000). Fördelningen bygg/inventarier, avskrivningstid (20 år) och ränta (3 %) är antaganden.",
            "Fliseryd outcome: finished and equipped premises 545,333 kr (Regionförbundet 242,381, Häradssparbanken "
            "200,000, Mönsterås kommun 102,952); the municipality pays the running costs of 100,000 kr/year (heating "
            "etc. 30,000 + staff 0.2 FTE 70,000). The building/equipment split, the depreciation period (20 years) "
            "and the interest rate (3 %) are assumptions.",
        ),
        "pre_post": (
            "Förkalkyl (dina siffror) mot efterkalkyl (utfall Fliseryd)",
            "Pre-calculation (your figures) vs post-calculation (Fliseryd outcome)",
        ),
        "sensitivity": (
            "Känslighet: årskostnad utan bidrag efter avskrivningstid och ränta",
            "Sensitivity: annual cost without grants by depreciation period and rate",
        ),
        "access_link": ("Vad servicepunkten ändrar i tillgänglighet", "What the service point changes in access"),
        "brought_within": (
            "Byar och invånare som kommer inom gränsen",
            "Villages and people brought within the threshold",
        ),
        "villages_n": ("Byar", "Villages"),
        "people_n": ("Invånare", "People"),
        "input_error": ("Kontrollera siffrorna: {msg}", "Check the figures: {msg}"),
        "item": ("Post", "Item"),
        "pre": ("Förkalkyl", "Pre-calculation"),
        "post": ("Efterkalkyl", "Post-calculation"),
        "difference": ("Skillnad", "Difference"),
        "planned": ("planerad", "planned"),
        "open": ("öppen", "open"),
    }
)

_CODES: dict[str, tuple[str, str]] = {
    "estimate": ("skattning", "estimate"),
    "network": ("vägnät", "road network"),
    "unreachable": ("ej nåbar", "unreachable"),
    "no_service": ("ingen service", "no service"),
    "no_location": ("läge saknas", "no location"),
    "modelled": ("modellerad", "modelled"),
    "observed": ("observerad", "observed"),
    "mixed": ("blandad", "mixed"),
    "open": ("öppen", "open"),
    "planned": ("planerad", "planned"),
    "closed": ("stängd", "closed"),
}


def code_label(code: object, lang: str = DEFAULT_LANG) -> str:
    """Readable label for a data code (method, quality, status); unknown codes pass through, missing as '–'."""
    if code is None or (isinstance(code, float) and code != code):
        return "–"
    pair = _CODES.get(str(code))
    return str(code) if pair is None else (pair[0] if lang == "sv" else pair[1])


STRINGS.update(
    {
        "share_beyond_card": ("Andel >{n} km till {s}", "Share >{n} km from {s}"),
        "targets_status": ("Målen för området", "Targets for the area"),
    }
)

STRINGS.update(
    {
        "pp_since": ("{d} p.e. sedan {y}", "{d} pp since {y}"),
        "pp_help": (
            "Förändring i procentenheter (p.e.) sedan {y}. Grönt: färre långt bort.",
            "Change in percentage points (pp) since {y}. Green: fewer people far away.",
        ),
    }
)

STRINGS.update(
    {
        "share_beyond_cards": (
            "Andel av tätortsbefolkningen längre än {n} km (fågelväg) från närmaste …, {y}",
            "Share of the tätort population farther than {n} km (straight line) from the nearest …, {y}",
        )
    }
)

STRINGS.update(
    {
        "save_view": ("Spara vyn i presentationen", "Save view to the presentation"),
        "save_view_help": (
            "Lägger sidans huvuddiagram först i presentationsläget (länken bevarar det).",
            "Puts this page's main chart first in presenter mode (the link keeps it).",
        ),
        "view_saved": ("Vyn är sparad. Slå på presentationsläget.", "View saved. Turn on presenter mode."),
    }
)

STRINGS.update(
    {
        "status_seed": (
            "Data: inbäddad ögonblicksbild (SCB 2020, OSM 2020) och modellerade servicepunkter. Se Om / Metod.",
            "Data: embedded snapshot (SCB 2020, OSM 2020) and modelled service points. See About / Method.",
        ),
        "status_observed": ("Observerad data: {what}, hämtad {date}", "Observed data: {what}, retrieved {date}"),
    }
)

STRINGS.update(
    {
        "osm_partial": (
            "Apotek och vårdcentraler kommer från OpenStreetMaps export 2020, som är ofullständig (Sverige har omkring "
            "1 400 apotek, exporten 690): avstånd kan vara för långa tills `python -m etl fetch` hämtat aktuella punkter.",
            "Pharmacies and health centres come from OpenStreetMap's 2020 export, which is incomplete (Sweden has about "
            "1,400 pharmacies, the export 690): distances may be too long until `python -m etl fetch` brings current points.",
        )
    }
)
