"""Score the assistant on known question/answer pairs (JSONL).

Each line: {"question": str, "answers": [str, ...], "source": "article id"?,
"unanswerable": bool?}. An empty ``answers`` list means the right behaviour is to
abstain. A row may instead (or also) give ``"sources": ["article id", ...]``, the set of
every article about the question (overview and timeline rows, ``"kind"`` optional): it
is scored by the recall and precision of the cited articles (and the recall of the
retrieved ones). A follow-up row gives ``"history": ["earlier question", ...]``: the
conversation is replayed (each earlier question asked with the answers before it) and
the row's question is asked last, as in the chat. Bad lines are reported with their
number; the rest is evaluated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from qa.evaluation import metrics as m
from qa.indexing.duplicates import duplicate_groups


@dataclass
class QAPair:
    line: int
    question: str
    answers: list[str]
    source: str = ""
    sources: list[str] = field(default_factory=list)  # every article about it
    kind: str = ""  # e.g. "overview", "timeline" (informative)
    history: list[str] = field(default_factory=list)  # earlier questions of the conversation

    @property
    def unanswerable(self) -> bool:
        return not self.answers and not self.sources


@dataclass
class LoadedPairs:
    pairs: list[QAPair] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"line", "error"}


def load_pairs(path: Path) -> LoadedPairs:
    """Parse a Q&A JSONL file, keeping every good line and reporting the bad ones."""
    out = LoadedPairs()
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("//"):
            continue
        try:
            obj = json.loads(raw)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
            question = obj.get("question")
            if not isinstance(question, str) or not question.strip():
                raise ValueError('"question" must be a non-empty string')
            answers = obj.get("answers", [])
            if isinstance(answers, str):
                answers = [answers]
            if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
                raise ValueError('"answers" must be a list of strings')
            if obj.get("unanswerable") or not answers:
                answers = []
            sources = obj.get("sources", [])
            if not isinstance(sources, list) or not all(isinstance(a, str) for a in sources):
                raise ValueError('"sources" must be a list of article ids')
            history = obj.get("history", [])
            if not isinstance(history, list) or not all(isinstance(q, str) for q in history):
                raise ValueError('"history" must be a list of earlier questions')
            source, kind = str(obj.get("source") or ""), str(obj.get("kind") or "")
            pair = QAPair(number, question.strip(), answers, source, sources, kind, history)
            out.pairs.append(pair)
        except (json.JSONDecodeError, ValueError) as exc:
            out.errors.append({"line": number, "error": str(exc)})
    return out


def score_row(pair: QAPair, answer, copies: dict[str, list[str]] | None = None) -> dict:
    """One evaluated question: what was expected, what came back, and per-row metrics.

    ``copies``: {article id: its near-duplicates}; the answer uses one copy of a story,
    and a copy of the expected ``source`` counts as that source."""
    copies = copies or {}

    def same(article: str) -> str:  # the source itself when ``article`` is a copy of it
        return pair.source if pair.source in copies.get(article, ()) else article

    passages = [(same(p.article), p.text) for p in answer.passages]
    rank = 0 if pair.unanswerable else m.first_hit_rank(passages, pair.answers, pair.source)
    predicted = answer.short_answer or answer.answer
    first = answer.citations[0] if answer.citations else None
    cited_ok = bool(
        first
        and m.contains_answer(first.quote, pair.answers)
        and (not pair.source or same(first.article) == pair.source)
    )
    row = {
        "line": pair.line,
        "question": pair.question,
        "expected": pair.answers,
        "source": pair.source,
        "kind": pair.kind,
        "unanswerable": pair.unanswerable,
        "answer": answer.answer,
        "short_answer": answer.short_answer,
        "abstained": answer.abstained,
        "confidence": round(answer.confidence, 4),  # P(answerable), extractive only
        "rank": rank,
        "contains": (not answer.abstained) and m.contains_answer(answer.answer, pair.answers),
        "exact_match": m.exact_match(predicted, pair.answers) if pair.answers else 0.0,
        "f1": m.f1(predicted, pair.answers) if pair.answers else 0.0,
        "citation_ok": (not answer.abstained) and cited_ok,
        "top_passage": answer.passages[0].text[:300] if answer.passages else "",
        "top_article": answer.passages[0].article if answer.passages else "",
        "latency_ms": answer.timings.get("total", 0.0),
    }
    if pair.sources:
        row.update(article_scores(pair, answer))
    return row


def article_scores(pair: QAPair, answer) -> dict:
    """An article-set row: recall and precision of the cited articles (a citation counts
    for its near-duplicate copies), and the recall of the retrieved passages' articles."""
    cited: dict[str, list[str]] = {}
    for c in answer.citations:
        cited.setdefault(c.article, []).extend(getattr(c, "also_in", []))
    recall, precision = m.article_recall_precision(cited, pair.sources)
    retrieved = {p.article: [] for p in answer.passages}
    return {
        "kind": pair.kind,
        "sources": pair.sources,
        "cited_articles": sorted(cited),
        "article_recall": recall,
        "article_precision": precision,
        "retrieved_article_recall": m.article_recall_precision(retrieved, pair.sources)[0],
    }


def aggregate(rows: list[dict], k: int) -> dict:
    """All metrics over the evaluated rows."""
    answerable = [r for r in rows if not r["unanswerable"] and r["expected"]]
    sets = [r for r in rows if r.get("sources")]
    answered = [r for r in answerable if not r["abstained"]]
    ranks = [r["rank"] for r in answerable]
    precision, recall = m.abstain_precision_recall(
        [r["abstained"] for r in rows], [r["unanswerable"] for r in rows]
    )
    latencies = [r["latency_ms"] for r in rows]

    def share(items, key):
        return sum(1 for r in items if r[key]) / len(items) if items else 0.0

    def mean(items, key):
        return sum(r[key] for r in items) / len(items) if items else 0.0

    by_sets = {}
    if sets:  # article-set rows (overview, timeline)
        by_sets = {
            "article_recall": mean(sets, "article_recall"),
            "article_precision": mean(sets, "article_precision"),
            "retrieved_article_recall": mean(sets, "retrieved_article_recall"),
        }
    if len(sets) == len(rows):  # only article-set rows: no answer to score
        return {
            "latency_ms_p50": m.percentile(latencies, 50),
            "latency_ms_p95": m.percentile(latencies, 95),
            **by_sets,
        }
    return {
        "retrieval_hit_at_1": m.hit_at(ranks, 1),
        "retrieval_hit_at_k": m.hit_at(ranks, k),
        "mrr": m.mrr(ranks),
        "answer_contains": share(answerable, "contains"),
        "exact_match": mean(answerable, "exact_match"),
        "f1": mean(answerable, "f1"),
        "citation_accuracy": share(answered, "citation_ok"),
        "abstain_precision": precision,
        "abstain_recall": recall,
        "latency_ms_p50": m.percentile(latencies, 50),
        "latency_ms_p95": m.percentile(latencies, 95),
        **by_sets,
    }


KIND_METRICS = ["answer_contains", "exact_match", "f1", "citation_accuracy", "retrieval_hit_at_1"]


def by_kind(rows: list[dict], k: int) -> dict[str, dict]:
    """The metrics per ``kind`` of question (when the file gives two kinds or more): for
    answerable kinds the answer's figures, for every kind ``refused`` (the share of its
    questions refused: right for look-alikes, wrong for the others)."""
    kinds = sorted({r.get("kind") or "" for r in rows if not r.get("sources")})
    if len(kinds) < 2:
        return {}
    out = {}
    for kind in kinds:
        sub = [r for r in rows if (r.get("kind") or "") == kind and not r.get("sources")]
        figures = {"n": len(sub), "refused": round(sum(r["abstained"] for r in sub) / len(sub), 4)}
        if any(not r["unanswerable"] for r in sub):
            agg = aggregate(sub, k)
            figures.update({key: round(agg[key], 4) for key in KIND_METRICS})
        out[kind or "(none)"] = figures
    return out


def is_failure(row: dict) -> bool:
    if row["unanswerable"]:
        return not row["abstained"]
    if row.get("sources") and not row["expected"]:
        return row["article_recall"] == 0.0  # none of the articles about it cited
    return not (row["contains"] and row["citation_ok"])


def ask_in_conversation(assistant, pair: QAPair, k: int):
    """The answer to ``pair.question`` after its conversation's earlier questions."""
    history: list[dict] = []
    for earlier in pair.history:
        answer = assistant.ask(earlier, history=history, k=k)
        history += [
            {"role": "user", "content": earlier},
            {"role": "assistant", "content": answer.answer},
        ]
    return assistant.ask(pair.question, history=history, k=k)


def run_eval(assistant, pairs: list[QAPair], k: int, progress: bool = True) -> dict:
    """Ask every question; returns the report ({n, n_answerable, ..., metrics, rows})."""
    from tqdm import tqdm

    copies = duplicate_groups(assistant.articles())  # near-duplicate articles
    rows = []
    for pair in tqdm(pairs, desc="eval", unit="q", disable=not progress):
        rows.append(score_row(pair, ask_in_conversation(assistant, pair, k), copies))
    return {
        "n": len(rows),
        "n_answerable": sum(1 for r in rows if not r["unanswerable"] and r["expected"]),
        "n_article_sets": sum(1 for r in rows if r.get("sources")),
        "n_unanswerable": sum(1 for r in rows if r["unanswerable"]),
        "k": k,
        "backend": assistant.backend,
        "metrics": {key: round(v, 4) for key, v in aggregate(rows, k).items()},
        "by_kind": by_kind(rows, k),
        "rows": rows,
    }
