"""SYNTHETIC Bio-Rad CFX export variants (written by generate.py)."""
