"""Published dates as sortable integers (the form Chroma filters on)."""

from __future__ import annotations


def date_int(iso: str) -> int:
    """20140131 for "2014-01-31" (0 when the date is unknown or malformed)."""
    digits = iso.replace("-", "")[:8]
    return int(digits) if len(digits) == 8 and digits.isdigit() else 0
