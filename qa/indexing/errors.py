"""The one error the index raises when it cannot be used as it is.

Its message is one line for a person: what is wrong, which file or URL, and what to
do (``qa ingest --rebuild``, start the Chroma server). The CLI prints it, the app
shows it and keeps serving.
"""

from __future__ import annotations


class IndexUnavailable(RuntimeError):
    """The store, the record manager or a manifest cannot be read or reached."""


def reason(exc: BaseException) -> str:
    """A short, single-line reason for ``exc`` (its first line, without SQL dumps)."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{exc.__class__.__name__}: {first}" if first else exc.__class__.__name__
