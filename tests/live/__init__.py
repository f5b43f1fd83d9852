"""Live smoke tests against the real APIs (network; run with: .venv/bin/pytest -m live tests/live)."""
