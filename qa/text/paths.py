"""How a message names files to a page or API client: not by the server's absolute paths."""

from __future__ import annotations

import re
from pathlib import Path

# An absolute file path in a message: not a URL's path (after "host:port" or "//").
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~-])/(?:[^\s/:;,()'\"`]+/)*[^\s/:;,()'\"`]+")


def without_paths(text: str) -> str:
    """``text`` with each absolute server path shown as the operator configured it
    (relative to the app's working folder) or, outside it, by its last two parts: a
    page or API client is not told where the server keeps its files."""

    def short(match: re.Match) -> str:
        path = Path(match.group(0))
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return "/".join(path.parts[-2:]) if len(path.parts) > 2 else path.name

    return _ABSOLUTE_PATH.sub(short, text)


def error_text(exc: BaseException | str) -> str:
    """What a page or API client is told of an expected failure (``exc``'s own words)."""
    return without_paths(" ".join(str(exc).split()))
