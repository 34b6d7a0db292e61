"""SYNTHETIC scenario plates of issue 12 (a package only so that mypy tells this generate.py
from tests/data/qpcr/generate.py)."""
