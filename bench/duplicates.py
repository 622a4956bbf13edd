"""Near-duplicate detection over the BBC corpus: pairs found at the threshold, time
taken, the Jaccard of every LSH candidate (to choose the threshold), and examples.

    python -m bench.duplicates [--threshold 0.8] [--examples 8] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections import Counter
from pathlib import Path

from bench.common import BBC
from qa.indexing.corpus import load_corpus
from qa.indexing.duplicates import (
    THRESHOLD,
    SignatureCache,
    find_duplicates,
    groups_of,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", default=str(BBC))
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--examples", type=int, default=8)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    loaded = load_corpus(Path(args.corpus))
    load_s = time.perf_counter() - started
    texts = {a.id: a.text for a in loaded.articles}
    titles = {a.id: a.title for a in loaded.articles}
    exact = Counter(a.sha256 for a in loaded.articles)
    exact_pairs = sum(n * (n - 1) // 2 for n in exact.values())

    cache = SignatureCache()
    started = time.perf_counter()
    candidates = find_duplicates(texts, cache, threshold=0.0)  # every LSH candidate
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    pairs = find_duplicates(texts, cache, threshold=args.threshold)  # signatures cached
    warm_s = time.perf_counter() - started
    groups = groups_of(pairs)

    print(f"articles: {len(texts)} (loaded in {load_s:.1f} s)")
    print(f"LSH candidate pairs: {len(candidates)}")
    bins = [0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0001]
    for lo, hi in itertools.pairwise(bins):
        n = sum(1 for p in candidates if lo <= p.jaccard < hi)
        print(f"  Jaccard [{lo:.2f}, {min(hi, 1.0):.2f}{']' if hi > 1 else ')'}: {n}")
    print(
        f"duplicate pairs at Jaccard >= {args.threshold}: {len(pairs)} "
        f"({sum(1 for p in pairs if p.jaccard >= 0.9999)} identical texts; "
        f"{exact_pairs} pairs have byte-identical text), "
        f"{len(set(groups.values()))} groups, {len(groups)} articles"
    )
    print(f"time: {cold_s:.2f} s computing signatures, {warm_s:.2f} s with them cached")
    near = sorted((p for p in pairs if p.jaccard < 0.9999), key=lambda p: p.jaccard)
    print(f"\nnear (not identical) pairs: {len(near)}; the least similar first:")
    for p in near[: args.examples]:
        print(
            f"  {p.jaccard:.3f}  {p.first} “{titles[p.first]}”  ~  {p.second} “{titles[p.second]}”"
        )
    below = sorted((p for p in candidates if p.jaccard < args.threshold), key=lambda p: -p.jaccard)
    print("\nthe most similar pairs below the threshold:")
    for p in below[: args.examples]:
        print(
            f"  {p.jaccard:.3f}  {p.first} “{titles[p.first]}”  ~  {p.second} “{titles[p.second]}”"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
