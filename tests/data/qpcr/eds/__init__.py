"""SYNTHETIC .eds fixtures and their generator (a package, so that mypy tells the generators apart)."""
