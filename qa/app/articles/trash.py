"""Reversible removal of article files: the trash folder in the data dir.

Removing an article moves its file from the corpus into ``<data dir>/trash/<id>/`` (never
inside the corpus, so a sync does not index it) with a small JSON record beside it;
restoring moves it back to where it was. Nothing is ever unlinked here.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from qa.indexing.corpus import SUPPORTED_SUFFIXES


class TrashError(ValueError):
    """A remove or restore that cannot be done (unknown article, name taken...)."""


@dataclass
class TrashItem:
    id: str
    path: str  # relative to the corpus folder, where it is restored
    title: str
    removed_at: float  # Unix time

    def to_dict(self) -> dict:
        return asdict(self)

    def to_api(self) -> dict:
        """For the HTTP API ("path" would make Gradio's client fetch it as a file)."""
        return {
            "trash_id": self.id,
            "file": self.path,
            "title": self.title,
            "removed_at": self.removed_at,
        }

    @property
    def label(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.removed_at))
        return f"{self.title or self.path} ({self.path}, removed {when})"


def trash_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "trash"


def _inside(root: Path, relative_path: str) -> Path:
    try:
        target = (root / relative_path).resolve()
    except (RuntimeError, OSError) as exc:  # a symbolic link loop
        raise TrashError(f"{relative_path} cannot be resolved: {exc}") from exc
    if root.resolve() not in target.parents:
        raise TrashError(f"{relative_path} is not an article in the corpus")
    return target


def article_file(key: str, corpus_dir: Path) -> str:
    """The corpus path of the article ``key`` names: its path, or its id (the path
    without its suffix: what citations name). Only article files (the suffixes the
    corpus loads): not the eval file, nor anything else in the folder."""
    key = (key or "").strip().strip("/")
    if not key:
        raise TrashError("Choose an article to remove.")
    if Path(key).suffix.lower() in SUPPORTED_SUFFIXES and _inside(Path(corpus_dir), key).is_file():
        return key
    for suffix in SUPPORTED_SUFFIXES:  # an article id
        if _inside(Path(corpus_dir), key + suffix).is_file():
            return key + suffix
    raise TrashError(f"{key} is not an article in the corpus (give its id or its file)")


def move_to_trash(
    relative_path: str, corpus_dir: Path, data_dir: Path, title: str = ""
) -> TrashItem:
    """Move the article ``relative_path`` (its file or its id, see :func:`article_file`)
    into the trash; returns its record."""
    relative_path = article_file(relative_path, corpus_dir)
    source = _inside(Path(corpus_dir), relative_path)
    item = TrashItem(uuid.uuid4().hex[:12], relative_path, title, time.time())
    folder = trash_dir(data_dir) / item.id
    target = folder / Path(relative_path).name
    folder.mkdir(parents=True)
    shutil.move(str(source), target)
    (trash_dir(data_dir) / f"{item.id}.json").write_text(
        json.dumps(item.to_dict(), ensure_ascii=False), encoding="utf-8"
    )
    return item


def list_trash(data_dir: Path) -> list[TrashItem]:
    """What is in the trash, latest removal first."""
    folder = trash_dir(data_dir)
    items = []
    for record in folder.glob("*.json") if folder.is_dir() else []:
        try:
            items.append(TrashItem(**json.loads(record.read_text(encoding="utf-8"))))
        except (ValueError, TypeError):
            continue  # a damaged record: leave the file where it is
    return sorted(items, key=lambda i: i.removed_at, reverse=True)


def find_item(data_dir: Path, key: str) -> TrashItem:
    """The trashed item with id ``key``, else the latest one removed from path ``key``
    (or from the article with id ``key``)."""
    key = (key or "").strip()
    items = list_trash(data_dir)
    for item in items:
        if key in (item.id, item.path):
            return item
    for item in items:
        if key and key == Path(item.path).with_suffix("").as_posix():
            return item
    raise TrashError(f"{key or 'nothing'} is not in the trash" if key else "Choose an article.")


def restore(key: str, corpus_dir: Path, data_dir: Path) -> TrashItem:
    """Move a trashed file back to its place in the corpus (refused if that name is taken)."""
    item = find_item(data_dir, key)
    target = _inside(Path(corpus_dir), item.path)
    if target.exists():
        raise TrashError(f"{item.path} exists again in the corpus; rename it first")
    stored = trash_dir(data_dir) / item.id / Path(item.path).name
    if not stored.is_file():
        raise TrashError(f"the trashed file of {item.path} is missing")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(stored), target)
    (trash_dir(data_dir) / f"{item.id}.json").unlink()
    shutil.rmtree(trash_dir(data_dir) / item.id, ignore_errors=True)
    return item
