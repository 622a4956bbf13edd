"""Measurements: scripts that print figures side by side in one run (``python -m bench.query``
and so on, from the repository root). Training code is in ``training/``."""
