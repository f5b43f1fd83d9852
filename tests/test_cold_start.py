"""Cold start: what the first page view imports (speed is measured in bench/app.py, never asserted here)."""

from __future__ import annotations

import subprocess
import sys

from etl.datasets import builder_names, builders
from servicekartan import paths

_FIRST_VIEW = """
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({script!r}, default_timeout=300)
at.run()
assert not at.exception, at.exception
print(sorted({{m.split(".")[0] + "." + m.split(".")[1] for m in sys.modules if m.startswith("scipy.")}}))
"""


def test_builder_names_without_importing_match_the_builders():
    assert builder_names() == tuple(builders())
    assert "village_access" in builder_names() and "data_status" in builder_names()


def test_first_view_of_the_overview_does_not_import_scipy(data_env):
    """The overview reads built data only: scipy (KD-trees, road graphs; ~0.4 s of CPU to import) waits until a
    page computes distances. It was imported by the start-up check for missing datasets (all builders)."""
    script = str(paths.REPO_ROOT / "dashboard.py")
    out = subprocess.run(
        [sys.executable, "-c", _FIRST_VIEW.format(script=script)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=paths.REPO_ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout
