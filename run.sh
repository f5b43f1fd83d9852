#!/usr/bin/env bash
# Start the dashboard on the embedded data: creates .venv, installs, builds data/processed, serves.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import streamlit, pyproj, scipy, filelock" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install -q -r requirements.txt
fi
.venv/bin/python -m etl build
exec .venv/bin/streamlit run dashboard.py --server.headless true --browser.gatherUsageStats false "$@"
