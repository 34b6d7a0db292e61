"""SYNTHETIC LightCycler 480 fixtures (a package so that mypy tells the generate.py scripts apart)."""
