"""Reports produced from the built data by a command (committed outputs in docs/)."""
