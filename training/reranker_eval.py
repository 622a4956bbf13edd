"""The reranker's figures, side by side: where the passage that answers sits among the
fused candidates (retrieval alone) and after the cross-encoder reorders them, on news-qa
``dev`` over the 2,225 BBC articles and on squad2-dev's held-out articles (answerable
questions; questions the reranker never trained on). Also picks the shipped export: the
int8 one when it keeps hit@1 within a point of fp32's.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from qa.evaluation import metrics as m
from training.paths import BBC, SHARED
from training.reranker_data import Query, assistant_for, news_queries


def squad2_queries() -> list[Query]:
    from training.squad import held_out, load_set

    rows, paras = load_set(SHARED / "squad2-dev")
    keep = held_out(paras)
    return [
        Query(r["question"], r["answers"], r["source"])
        for r in rows
        if r["source"] in keep and not r["is_impossible"]
    ]


def eval_sets() -> dict[str, tuple]:
    """name -> (retriever, queries)."""
    return {
        "news-qa dev": (assistant_for(BBC, "news").retriever, news_queries("dev")),
        "squad2 held-out": (
            assistant_for(SHARED / "squad2-dev" / "corpus", "squad2").retriever,
            squad2_queries(),
        ),
    }


def ranks(retriever, queries, n: int, scorer=None) -> tuple[list[int], list[int], float]:
    """(the answering passage's rank in the fused top ``n``, its rank after ``scorer``
    reorders them, median ms of the scorer per question)."""
    from qa.answering.ranking.cross_encoder import pair_text

    before, after, times = [], [], []
    for q in queries:
        found = retriever.search(q.question, n)
        pairs = [(p.article, p.text) for p in found]
        before.append(m.first_hit_rank(pairs, q.answers, q.source))
        if scorer is not None:
            t = time.perf_counter()
            s = scorer.scores(q.question, [pair_text(p) for p in found])
            times.append((time.perf_counter() - t) * 1000)
            order = sorted(range(len(found)), key=lambda i: (-s[i], i))
            after.append(m.first_hit_rank([pairs[i] for i in order], q.answers, q.source))
    return before, after, float(np.median(times)) if times else 0.0


def row(name: str, r: list[int]) -> str:
    return (
        f"| {name} | {m.hit_at(r, 1):.3f} | {m.hit_at(r, 5):.3f} | {m.mrr(r):.3f} "
        f"| {m.hit_at(r, 100):.3f} |"
    )


def compare(model: Path, n: int) -> None:
    """Print, per set, retrieval alone against retrieval + the reranker of ``model``."""
    from qa.answering.ranking.cross_encoder import CrossEncoder

    scorer = CrossEncoder(model)
    for name, (retriever, queries) in eval_sets().items():
        before, after, ms = ranks(retriever, queries, n, scorer)
        print(f"\n{name}: {len(queries)} answerable questions, the fused top {n} reranked")
        print("| passages | hit@1 | hit@5 | MRR | in the top n |\n|---|---|---|---|---|")
        print(row("fused (dense + BM25)", before))
        print(row(f"+ reranker ({model.name}, p50 {ms:.0f} ms)", after), flush=True)


def ship(fp32: Path, out: Path) -> None:
    """Ship the int8 export (matrix products) when its news-qa dev hit@1 is within a point
    of fp32's, else the fp32 graph with its weights stored as fp16."""
    from qa.answering.ranking.cross_encoder import CrossEncoder
    from training.export import quantize, store_fp16

    int8 = quantize(fp32, fp32.with_name("reranker.int8.onnx"), ["MatMul"])
    retriever, queries = eval_sets()["news-qa dev"]
    hit = {}
    for label, path in (("fp32", fp32), ("int8", int8)):
        _, after, ms = ranks(retriever, queries, 20, CrossEncoder(path))
        hit[label] = m.hit_at(after, 1)
        print(f"  {label}: news-qa dev hit@1 {hit[label]:.3f}, p50 {ms:.0f} ms", flush=True)
    if hit["int8"] >= hit["fp32"] - 0.01:
        chosen = int8
    else:
        chosen = store_fp16(fp32, fp32.with_name("reranker.fp16w.onnx"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(chosen.read_bytes())
    print(f"shipped {chosen.name} as {out} ({out.stat().st_size / 1e6:.1f} MB)")
