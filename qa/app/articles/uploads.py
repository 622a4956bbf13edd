"""Adding article files to the corpus folder, safely (removal: trash.py)."""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

from qa.indexing.corpus import SUPPORTED_SUFFIXES


class UploadError(ValueError):
    """An upload that cannot be accepted (type, size, name)."""


def safe_name(name: str) -> str:
    """A file name with no folder part and only safe characters."""
    base = Path(name.replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    if not suffix and stem.startswith(".") and stem.lower() in SUPPORTED_SUFFIXES:
        stem, suffix = "", stem.lower()  # ".txt": an article with no name before its type
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-_")[:80] or "article"
    return f"{stem}{suffix}"


def save_upload(src: Path, original_name: str, corpus_dir: Path, max_mb: float) -> Path:
    """Copy an uploaded file into the corpus; never overwrite, never escape the folder."""
    name = safe_name(original_name)
    suffix = Path(name).suffix
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadError(
            f"{original_name}: only {', '.join(SUPPORTED_SUFFIXES)} files can be added"
        )
    size = Path(src).stat().st_size
    if size > max_mb * 1024 * 1024:
        raise UploadError(f"{original_name} is {size / 1e6:.1f} MB; the limit is {max_mb} MB")
    corpus_dir.mkdir(parents=True, exist_ok=True)
    target = corpus_dir / name
    stem, n = Path(name).stem, 2
    while target.exists() or any(target.with_suffix(s).exists() for s in SUPPORTED_SUFFIXES):
        target = corpus_dir / f"{stem}-{n}{suffix}"  # a clash gets a new name, not an overwrite
        n += 1
    if corpus_dir.resolve() not in target.resolve().parents:
        raise UploadError(f"{original_name}: bad file name")
    try:
        shutil.copyfile(src, target)
    except OSError as exc:  # a full disk: no half-written article is left behind
        with contextlib.suppress(OSError):
            target.unlink(missing_ok=True)
        raise UploadError(f"{original_name} could not be saved: {exc.strerror or exc}") from exc
    return target


def discard_upload(temp_file: Path) -> None:
    """Remove Gradio's temporary copy of an upload (and its folder, once empty).

    The article is in the corpus by then, or was refused: either way the copy in
    Gradio's cache would only fill the disk.
    """
    temp_file = Path(temp_file)
    with contextlib.suppress(OSError):
        temp_file.unlink(missing_ok=True)
        temp_file.parent.rmdir()  # fails, harmlessly, when other files are in it
