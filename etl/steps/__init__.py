"""One module per output dataset; each has `build() -> Dataset` (offline) and, where online, `fetch()`."""
