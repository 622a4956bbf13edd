"""The chunk boundaries of the last sync, per article: a sync of unchanged articles cuts
none of them again (cutting counts word pieces, the costly part of a no-op sync).

One JSON file in the data dir: {article id: {"source": fingerprint of the article as
loaded and of the chunk settings, "title": its fitted title, "spans": [[start, end], ...]}}.
An unreadable file is ignored: every article is cut again and the file rewritten.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from qa.indexing.chunking import Chunk
from qa.indexing.corpus import Article
from qa.settings import Settings

VERSION = 1  # of the chunking code: a change that cuts differently bumps it


def chunk_cache_path(settings: Settings) -> Path:
    return settings.data_dir / "chunks" / f"{settings.collection_name}.json"


def read_chunk_cache(settings: Settings) -> dict[str, dict]:
    try:
        data = json.loads(chunk_cache_path(settings).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def write_chunk_cache(settings: Settings, cache: dict[str, dict]) -> None:
    path = chunk_cache_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(cache, separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)  # atomic


def cached_chunks(entry: dict | None, article: Article, source: str):
    """(the article with its fitted title, its chunks) as the last sync cut them, or None
    when the article or the chunk settings changed (``source`` differs) or the entry is bad."""
    if not isinstance(entry, dict) or entry.get("source") != source or entry.get("v") != VERSION:
        return None
    try:
        spans = [(int(s), int(e)) for s, e in entry["spans"]]
        title = str(entry["title"])
    except (KeyError, TypeError, ValueError):
        return None
    if not spans or any(not 0 <= s < e <= len(article.text) for s, e in spans):
        return None
    fitted = replace(article, title=title)
    text = article.text
    return fitted, [Chunk(article.id, n, s, e, text[s:e]) for n, (s, e) in enumerate(spans)]


def chunk_entry(source: str, article: Article, chunks: list[Chunk]) -> dict:
    spans = [[c.start, c.end] for c in chunks]
    return {"source": source, "v": VERSION, "title": article.title, "spans": spans}
