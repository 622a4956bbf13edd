"""The cross-encoder reranker's data: questions with the sentences our own pipeline puts
in front of the reader, each labelled "holds the answer" or not.

For each question, the product's engine (dense + BM25 fused, then the learned sentence
reranker's prefilter and sentence model; the reader off) gives its candidate sentences,
the ones the cross-encoder will rescore. A sentence is a positive when it lies in the
question's article and holds the answer (for news-qa, also part of the annotated
evidence); the other candidates that hold no answer are the negatives: hard negatives,
the sentences the product itself confuses. A positive the pipeline missed is added from
the evidence (news-qa), so the reranker learns what answering looks like.

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

MINE_K = 8  # passages retrieved per question while mining (the product reads 5)
MINE_SENTENCES = 16  # candidate sentences kept per question (the product scores 12)


@dataclass
class Query:
    question: str
    answers: list[str]
    source: str  # the article id
    evidence: str = ""  # news-qa: the sentence(s) that hold the answer


@dataclass
class Mined:
    question: str
    sentences: list[str] = field(default_factory=list)  # the pipeline's order, best first
    labels: list[int] = field(default_factory=list)  # 1 holds the answer, 0 not, -1 unsure
    prior: list[float] = field(default_factory=list)  # the sentence model's P, -1 if added
    source: str = ""
    titles: list[str] = field(default_factory=list)  # each sentence's article title


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def news_queries(split: str = "train") -> list[Query]:
    """news-qa's answerable rows (a follow-up as its standalone rewrite)."""
    out = []
    for line in (NEWS_QA / f"{split}.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if r.get("unanswerable") or not r["answers"]:
            continue
        q = r.get("standalone") or r["question"]
        out.append(Query(q, r["answers"], r["source"], r.get("evidence", "")))
    return out


def _squad_slugs() -> list[str]:
    from training.squad import load_set

    rows, _ = load_set(SHARED / "squad-train")
    slugs = sorted({r["source"] for r in rows})
    random.Random(SEED + 5).shuffle(slugs)
    return slugs


def squad_queries(n: int, articles: int) -> list[Query]:
    """``n`` SQuAD v1.1 train questions from ``articles`` of its articles (a fixed shuffle)."""
    from training.squad import load_set

    rows, _ = load_set(SHARED / "squad-train")
    keep = set(_squad_slugs()[:articles])
    chosen = [r for r in rows if r["source"] in keep]
    random.Random(SEED + 6).shuffle(chosen)
    return [Query(r["question"], r["answers"], r["source"]) for r in chosen[:n]]


def squad_corpus(articles: int) -> Path:
    """A folder of links to the SQuAD train articles ``squad_queries`` draws from."""
    folder = ROOT / ".qa" / f"squad-train-{articles}"
    folder.mkdir(parents=True, exist_ok=True)
    for slug in _squad_slugs()[:articles]:
        link = folder / f"{slug}.txt"
        if not link.exists():
            link.symlink_to(SHARED / "squad-train" / "corpus" / f"{slug}.txt")
    return folder


def assistant_for(corpus: Path, name: str, **overrides):
    """The product's engine over its own index of ``corpus`` (synced when needed)."""
    from qa.answering.service import build_assistant
    from qa.settings import Settings

    settings = Settings(
        _env_file=None,
        corpus_dir=corpus,
        data_dir=ROOT / ".qa" / f"index-{name}",
        llm="",
        suggestions=0,
        **overrides,
    )
    return build_assistant(settings, sync=True)


def candidates_for(assistant, question: str, k: int = MINE_K, limit: int = MINE_SENTENCES):
    """The sentence reranker's scored candidates for ``question`` (best first)."""
    vector = assistant.embedder.encode([question])[0]
    passages = assistant.retriever.search(question, k, None, query_vector=vector)
    return assistant.reranker.score(question, vector, passages, limit=limit).sentences


def label(c, q: Query) -> int:
    """1: the sentence answers ``q``; 0: it does not; -1: unsure (the answer's words in
    another article, or in the right article outside the annotated evidence)."""
    if not m.contains_answer(c.text, q.answers):
        return 0
    if c.passage.article != q.source:
        return -1
    if q.evidence and _norm(c.text) not in _norm(q.evidence):
        return -1
    return 1


def source_title(assistant, article: str) -> str:
    from qa.answering.retrieval.articles import article_rows

    rows = article_rows(assistant.retriever.index, article)
    return rows[0].title if rows else ""


def mine_one(assistant, q: Query) -> Mined | None:
    found = candidates_for(assistant, q.question)
    out = Mined(q.question, source=q.source)
    for c in found:
        out.sentences.append(c.text)
        out.labels.append(label(c, q))
        out.prior.append(round(float(c.score), 5))
        out.titles.append(c.passage.title)
    short = len(q.evidence.split()) <= 80
    if 1 not in out.labels and q.evidence and short and m.contains_answer(q.evidence, q.answers):
        out.sentences.append(q.evidence)  # the annotated sentence, as a positive
        out.labels.append(1)
        out.prior.append(-1.0)
        out.titles.append(source_title(assistant, q.source))
    if 1 not in out.labels or 0 not in out.labels:
        return None
    return out


def mine(assistant, queries: list[Query], cache: Path) -> list[Mined]:
    """The mined examples of ``queries`` (read from ``cache`` when it is there)."""
    if cache.exists():
        cached = [Mined(**json.loads(line)) for line in cache.open(encoding="utf-8")]
        if all(len(x.titles) == len(x.sentences) for x in cached):
            return cached  # (a cache from before the titles is mined again)
    out = []
    for i, q in enumerate(queries):
        if x := mine_one(assistant, q):
            out.append(x)
        if i % 500 == 0:
            print(f"  mined {i}/{len(queries)} ({len(out)} kept)", flush=True)
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
        assistant_for(BBC, "news", reader=False, reranker=False),
        news_queries("train"),
        work / "news-train.jsonl",
    )
    squad = []
    if args.squad_questions:
        corpus = squad_corpus(args.squad_articles)
        squad = mine(
            assistant_for(
                corpus, f"squad-train-{args.squad_articles}", reader=False, reranker=False
            ),
            squad_queries(args.squad_questions, args.squad_articles),
            work / f"squad-{args.squad_questions}-{args.squad_articles}.jsonl",
        )
    print(f"mined {len(news)} news-qa and {len(squad)} SQuAD questions", flush=True)
    return news + squad
