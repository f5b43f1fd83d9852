"""scipy's KD-tree, imported on first use: `import scipy.spatial` costs ~0.4 s of CPU that a page which only
reads built data never needs (it was a seventh of the app's cold start, bench/app.py --cold-only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scipy.spatial import cKDTree as _Tree


def cKDTree(*args: Any, **kwargs: Any) -> _Tree:  # noqa: N802 - the name of what it returns
    from scipy.spatial import cKDTree as tree

    return tree(*args, **kwargs)
