"""The raw store: fetched responses staged per unit, committed into data/raw/<source>/<dataset>/<unit>/ with lock files.

- every response is written (atomically) into `data/staging/<source>/<dataset>/<unit>/` with a lock file
  `<name>.lock.json` (url, query, sha256, retrieved_at, licence …) written after the body;
- only when every request of a unit succeeded is the staged folder swapped into `data/raw/…/<unit>/`
  (with a `_unit.json` manifest); a failed unit leaves `data/raw/` untouched;
- `read_raw` gives a dataset's committed responses (checked against their sha256) to the pure transforms;
  a unit folder without its `_unit.json`, or missing a file its manifest lists, is an error naming it;
- a commit is two renames (old unit aside, staged unit in); `recover()` (run by fetch and build under the
  data lock) finishes or rolls back a commit that was killed between them and removes the leftovers;
- staging never keeps a page of a paginated chain (a response whose info has "page") from a failed or
  killed run: `abort()` drops them at once and a new store drops any it finds, so a bad chain is never replayed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from etl.sources.http import USER_AGENT, Clock, Fetched, SystemClock
from servicekartan import paths
from servicekartan.catalog import DatasetError, atomic_write_bytes

LOCK_SUFFIX = ".lock.json"
UNIT_MANIFEST = "_unit.json"


def staging_dir() -> Path:
    return paths.data_dir() / "staging"


def _now_iso(clock: Clock) -> str:
    return datetime.fromtimestamp(clock.wall(), UTC).replace(microsecond=0).isoformat()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:60] or "response"


def request_key(method: str, url: str, params: Any = None, body: Any = None) -> str:
    """Stable identity of a request: sha256 over method, URL, params and body (canonical JSON)."""
    canon = json.dumps([method.upper(), url, params or {}, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canon.encode()).hexdigest()[:16]


@dataclass
class RawItem:
    """One committed response: its body file and lock."""

    path: Path
    lock: dict

    @property
    def content(self) -> bytes:
        return self.path.read_bytes()

    @property
    def payload(self) -> Any:
        return json.loads(self.content)

    @property
    def kind(self) -> str:
        return self.lock.get("kind", "data")

    @property
    def info(self) -> dict:
        return self.lock.get("info") or {}

    @property
    def retrieved(self) -> str:
        return self.lock.get("retrieved_at", "")


def _read_lock(path: Path) -> dict | None:
    try:
        lock = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return lock if isinstance(lock, dict) and lock.get("status") == "complete" else None


def _body_ok(body: Path, lock: dict) -> bool:
    try:
        return hashlib.sha256(body.read_bytes()).hexdigest() == lock.get("sha256")
    except OSError:
        return False


class RawStore:
    """The responses of one fetch unit: staged during the run, swapped into data/raw/ when all succeeded."""

    def __init__(
        self, source: str, dataset: str, unit: str, *, licence: str, attribution: str, clock: Clock | None = None
    ) -> None:
        self.source, self.dataset, self.unit = source, dataset, unit
        self.licence, self.attribution = licence, attribution
        self.clock = clock or SystemClock()
        self.final = paths.raw_dir() / source / dataset / unit
        self.stage = staging_dir() / source / dataset / unit
        self.used: list[str] = []  # body file names belonging to this run
        self.saved = 0  # responses downloaded (not reused) in this run
        self._drop_pages()  # pages staged by an earlier run that did not commit: never replayed

    def _drop_pages(self) -> None:
        """Remove staged responses that are pages of a chain (info has "page"): a chain is fetched whole or not at all."""
        if not self.stage.is_dir():
            return
        for lock_path in self.stage.glob(f"*{LOCK_SUFFIX}"):
            try:
                lock = json.loads(lock_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                lock = None
            if isinstance(lock, dict) and "page" not in (lock.get("info") or {}):
                continue
            name = lock.get("file") if isinstance(lock, dict) else None
            if name:
                (self.stage / name).unlink(missing_ok=True)
                if name in self.used:
                    self.used.remove(name)
            lock_path.unlink(missing_ok=True)
        _prune_empty(self.stage, staging_dir())

    def abort(self) -> None:
        """The unit failed: drop the pages it staged (other complete responses stay staged for a resume)."""
        self._drop_pages()

    def _find(self, directory: Path, key: str) -> tuple[Path, dict] | None:
        if not directory.is_dir():
            return None
        for lock_path in directory.glob(f"*--{key}{LOCK_SUFFIX}"):
            lock = _read_lock(lock_path)
            if lock is None:
                continue
            body = directory / lock["file"]
            if _body_ok(body, lock):
                return body, lock
        return None

    def _fresh(self, lock: dict, max_age_s: float | None) -> bool:
        if max_age_s is None:
            return True
        try:
            age = self.clock.wall() - datetime.fromisoformat(lock["retrieved_at"]).timestamp()
        except (KeyError, ValueError):
            return False
        return age <= max_age_s

    def lookup(self, key: str, max_age_s: float | None) -> tuple[bytes, dict] | None:
        """A complete earlier response to this request (staged by a failed run, or committed), if fresh enough."""
        hit = self._find(self.stage, key)
        if hit is not None and not self._fresh(hit[1], max_age_s):
            hit = None
        if hit is None:
            hit = self._find(self.final, key)
            if hit is not None and not self._fresh(hit[1], max_age_s):
                return None
            if hit is not None:  # carry the committed response into this run's set
                body, lock = hit
                atomic_write_bytes(self.stage / body.name, body.read_bytes())
                atomic_write_bytes(self.stage / (body.name[: -len(".json")] + LOCK_SUFFIX), _lock_bytes(lock))
        if hit is None:
            return None
        body, lock = hit
        self.used.append(body.name)
        return body.read_bytes(), lock

    def save(self, fetched: Fetched, key: str, slug: str, *, kind: str, query: dict, info: dict | None) -> RawItem:
        """Write the exact response bytes, then the lock file (the lock marks the response complete)."""
        name = f"{_slug(slug)}--{key}.json"
        body = self.stage / name
        atomic_write_bytes(body, fetched.content)
        lock = {
            "status": "complete",
            "source": self.source,
            "dataset": self.dataset,
            "unit": self.unit,
            "kind": kind,
            "key": key,
            "file": name,
            "method": fetched.method,
            "url": fetched.url,
            "query": query,
            "http_status": fetched.status,
            "content_type": fetched.content_type,
            "bytes": len(fetched.content),
            "sha256": hashlib.sha256(fetched.content).hexdigest(),
            "retrieved_at": _now_iso(self.clock),
            "licence": self.licence,
            "attribution": self.attribution,
            "client": USER_AGENT,
            "info": info or {},
        }
        atomic_write_bytes(self.stage / f"{_slug(slug)}--{key}{LOCK_SUFFIX}", _lock_bytes(lock))
        self.used.append(name)
        self.saved += 1
        return RawItem(body, lock)

    def commit(self, manifest: dict) -> None:
        """Swap the staged unit into data/raw/ (dropping staged files this run did not use).

        A run that only reused the committed responses leaves data/raw/ exactly as it was.
        """
        committed = self.final / UNIT_MANIFEST
        if self.saved == 0 and committed.exists():
            try:
                unchanged = json.loads(committed.read_text(encoding="utf-8")).get("files") == sorted(self.used)
            except (OSError, ValueError):
                unchanged = False
            if unchanged:
                shutil.rmtree(self.stage, ignore_errors=True)
                _prune_empty(self.stage.parent, staging_dir())
                return
        keep = set(self.used) | {n[: -len(".json")] + LOCK_SUFFIX for n in self.used}
        self.stage.mkdir(parents=True, exist_ok=True)
        for p in self.stage.iterdir():
            if p.name not in keep:
                p.unlink() if p.is_file() else shutil.rmtree(p)
        manifest = {**manifest, "files": sorted(self.used), "completed_at": _now_iso(self.clock)}
        atomic_write_bytes(self.stage / UNIT_MANIFEST, _lock_bytes(manifest))
        self.final.parent.mkdir(parents=True, exist_ok=True)
        trash = self.final.parent / f".{self.unit}{REPLACED}{os.getpid()}"
        if self.final.exists():
            os.replace(self.final, trash)  # a kill from here to the next rename is finished by recover()
        os.replace(self.stage, self.final)
        shutil.rmtree(trash, ignore_errors=True)
        _prune_empty(self.stage.parent, staging_dir())


REPLACED = ".replaced-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def recover(out=None) -> list[str]:  # noqa: ANN001 - a text stream
    """Finish or roll back commits killed between their two renames; clean `.replaced-<pid>` leftovers.

    For a leftover `.<unit>.replaced-<pid>` of a process that is gone: when the unit is in place the
    leftover is the old copy (removed); when it is not, the staged unit is moved in if its manifest was
    written (finish), else the old copy is moved back (roll back). Returns what it did, one line each.
    """
    root = paths.raw_dir()
    done: list[str] = []
    if not root.is_dir():
        return done
    for trash in sorted(root.glob(f"*/*/.*{REPLACED}*")):
        unit, _, pid = trash.name[1:].rpartition(REPLACED)
        if not unit or not pid.isdigit() or _alive(int(pid)) and int(pid) != os.getpid():
            continue
        final = trash.parent / unit
        stage = staging_dir() / trash.parent.relative_to(root) / unit
        if final.exists():
            shutil.rmtree(trash, ignore_errors=True)
            done.append(f"removed the leftover {trash}")
        elif (stage / UNIT_MANIFEST).exists():
            os.replace(stage, final)
            shutil.rmtree(trash, ignore_errors=True)
            _prune_empty(stage.parent, staging_dir())
            done.append(f"finished the interrupted commit of {final}")
        else:
            os.replace(trash, final)
            done.append(f"rolled back the interrupted commit of {final}")
    if out is not None:
        for line in done:
            print(line, file=out)
    return done


def _lock_bytes(d: dict) -> bytes:
    return (json.dumps(d, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n").encode()


def _prune_empty(path: Path, stop: Path) -> None:
    while path != stop and stop in path.parents:
        try:
            path.rmdir()
        except OSError:
            return
        path = path.parent
    with contextlib.suppress(OSError):
        stop.rmdir()


def read_raw(source: str, dataset: str) -> list[RawItem]:
    """Every committed response of a dataset (all units), oldest first; a body that fails its sha256 raises."""
    root = paths.raw_dir() / source / dataset
    if not root.is_dir():
        return []
    items: list[RawItem] = []
    for unit in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        manifest = _manifest(unit, source)
        absent = [f for f in manifest.get("files", []) if not (unit / f).exists()]
        if absent:
            raise DatasetError(
                f"raw unit {unit} lacks {len(absent)} of the files its {UNIT_MANIFEST} lists ({', '.join(absent[:3])}); "
                f"fetch it again with: python -m etl fetch --source {source} --refresh"
            )
        for lock_path in sorted(unit.glob(f"*{LOCK_SUFFIX}")):
            lock = _read_lock(lock_path)
            if lock is None:
                continue
            body = unit / lock["file"]
            if not _body_ok(body, lock):
                raise DatasetError(
                    f"raw file {body} does not match the sha256 in its lock file; fetch it again with: "
                    f"python -m etl fetch --source {source} --refresh"
                )
            items.append(RawItem(body, lock))
    items.sort(key=lambda i: i.retrieved)
    return items


def _manifest(unit: Path, source: str) -> dict:
    """A unit's `_unit.json`; a unit without a readable one is an error naming the folder."""
    path = unit / UNIT_MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        why = f"has no {UNIT_MANIFEST} manifest (an interrupted copy?)"
    except (OSError, ValueError) as exc:
        why = f"has an unreadable {UNIT_MANIFEST} ({type(exc).__name__})"
    else:
        if isinstance(manifest, dict):
            return manifest
        why = f"has a {UNIT_MANIFEST} that is not an object"
    raise DatasetError(
        f"raw unit {unit} {why}; fetch it again with: python -m etl fetch --source {source} --refresh "
        f"(or remove the folder)"
    )


def unit_manifests(source: str, dataset: str) -> list[dict]:
    root = paths.raw_dir() / source / dataset
    out = []
    if root.is_dir():
        for m in sorted(root.glob(f"*/{UNIT_MANIFEST}")):
            try:
                out.append(json.loads(m.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
    return out
