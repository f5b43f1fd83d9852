"""Browser (end-to-end) tests: Playwright + Debian Chromium against a running Streamlit server."""
