"""Near-duplicate articles (the same wire story in two feeds, an updated version).

Two articles are duplicates when the Jaccard similarity of their sets of word
5-shingles (lowercased words) is at least ``THRESHOLD`` (0.6: on the BBC set every pair
at 0.6 or more is one story, identical or updated — a changed sentence costs five
shingles —, and the most similar different stories score 0.47; see bench/duplicates.py).
Candidates come from MinHash signatures (128 multiply-shift hashes with fixed seeds)
split into LSH bands (42 bands of 3 rows: a pair at Jaccard 0.6 is a candidate with
probability 1 - (1 - 0.6^3)^42, over 0.9999); every candidate pair is then checked with
the exact Jaccard. Duplicate
pairs are joined into groups (transitively); the sync records each member's group in
the manifest (``duplicate_group``: the group's first id, sorted).

Signatures are kept in the data dir (``minhash/<collection>.npz``, keyed by the text's
sha256), so a sync computes them only for new or changed articles.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

THRESHOLD = 0.6  # Jaccard of word 5-shingle sets (see bench/duplicates.py)
SHINGLE_WORDS = 5
NUM_HASHES = 128
BANDS, ROWS = 42, 3
_SEED = 20050101
_WORD = re.compile(r"\w+")
_MASK32 = np.uint64(0xFFFFFFFF)


def _hash_params() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(_SEED)
    a = rng.integers(1, 2**63, size=NUM_HASHES, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=NUM_HASHES, dtype=np.uint64)
    return a, b


_A, _B = _hash_params()


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def shingles(text: str, known: dict[str, int] | None = None) -> np.ndarray:
    """The distinct 64-bit hashes of the text's word 5-shingles (fewer words: one shingle).

    ``known``: word hashes already computed (shared by the texts of one run: hashing each
    word once, not once per occurrence, halves a cold run over 100,000 articles)."""
    words = _WORD.findall(text.lower())
    if not words:
        return np.zeros(0, dtype=np.uint64)
    known = {} if known is None else known
    for w in set(words).difference(known):
        known[w] = _word_hash(w)
    hashed = np.array([known[w] for w in words], dtype=np.uint64)
    n = max(1, len(hashed) - SHINGLE_WORDS + 1)
    out = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(min(SHINGLE_WORDS, len(hashed))):  # a polynomial hash of 5 words
            out = out * np.uint64(1099511628211) + hashed[j : j + n]
    return np.unique(out)


SIGNATURE_BLOCK = 8192  # shingles hashed at once: 8 MB per temporary, whatever the text


def signature(hashes: np.ndarray) -> np.ndarray:
    """The MinHash signature (NUM_HASHES uint32 minima) of a set of shingle hashes.

    Hashed a block of shingles at a time, keeping the running minima: all at once, a
    10 MB upload's 2 million shingles took 2 GB per temporary (4 GB at the sync's peak)."""
    low = np.full(NUM_HASHES, 0xFFFFFFFF, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(0, len(hashes), SIGNATURE_BLOCK):
            block = hashes[i : i + SIGNATURE_BLOCK, None]
            mixed = (block * _A[None, :] + _B[None, :]) >> np.uint64(32)
            np.minimum(low, (mixed & _MASK32).min(axis=0), out=low)
    return low.astype(np.uint32)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sets of shingle hashes (sorted, distinct)."""
    if not len(a) and not len(b):
        return 1.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    jaccard: float


def candidate_pairs(ids: list[str], signatures: np.ndarray) -> set[tuple[int, int]]:
    """Index pairs sharing at least one LSH band of their signatures."""
    found: set[tuple[int, int]] = set()
    for band in range(BANDS):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        rows = signatures[:, band * ROWS : (band + 1) * ROWS]
        for i, row in enumerate(rows):
            buckets[row.tobytes()].append(i)
        for members in buckets.values():
            if 1 < len(members) <= 1000:  # a bucket of 1,000 is boilerplate, not a story
                for x, i in enumerate(members):
                    found.update((i, j) for j in members[x + 1 :])
    return found


def find_duplicates(
    texts: dict[str, str], cache: SignatureCache | None = None, threshold: float = THRESHOLD
) -> list[Pair]:
    """Pairs of ids whose texts are near-duplicates, sorted (``cache``: stored signatures
    by sha256 of the text, updated with the new ones)."""
    ids = sorted(texts)
    cache = cache if cache is not None else SignatureCache()
    shingled: dict[str, np.ndarray] = {}
    known: dict[str, int] = {}  # word hashes
    rows = []
    shas = {aid: _sha(texts[aid]) for aid in ids}
    for aid in ids:
        key = shas[aid]
        sig = cache.get(key)
        if sig is None:
            shingled[aid] = shingles(texts[aid], known)
            sig = cache.put(key, signature(shingled[aid]))
        rows.append(sig)
    if not rows:
        return []
    matrix = np.vstack(rows)
    pairs = []
    for i, j in sorted(candidate_pairs(ids, matrix)):
        a, b = ids[i], ids[j]
        score = cache.score(shas[a], shas[b])
        if score is None:  # a pair with a new or changed text
            for aid in (a, b):
                if aid not in shingled:
                    shingled[aid] = shingles(texts[aid], known)
            score = cache.put_score(shas[a], shas[b], jaccard(shingled[a], shingled[b]))
        if score >= threshold:
            pairs.append(Pair(a, b, round(score, 4)))
    return pairs


def groups_of(pairs: Iterable[Pair]) -> dict[str, str]:
    """{article id: its group's id (the smallest member id)} for articles in a pair."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        ra, rb = root(p.first), root(p.second)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: root(x) for x in parent}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SignatureCache:
    """MinHash signatures by text sha256, and the exact Jaccard of candidate pairs by
    their two texts' sha256, loaded from and saved to one .npz file: a sync of unchanged
    articles computes neither again."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self._sigs: dict[str, np.ndarray] = {}
        self._scores: dict[tuple[str, str], float] = {}
        self.used: set[str] = set()
        self.scored: set[tuple[str, str]] = set()
        self.computed = 0
        if path is not None and path.is_file():
            try:
                with np.load(path) as data:
                    keys, matrix = data["keys"], data["signatures"]
                    pairs, scores = _stored_pairs(data, keys)
                if matrix.shape[1:] == (NUM_HASHES,):
                    names = [k.decode() if isinstance(k, bytes) else str(k) for k in keys]
                    self._sigs = dict(zip(names, matrix, strict=True))
                    self._scores = {
                        (names[a], names[b]): float(x)
                        for (a, b), x in zip(pairs.tolist(), scores.tolist(), strict=True)
                    }
            except (OSError, ValueError, KeyError):  # unreadable: computed again
                self._sigs, self._scores = {}, {}

    def score(self, a: str, b: str) -> float | None:
        """The stored Jaccard of the texts with sha256 ``a`` and ``b`` (None: not stored)."""
        key = (a, b) if a <= b else (b, a)
        found = self._scores.get(key)
        if found is not None:
            self.scored.add(key)
        return found

    def put_score(self, a: str, b: str, score: float) -> float:
        key = (a, b) if a <= b else (b, a)
        self._scores[key] = score
        self.scored.add(key)
        return score

    def get(self, key: str) -> np.ndarray | None:
        sig = self._sigs.get(key)
        if sig is not None:
            self.used.add(key)
        return sig

    def put(self, key: str, sig: np.ndarray) -> np.ndarray:
        self._sigs[key] = sig
        self.used.add(key)
        self.computed += 1
        return sig

    def save(self) -> None:
        """Keep the signatures used by this run only (removed articles are forgotten)."""
        if self.path is None:
            return
        keys = sorted(self.used)
        matrix = np.vstack([self._sigs[k] for k in keys]) if keys else np.zeros((0, NUM_HASHES))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.stem + ".tmp.npz")
        row = {k: i for i, k in enumerate(keys)}
        pairs = sorted(self.scored)
        # A pair is two row numbers of ``keys``, not two hex strings: at 100,000 synthetic
        # articles (2.6 million candidate pairs) that is 31 MB on disk instead of 1.37 GB.
        np.savez(
            tmp,
            keys=np.array(keys, dtype="S64"),
            signatures=matrix.astype(np.uint32),
            pair_rows=np.array([(row[a], row[b]) for a, b in pairs], dtype=np.int32).reshape(-1, 2),
            scores=np.array([self._scores[p] for p in pairs], dtype=np.float64),
        )
        tmp.replace(self.path)


def _stored_pairs(data, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pairs as row numbers of ``keys``, their scores); files written before pairs were
    row numbers held the two hex strings."""
    scores = data["scores"] if "scores" in data else np.zeros(0)
    if "pair_rows" in data:
        return data["pair_rows"], scores
    if "pairs" not in data or not len(data["pairs"]):
        return np.zeros((0, 2), dtype=np.int32), np.zeros(0)
    row = {str(k): i for i, k in enumerate(keys)}
    found = [(row.get(str(a)), row.get(str(b))) for a, b in data["pairs"]]
    keep = [i for i, (a, b) in enumerate(found) if a is not None and b is not None]
    return np.array([found[i] for i in keep], dtype=np.int32).reshape(-1, 2), scores[keep]


def record_duplicates(data_dir: Path, collection: str, texts: dict[str, str], manifest) -> int:
    """Find the near-duplicates among ``texts`` and mark each member in ``manifest``
    (``duplicate_group``); returns the number of duplicate pairs."""
    cache = SignatureCache(data_dir / "minhash" / f"{collection}.npz")
    pairs = find_duplicates(texts, cache)
    cache.save()
    for aid, group in groups_of(pairs).items():
        if aid in manifest:
            manifest[aid]["duplicate_group"] = group
    return len(pairs)


def duplicate_groups(manifest: dict[str, dict]) -> dict[str, list[str]]:
    """{article id: the other members of its group} for the articles the last sync
    found duplicated."""
    members: dict[str, list[str]] = defaultdict(list)
    for aid, entry in manifest.items():
        group = entry.get("duplicate_group") if isinstance(entry, dict) else None
        if group:
            members[group].append(aid)
    return {
        aid: sorted(x for x in group if x != aid)
        for group in members.values()
        if len(group) > 1
        for aid in group
    }
