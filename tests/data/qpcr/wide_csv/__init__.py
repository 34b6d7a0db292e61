"""SYNTHETIC fixtures and their generator (a package so that mypy names the generator apart)."""
