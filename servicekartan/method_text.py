"""The method page's prose in Swedish and English (constant text; figures come from the code's constants)."""

from __future__ import annotations

from servicekartan import access, modelled
from servicekartan.definitions import THRESHOLDS_KM, THRESHOLDS_MIN


def definitions(lang: str) -> str:
    if lang == "sv":
        return """
- **Tätort**: sammanhängande bebyggelse med minst 200 invånare (SCB). 2 017 tätorter år 2020, 88 % av befolkningen.
- **Småort**: bebyggelse med 50–199 invånare (SCB), ungefär 3 % av befolkningen; hämtas med `python -m etl fetch`.
- **By** används i appen för tätort och småort. Kod som `0861TB103` (Fliseryd); `TC` betecknar kommunens centralort.
- **Kommun** (290, 4 siffror) och **län** (21, 2 siffror); Sverige har koden `00`.

Avstånds- och befolkningsmått avser **befolkningen i tätorter (och småorter när de hämtats)**, inte hela befolkningen:
glesbygden utanför tätorterna ingår inte.
"""
    return """
- **Tätort** (locality): a continuous built-up area with at least 200 inhabitants (SCB). 2,017 in 2020, 88 % of the population.
- **Småort**: a built-up area with 50–199 inhabitants (SCB), about 3 % of the population; fetched with `python -m etl fetch`.
- **Village** in this app means a tätort or småort. Codes like `0861TB103` (Fliseryd); `TC` marks the kommun's central town.
- **Kommun** (290, 4 digits) and **län** (21, 2 digits); Sweden is `00`.

Access and population figures cover **the population living in tätorter (and småorter once fetched)**, not the whole
population: the countryside outside them is not included.
"""


def distances(lang: str) -> str:
    c, v = access.CIRCUITY_FACTOR, access.AVERAGE_SPEED_KMH
    km = ", ".join(str(t) for t in THRESHOLDS_KM)
    mins = ", ".join(str(t) for t in THRESHOLDS_MIN)
    if lang == "sv":
        return f"""
- **Avstånd (km)** är fågelvägen från SCB:s punkt för tätorten till närmaste servicepunkt av typen, beräknat i
  SWEREF 99 TM (meter) med ett spatialt index (KD-träd, `scipy`).
- En servicepunkt räknas ett år Y när *öppnad ≤ Y < stängd* (saknat år = öppet i den riktningen).
- **Väg (km)** och **minuter**: med ett vägnät inläst (`data/raw/roads/`) kortaste väg (Dijkstra från alla
  servicepunkter samtidigt); annars en **skattning**: fågelväg × {c:g} (omvägsfaktor, {access.CIRCUITY_SOURCE})
  och medelhastighet {v:g} km/h ({access.SPEED_SOURCE}). Kolumnen `method` säger vilket.
- Byar utan vägförbindelse (öar) visas som *ej nåbara*, aldrig som 0 eller oändligt.
- Andel befolkning längre bort än {km} km och {mins} minuter räknas per kommun, län och Sverige och år.
"""
    return f"""
- **Distance (km)** is the straight line from SCB's point of the tätort to the nearest service point of the type,
  computed in SWEREF 99 TM (metres) with a spatial index (KD-tree, `scipy`).
- A service point counts in year Y when *opened ≤ Y < closed* (a missing year is open-ended).
- **Road (km)** and **minutes**: with a road network loaded (`data/raw/roads/`), the shortest path (one Dijkstra
  pass from all service points at once); otherwise an **estimate**: straight line × {c:g} (circuity factor,
  {access.CIRCUITY_SOURCE}) at {v:g} km/h ({access.SPEED_SOURCE}). The `method` column says which.
- Villages without a road link (islands) are shown as *unreachable*, never as 0 or infinity.
- Population farther than {km} km and {mins} minutes is counted per kommun, län and Sweden and year.
"""


def modelled_layer(lang: str) -> str:
    if lang == "sv":
        return (
            "Det finns ingen öppen fil offline över dagligvarubutiker, drivmedel, uttagsautomater, paketombud, "
            "betalnings- och deponeringsställen eller skolor. Tills `python -m etl fetch` hämtar observerade punkter "
            "från OpenStreetMap får varje tätort en **modellerad** servicepunkt av en typ när dess befolkning 2020 når "
            "tröskeln nedan, eller när den är kommunens centralort (`TC`). Punkten ligger i tätortens punkt. Alla sådana "
            "rader har `quality = modelled` och allt som bygger på dem visar märket **Modellerad**."
        )
    return (
        "There is no open offline file of grocery stores, fuel stations, ATMs, parcel agents, payment or deposit points "
        "or schools. Until `python -m etl fetch` brings observed OpenStreetMap points, each tätort gets a **modelled** "
        "service point of a type when its 2020 population reaches the threshold below, or when it is its kommun's central "
        "town (`TC`). The point sits at the tätort's point. Every such row has `quality = modelled` and everything built "
        "on them shows the **Modelled** badge."
    )


RULE_TABLE = modelled.rule_table


def sources(lang: str) -> str:
    head = (
        "| källa | vad | licens | tillskrivning |\n|---|---|---|---|\n"
        if lang == "sv"
        else "| source | what | licence | attribution |\n|---|---|---|---|\n"
    )
    rows = [
        (
            "SCB (Statistiska centralbyrån)",
            "tätorter 2020, kommun- och länsgränser, befolkning (PxWeb API)"
            if lang == "sv"
            else "tätorter 2020, kommun and län boundaries, population (PxWeb API)",
            "CC0 1.0",
            "Källa: SCB",
        ),
        (
            "OpenStreetMap",
            "apotek och vård (HOT-export 2020), servicepunkter via Overpass"
            if lang == "sv"
            else "pharmacies and health (HOT export 2020), service points via Overpass",
            "ODbL 1.0",
            "© OpenStreetMap contributors",
        ),
        (
            "Kolada (RKA)",
            "kommunala nyckeltal N07530, N07900, N07918–N07920, N01951"
            if lang == "sv"
            else "municipal KPIs N07530, N07900, N07918–N07920, N01951",
            "CC BY 4.0",
            "Källa: Kolada",
        ),
        (
            "PTS",
            "bredbandstäckning, nationella andelar" if lang == "sv" else "broadband coverage, national shares",
            "public facts" if lang == "en" else "offentliga uppgifter",
            "Källa: PTS",
        ),
        (
            "Mönsterås kommun / origin material",
            "Servicepunkt Fliseryd: avtal, finansiering, kostnader"
            if lang == "sv"
            else "Servicepunkt Fliseryd: agreement, financing, costs",
            "facts",
            "Mönsterås kommun",
        ),
    ]
    return head + "\n".join(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows)


def targets(lang: str) -> str:
    if lang == "sv":
        return (
            "Målen är data (`data/seed/targets.csv`), inte kod; egna mål kan läggas till och laddas upp som CSV. "
            "Status vid målåret: **uppnått**, **ej uppnått** eller **uppgift saknas**. För mål i framtiden: en linjär trend "
            "(minsta kvadrat) över de senaste fyra observerade åren i det senaste obrutna segmentet visar om trenden når "
            "målet och när. Trenden skattas aldrig över ett seriebrott (bredband: bas befolkning före 2014, hushåll därefter)."
        )
    return (
        "Targets are data (`data/seed/targets.csv`), not code; users can add their own and upload them as CSV. Status at "
        "the target year: **met**, **missed** or **no data**. For future targets, a linear least-squares trend over the last "
        "four observed years of the latest unbroken segment shows whether and when the trend reaches the target. The trend "
        "is never fitted across a series break (broadband: population base before 2014, households after)."
    )


def costs(lang: str) -> str:
    if lang == "sv":
        return (
            "Investering = byggnad + utrustning. Årskostnad **utan bidrag** = linjär avskrivning (investering / år) + ränta "
            "på genomsnittligt bundet kapital (ränta × investering / 2) + driftkostnader (värme, el, försäkring) + personal "
            "(tjänsteandel × kostnad per tjänst). Med bidrag som täcker investeringen: drift + personal. Fliseryd: 545 333 kr "
            "finansierat av Regionförbundet 242 381, Häradssparbanken 200 000 och Mönsterås kommun 102 952; drift 100 000 kr/år."
        )
    return (
        "Investment = building + equipment. Annual cost **without grants** = straight-line depreciation (investment / years) "
        "+ interest on the average tied-up capital (rate × investment / 2) + running costs (heating, electricity, insurance) + "
        "staff (FTE share × cost per FTE). With grants covering the investment: running + staff only. Fliseryd: 545,333 kr "
        "financed by Regionförbundet 242,381, Häradssparbanken 200,000 and Mönsterås kommun 102,952; running 100,000 kr/year."
    )
