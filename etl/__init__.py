"""ETL: `python -m etl build` (offline, from data/seed and data/raw) and `python -m etl fetch` (online)."""
