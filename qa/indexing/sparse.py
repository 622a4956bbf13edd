"""The persisted sparse (BM25) side of the index, written by each sync that changes it.

Layout, beside the manifest: ``<data>/sparse/<collection>/gen-<N>/`` for index
generation ``N`` (see ``live.py``), written in a temporary folder and renamed, so a
reader never sees a half-written index. It holds bm25s's own files (loaded
memory-mapped), and one row per chunk, sorted by chunk id:

- ``ids.npy`` (chunk ids), ``article.npy``, ``published_int.npy``: mapped arrays,
  for lookups by id (binary search) and vectorised filters;
- ``rows.jsonl`` + ``rows.offsets.npy``: per row, the chunk text and the metadata a
  Passage needs, read only for the hits of a question;
- ``meta.json``: format, generation, row count, written last.

Document frequencies (for the idf of the answer scorer) come from the bm25s matrix
itself (non-zeros per term column). Memory stays low: nothing per chunk is held in
Python objects, and a question never reads the chunks back from the store.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.indexing.chunking import pausing
from qa.settings import Settings
from qa.text.terms import terms

FORMAT = 1
log = logging.getLogger(__name__)

ROW_FIELDS = ("title", "published", "url")
PAUSE_EVERY = 256  # chunks between two pauses of a build during a sync (about 20 ms of work)


def _terms_of(texts) -> list[list[str]]:
    return [terms(t) for t in texts]


@dataclass
class SparseRow:
    """What a Passage needs of one chunk."""

    chunk_id: str
    article: str
    title: str
    published: str
    published_int: int
    start: int
    end: int
    url: str
    text: str


def sparse_root(settings: Settings) -> Path:
    return settings.data_dir / "sparse" / settings.collection_name


def generation_dir(settings: Settings, generation: int) -> Path:
    return sparse_root(settings) / f"gen-{generation}"


class SparseIndex:
    """BM25 over the chunks, their ids, filter columns and rows (mapped or in memory)."""

    def __init__(self, bm25, ids, article, published, offsets, rows: bytes | np.ndarray):
        self.bm25 = bm25
        self.ids = ids  # sorted, bytes
        self.article = article
        self.published = published
        self.offsets = offsets  # n + 1 byte offsets into rows
        self.rows = rows
        self.n_docs = len(ids)
        self._df = np.diff(bm25.scores["indptr"]) if bm25 is not None else np.zeros(0)

    # -- building ----------------------------------------------------------------
    @classmethod
    def build(
        cls, chunks: Iterable[tuple[str, str, dict]], pause: Callable[[], None] | None = None
    ) -> SparseIndex:
        """From (chunk id, text, metadata) triples, in memory. ``pause`` is called every
        ``PAUSE_EVERY`` chunks (a running sync lets the questions in flight go first)."""
        import bm25s

        chunks = sorted(chunks, key=lambda c: c[0])
        texts = [m.get("title", "") + " " + text for _, text, m in chunks]
        tokens = pausing(_terms_of, pause, PAUSE_EVERY)(texts) if pause else _terms_of(texts)
        bm25 = None
        if chunks:
            bm25 = bm25s.BM25()
            bm25.index([t or ["\x00"] for t in tokens], show_progress=False)
        lines = [
            json.dumps(
                {"text": text, "start": int(m["start"]), "end": int(m["end"])}
                | {k: m.get(k, "") or "" for k in ROW_FIELDS},
                ensure_ascii=False,
            ).encode("utf-8")
            + b"\n"
            for _, text, m in chunks
        ]
        offsets = np.zeros(len(lines) + 1, dtype=np.int64)
        np.cumsum([len(line) for line in lines], out=offsets[1:])
        return cls(
            bm25,
            np.array([c[0].encode() for c in chunks], dtype="S"),
            np.array([m["article_id"].encode("utf-8") for _, _, m in chunks], dtype="S"),
            np.array([int(m.get("published_int") or 0) for _, _, m in chunks], dtype=np.int32),
            offsets,
            b"".join(lines),
        )

    def save(self, folder: Path, generation: int) -> None:
        folder.mkdir(parents=True)
        if self.bm25 is not None:
            self.bm25.save(str(folder / "bm25"), show_progress=False)
        np.save(folder / "ids.npy", self._nonempty(self.ids))
        np.save(folder / "article.npy", self._nonempty(self.article))
        np.save(folder / "published_int.npy", self.published)
        np.save(folder / "rows.offsets.npy", self.offsets)
        (folder / "rows.jsonl").write_bytes(bytes(self.rows))
        meta = {"format": FORMAT, "generation": generation, "rows": self.n_docs}
        (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")

    @staticmethod
    def _nonempty(array: np.ndarray) -> np.ndarray:
        return array if len(array) else np.zeros(0, dtype="S1")

    @classmethod
    def load(cls, folder: Path, generation: int) -> SparseIndex:
        """The index saved in ``folder``, memory-mapped; ValueError when it does not fit."""
        import bm25s

        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("generation") != generation:
            raise ValueError(f"format {meta.get('format')}, generation {meta.get('generation')}")
        n = int(meta["rows"])
        bm25 = None
        if n:
            bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True, show_progress=False)
        index = cls(
            bm25,
            np.load(folder / "ids.npy", mmap_mode="r"),
            np.load(folder / "article.npy", mmap_mode="r"),
            np.load(folder / "published_int.npy", mmap_mode="r"),
            np.load(folder / "rows.offsets.npy", mmap_mode="r"),
            np.memmap(folder / "rows.jsonl", mode="r") if n else b"",
        )
        sizes = {len(index.ids), len(index.article), len(index.published), len(index.offsets) - 1}
        if sizes != {n} or int(index.offsets[-1]) != len(index.rows):
            raise ValueError("the arrays disagree in length")
        if bm25 is not None and int(bm25.scores["num_docs"]) != n:
            raise ValueError("the BM25 matrix has another number of chunks")
        return index

    # -- reading -----------------------------------------------------------------
    def row_of(self, chunk_id: str) -> int | None:
        """The row of ``chunk_id`` (binary search), or None."""
        key = chunk_id.encode()
        i = int(np.searchsorted(self.ids, key))
        return i if i < self.n_docs and self.ids[i] == key else None

    def row(self, i: int) -> SparseRow:
        data = json.loads(bytes(self.rows[int(self.offsets[i]) : int(self.offsets[i + 1])]))
        return SparseRow(
            chunk_id=self.ids[i].decode(),
            article=self.article[i].decode("utf-8"),
            published_int=int(self.published[i]),
            **data,
        )

    def doc_freq(self, term: str) -> int:
        if self.bm25 is None:
            return 0
        tid = self.bm25.vocab_dict.get(term)
        return int(self._df[tid]) if tid is not None and tid < len(self._df) else 0

    def idf(self, term: str) -> float:
        """Smoothed IDF. A term absent from the corpus weighs like the rarest one present:
        its absence says nothing about how rare it is, and in a small corpus a higher
        weight let a question's paraphrase words outweigh all the others."""
        df = max(1, self.doc_freq(term))
        return math.log(1 + (max(1, self.n_docs) - df + 0.5) / (df + 0.5))

    def scores(self, query: str) -> np.ndarray | None:
        """BM25 scores of every row for ``query``; None when no term is known."""
        if self.bm25 is None:
            return None
        q = [t for t in terms(query) if t in self.bm25.vocab_dict]
        return self.bm25.get_scores(q) if q else None

    def term_hits(self, stemmed: list[str]) -> np.ndarray:
        """Per row, how many of the (already stemmed) terms it holds (title included)."""
        hits = np.zeros(self.n_docs, dtype=np.int32)
        if self.bm25 is None:
            return hits
        for term in dict.fromkeys(stemmed):
            if term in self.bm25.vocab_dict:
                hits += self.bm25.get_scores([term]) > 0
        return hits

    def articles_with(self, stemmed: list[str]) -> set[str]:
        """The articles whose chunks (titles included) hold every one of the (already
        stemmed) terms, between them."""
        if self.bm25 is None or not stemmed:
            return set()
        found: set[bytes] | None = None
        for term in dict.fromkeys(stemmed):
            if term not in self.bm25.vocab_dict:
                return set()
            held = set(np.asarray(self.article)[self.bm25.get_scores([term]) > 0].tolist())
            found = held if found is None else found & held
        return {a.decode("utf-8") for a in found or ()}

    def mask(self, articles: list[str], lowest: int, highest: int | None) -> np.ndarray | None:
        """Rows passing the filters (article ids, published_int range); None: all."""
        keep = None
        if articles:
            keep = np.isin(self.article, [a.encode("utf-8") for a in articles])
        if lowest:
            keep = (self.published >= lowest) if keep is None else keep & (self.published >= lowest)
        if highest is not None:
            window = (self.published > 0) & (self.published <= highest)
            keep = window if keep is None else keep & window
        return keep


def write_sparse(settings: Settings, generation: int, chunks, pause=None) -> Path:
    """Build and save the sparse index of ``chunks`` for ``generation``, atomically
    (``pause``: see ``SparseIndex.build``).

    Call under the sync lock, before the generation file announces ``generation``;
    folders of generations older than the previous one are removed."""
    root = sparse_root(settings)
    root.mkdir(parents=True, exist_ok=True)
    final = generation_dir(settings, generation)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-gen-{generation}-", dir=root))
    try:
        SparseIndex.build(chunks, pause).save(tmp / "index", generation)
        if final.exists():  # a broken folder for this generation: replaced
            shutil.rmtree(final)
        os.rename(tmp / "index", final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for old in root.iterdir():
        name = old.name
        stale = name.startswith("gen-") and name[4:].isdigit() and int(name[4:]) < generation - 1
        if stale or (name.startswith(".tmp-gen-") and old != tmp):
            shutil.rmtree(old, ignore_errors=True)
    return final


def load_sparse(settings: Settings, generation: int) -> SparseIndex | None:
    """The saved sparse index of ``generation``, or None (with a log line) when it is
    missing, from another generation or format, or unreadable."""
    folder = generation_dir(settings, generation)
    try:
        return SparseIndex.load(folder, generation)
    except FileNotFoundError:
        why = "missing"
    except Exception as exc:  # garbage, partial, older format: rebuilt, never a crash
        why = f"unreadable ({exc.__class__.__name__}: {exc})"
    log.warning(
        "sparse index %s %s; rebuilding it from the store (qa ingest writes it again)",
        folder,
        why,
    )
    return None


def sparse_is_current(settings: Settings, generation: int) -> bool:
    """Whether the saved sparse index of ``generation`` loads."""
    try:
        SparseIndex.load(generation_dir(settings, generation), generation)
    except Exception:
        return False
    return True
