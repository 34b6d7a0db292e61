"""SYNTHETIC QuantStudio Design & Analysis workbook variants (written by generate.py)."""
