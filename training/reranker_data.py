"""The cross-encoder reranker's data: questions with the passage that answers them and the
hard negatives our own hybrid retriever ranks beside it.

For each question, the retriever the reranker will rerank (dense + BM25 fused, the product's
``HybridRetriever`` over the product's own index of the corpus) returns its top
``candidates`` chunks. The positive is the chunk of the question's article that holds the
answer (its evidence sentence for news-qa); when retrieval missed it, it is taken from the
index all the same (the reranker learns what answering looks like). The negatives are the
retrieved chunks that hold no answer, best-ranked first: the ones the product confuses.

- news-qa ``train`` (``../shared/news-qa/train.jsonl``) over the 2,225 BBC articles;
- SQuAD v1.1 train questions over an index of the articles they come from.
Mined once and cached as JSONL under ``.qa/reranker-data`` (``mine``'s ``cache``).
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

from qa.evaluation import metrics as m
from training.paths import BBC, NEWS_QA, ROOT, SEED, SHARED


@dataclass
class Query:
    question: str
    answers: list[str]  # what the positive must hold (an answer, or the evidence)
    source: str  # the article id


@dataclass
class Mined:
    question: str
    positive: str  # "title: text" of the chunk that answers (``pair_text``)
    negatives: list[str] = field(default_factory=list)  # best-ranked first
    rank: int = 0  # where retrieval put the positive (1-based; 0: not retrieved)


def passage_text(p) -> str:
    from qa.answering.ranking.cross_encoder import pair_text

    return pair_text(p)


def news_queries(split: str = "train") -> list[Query]:
    """news-qa's answerable rows (a follow-up as its standalone rewrite), each needing the
    chunk that holds its evidence sentence's answer."""
    out = []
    for line in (NEWS_QA / f"{split}.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if r.get("unanswerable") or not r["answers"]:
            continue
        out.append(Query(r.get("standalone") or r["question"], r["answers"], r["source"]))
    return out


def squad_queries(n: int, articles: int) -> list[Query]:
    """``n`` SQuAD v1.1 train questions from ``articles`` of its articles (a fixed shuffle)."""
    from training.squad import load_set

    rows, _ = load_set(SHARED / "squad-train")
    rng = random.Random(SEED + 5)
    slugs = sorted({r["source"] for r in rows})
    rng.shuffle(slugs)
    keep = set(slugs[:articles])
    chosen = [r for r in rows if r["source"] in keep]
    rng.shuffle(chosen)
    return [Query(r["question"], r["answers"], r["source"]) for r in chosen[:n]]


def squad_corpus(articles: int) -> Path:
    """A folder of links to the SQuAD train articles ``squad_queries`` draws from."""
    from training.squad import load_set

    rows, _ = load_set(SHARED / "squad-train")
    rng = random.Random(SEED + 5)
    slugs = sorted({r["source"] for r in rows})
    rng.shuffle(slugs)
    folder = ROOT / ".qa" / f"squad-train-{articles}"
    folder.mkdir(parents=True, exist_ok=True)
    for slug in slugs[:articles]:
        link = folder / f"{slug}.txt"
        if not link.exists():
            link.symlink_to(SHARED / "squad-train" / "corpus" / f"{slug}.txt")
    return folder


def assistant_for(corpus: Path, name: str):
    """The product's engine over its own index of ``corpus`` (synced when needed)."""
    from qa.answering.service import build_assistant
    from qa.settings import Settings

    settings = Settings(
        _env_file=None,
        corpus_dir=corpus,
        data_dir=ROOT / ".qa" / f"index-{name}",
        llm="",
        suggestions=0,
    )
    return build_assistant(settings, sync=True)


def mine_one(retriever, q: Query, candidates: int, negatives: int) -> Mined | None:
    from qa.answering.retrieval.articles import article_rows, passage_of

    found = retriever.search(q.question, candidates)
    holds = [
        i
        for i, p in enumerate(found)
        if p.article == q.source and m.contains_answer(p.text, q.answers)
    ]
    if holds:
        positive, rank = found[holds[0]], holds[0] + 1
    else:
        own = [
            passage_of(r)
            for r in article_rows(retriever.index, q.source)
            if m.contains_answer(r.text, q.answers)
        ]
        if not own:
            return None
        positive, rank = own[0], 0
    wrong = [
        passage_text(p)
        for p in found
        if p.chunk_id != positive.chunk_id and not m.contains_answer(p.text, q.answers)
    ]
    return Mined(q.question, passage_text(positive), wrong[:negatives], rank)


def mine(retriever, queries: list[Query], cache: Path, candidates=30, negatives=12) -> list:
    """The mined examples of ``queries`` (read from ``cache`` when it is there)."""
    if cache.exists():
        return [Mined(**json.loads(line)) for line in cache.open(encoding="utf-8")]
    out = [x for q in queries if (x := mine_one(retriever, q, candidates, negatives))]
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for x in out:
            f.write(json.dumps(asdict(x)) + "\n")
    tmp.replace(cache)
    return out


def training_examples(args) -> list[Mined]:
    """news-qa train over BBC and ``--squad-questions`` SQuAD questions, mined."""
    work = ROOT / ".qa" / "reranker-data"
    news = mine(
        assistant_for(BBC, "news").retriever,
        news_queries("train"),
        work / "news-train.jsonl",
        args.candidates,
        args.negatives,
    )
    squad = []
    if args.squad_questions:
        corpus = squad_corpus(args.squad_articles)
        squad = mine(
            assistant_for(corpus, f"squad-train-{args.squad_articles}").retriever,
            squad_queries(args.squad_questions, args.squad_articles),
            work / f"squad-{args.squad_questions}-{args.squad_articles}.jsonl",
            args.candidates,
            args.negatives,
        )
    print(f"mined {len(news)} news-qa and {len(squad)} SQuAD questions", flush=True)
    return news + squad
