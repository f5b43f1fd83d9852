"""Offline dataset builders, one module per output dataset (file name == dataset name).

A builder module declares:

    NAME = "<name>"
    INPUTS: tuple[str, ...] = ("regions", "villages")   # processed datasets it reads; the build order comes from these
    def build(inputs: Mapping[str, pd.DataFrame]) -> Dataset: ...

`build` is pure apart from reading seed files (etl.seed) and fetched raw data (etl.raw, through the
fetchers' transforms); the frames of its INPUTS come in `inputs`. `etl.build` finds every builder here.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from types import ModuleType

import pandas as pd

from servicekartan import catalog
from servicekartan.catalog import Provenance


class Inputs(Mapping[str, pd.DataFrame]):
    """The frames of a builder's inputs by name, and their provenance (`inputs.provenance("services")`)."""

    def __init__(self, frames: Mapping[str, pd.DataFrame], provenance: Mapping[str, Provenance]) -> None:
        self._frames = dict(frames)
        self._provenance = dict(provenance)

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self._frames[name]
        except KeyError:
            have = ", ".join(self._frames) or "none"
            raise KeyError(f"{name!r} is not among the builder's declared INPUTS ({have}): add it to INPUTS") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)

    def provenance(self, name: str) -> Provenance:
        return self._provenance[name]

    @staticmethod
    def provenance_of(inputs: Mapping[str, pd.DataFrame], name: str) -> Provenance:
        """Provenance of an input: from `Inputs`, else (a plain dict) from the built dataset in data/processed."""
        if isinstance(inputs, Inputs):
            return inputs.provenance(name)
        return catalog.provenance(name)


def from_catalog(names: tuple[str, ...] | list[str]) -> Inputs:
    """Inputs read from data/processed (to run one builder by hand or in a test)."""
    return Inputs({n: catalog.read(n) for n in names}, {n: catalog.provenance(n) for n in names})


@cache
def builder_names() -> tuple[str, ...]:
    """The NAME of every builder, read from the file names without importing the modules (the app asks on
    every cold start which datasets are missing; importing all builders pulled in scipy and the fetchers)."""
    names = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        text = (Path(__path__[0]) / f"{info.name}.py").read_text(encoding="utf-8")
        if re.search(r"^NAME\b", text, re.M) and re.search(r"^def build\(", text, re.M):
            names.append(info.name)  # the file name is the dataset name (builders() checks it)
    return tuple(names)


@cache
def builders() -> dict[str, ModuleType]:
    """Every builder module in etl/datasets/, by NAME (a module without NAME/build is not a builder)."""
    out: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if not (hasattr(module, "NAME") and hasattr(module, "build")):
            continue
        if info.name != module.NAME:
            raise RuntimeError(
                f"etl/datasets/{info.name}.py declares NAME = {module.NAME!r}; the file name must be the dataset name"
            )
        out[module.NAME] = module
    return out
