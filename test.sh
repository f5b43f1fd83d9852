#!/usr/bin/env bash
# Run the whole test suite: creates .venv, installs dev requirements (and Debian's Chromium for the
# browser tests when running as root and it is missing), lints, then runs pytest.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser tests…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import streamlit, pyproj, pytest, responses, hypothesis, playwright, filelock" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install -q -r requirements-dev.txt
fi
# axe-core (npm) for the accessibility browser tests (tests/e2e/test_a11y.py), once, git-ignored
if [ ! -f tests/e2e/.axe/node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null; then
  npm install --silent --no-audit --no-fund --prefix tests/e2e/.axe axe-core@4 >/dev/null \
    || echo "axe-core could not be installed: the accessibility tests will skip"
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
