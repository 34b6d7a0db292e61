"""SYNTHETIC RDML variants (written by generate.py)."""
