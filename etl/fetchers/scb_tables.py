"""The SCB fetchers' one loop: open each PxWeb table, plan its selection, request every (split) part through the context."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from etl.fetchers.spec import FetchContext
from etl.sources.pxweb import PxWeb, TableMeta, TableRef

# meta -> (selection, dimensions to eliminate), or None to skip the table (e.g. no year asked for)
Select = Callable[[TableMeta], "tuple[dict, list[str]] | None"]


def fetch_tables(
    ctx: FetchContext, client: PxWeb, refs: Iterable[TableRef], select: Select, info: dict | None = None
) -> None:
    """Network only: config + metadata of every table (kept with the unit), then each planned data query.

    Every saved response carries `info` plus the table id and API ("v2"/"v1"); data parts also their number.
    """
    for ref in refs:
        table = client.open(ref)
        base = {"table": table.ident, "api": table.api, **(info or {})}
        for f in table.fetched:
            kind = "config" if "config" in f.url else "metadata"
            ctx.record(f, f"{table.ident}-{kind}", kind=kind, info=base)
        chosen = select(table.meta)
        if chosen is None:
            continue
        plan = table.plan(*chosen)
        ctx.expect(len(plan))
        for q in plan:
            ctx.request(
                f"{table.ident.replace('/', '_')}-data-{q.part}of{q.parts}",
                "POST",
                q.url,
                lambda q=q, table=table: table.query(q),
                params=q.params,
                body=q.body,
                info={**base, "part": q.part, "parts": q.parts},
            )
