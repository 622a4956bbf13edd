"""The reranker's figures, side by side: where the sentence and the passage that answer sit
in today's order (the learned sentence model alone) and after the cross-encoder rescored
the sentences, on news-qa ``dev`` over the 2,225 BBC articles and on squad2-dev's held-out
articles (answerable questions the reranker never trained on). The reader reads the best
``reader_sentences`` (4) sentences, so "read" is the sentence among those. Also picks the
shipped export: int8 when it keeps the sentence hit@1 within a point of fp32's.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from qa.answering.ranking.rerank import rerank
from qa.evaluation import metrics as m
from training.paths import BBC, SHARED
from training.reranker_data import Query, assistant_for, label, news_queries

READ = 4  # sentences the reader reads (Settings.reader_sentences)
NEUTRAL = {"coef": [1.0, 0.0], "intercept": 0.0}  # a combination: the cross-encoder alone


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
    """name -> (assistant without reader or cross-encoder, queries)."""
    off = {"reader": False, "reranker": False}
    return {
        "news-qa dev": (assistant_for(BBC, "news", **off), news_queries("dev")),
        "squad2 held-out": (
            assistant_for(SHARED / "squad2-dev" / "corpus", "squad2", **off),
            squad2_queries(),
        ),
    }


def passages_for(assistant, question: str, vector):
    """The passages the product scores: the best k fused, then their neighbours."""
    s = assistant.settings
    found = assistant.retriever.search(question, s.k, None, query_vector=vector)
    if not s.read_neighbours or not found:
        return found
    have = {p.chunk_id for p in found}
    around = assistant.retriever.neighbours(found[: s.read_neighbours], vector)
    return found + [p for p in around if p.chunk_id not in have]


def ranks(assistant, queries, scorer=None) -> dict[str, list]:
    """Per question: the answering sentence's and passage's rank (1-based, 0: none), in
    the sentence model's order ("before") and rescored by ``scorer`` ("after")."""
    out: dict[str, list] = {"sent": [], "sent+": [], "pass": [], "pass+": [], "ms": []}
    reranker = assistant.reranker
    for q in queries:
        vector = assistant.embedder.encode([q.question])[0]
        passages = passages_for(assistant, q.question, vector)
        for key, cross in (("", None), ("+", scorer)):
            if key and cross is None:
                continue
            reranker.cross_encoder = cross
            t = time.perf_counter()
            scored = reranker.score(q.question, vector, passages)
            if key:
                out["ms"].append((time.perf_counter() - t) * 1000)
            hits = [i + 1 for i, c in enumerate(scored.sentences) if label(c, q) == 1]
            out["sent" + key].append(hits[0] if hits else 0)
            order = rerank(passages, scored.sentences)
            pairs = [(p.article, p.text) for p in order]
            out["pass" + key].append(m.first_hit_rank(pairs, q.answers, q.source))
    reranker.cross_encoder = None
    return out


def row(name: str, r: list[int], at: int) -> str:
    return f"| {name} | {m.hit_at(r, 1):.3f} | {m.hit_at(r, at):.3f} | {m.mrr(r):.3f} |"


def compare(model: Path, sets: dict | None = None) -> dict:
    """Print, per set, the sentence model's order against the cross-encoder's."""
    from qa.answering.ranking.cross_encoder import CrossEncoder

    scorer = CrossEncoder(model)
    figures = {}
    for name, (assistant, queries) in (sets or eval_sets()).items():
        r = ranks(assistant, queries, scorer)
        figures[name] = r
        ms = float(np.median(r["ms"])) if r["ms"] else 0.0
        print(f"\n{name}: {len(queries)} answerable questions (scoring p50 {ms:.0f} ms with it)")
        print(f"| order | hit@1 | hit@{READ} (read) / @5 | MRR |\n|---|---|---|---|")
        print(row("sentence, today (sentence model)", r["sent"], READ))
        print(row("sentence, + cross-encoder", r["sent+"], READ))
        print(row("passage, today", r["pass"], 5))
        print(row("passage, + cross-encoder", r["pass+"], 5), flush=True)
    return figures


def ship(fp32: Path, out: Path, titles: bool) -> None:
    """Ship the int8 export (matrix products) when its news-qa dev sentence hit@1 is within
    a point of fp32's, else the fp32 graph; its remaining fp32 weights stored as fp16."""
    from qa.answering.ranking.cross_encoder import CrossEncoder
    from training.export import quantize, store_fp16

    int8 = quantize(fp32, fp32.with_name("reranker.int8.onnx"), ["MatMul"])
    news = {"news-qa dev": eval_sets()["news-qa dev"]}
    assistant, queries = news["news-qa dev"]
    hit = {}
    for name, path in (("fp32", fp32), ("int8", int8)):
        r = ranks(assistant, queries, CrossEncoder(path, combine=NEUTRAL, titles=titles))
        hit[name] = m.hit_at(r["sent+"], 1)
        print(f"  {name}: news-qa dev hit@1 {hit[name]:.3f}, p50 {np.median(r['ms']):.0f} ms")
    chosen = int8 if hit["int8"] >= hit["fp32"] - 0.01 else fp32
    chosen = store_fp16(chosen, chosen.with_suffix(".fp16w.onnx"))  # the embedding table
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(chosen.read_bytes())
    print(f"shipped {chosen.name} as {out} ({out.stat().st_size / 1e6:.1f} MB)", flush=True)
