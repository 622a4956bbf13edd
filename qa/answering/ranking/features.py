"""Features of a question and of the sentences of its retrieved passages.

The learned scorer (``qa/answering/ranking/learned.py``) turns these into probabilities; the
training script (``training/answerer.py``) computes them with this same code, so what
the model saw in training is exactly what it sees at question time. Everything here is
cheap and lexical except the ``dense`` features, which need the sentence embeddings.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from qa.answering.question.expected import (
    DATE_RE,
    MONEY_RE,
    asks_money,
    category_word,
    counted_terms,
    expected_type,
    has_count,
)
from qa.text.sentences import sentence_spans
from qa.text.terms import STOPWORDS, terms, words
from qa.types import Passage

_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_CAPITALISED = re.compile(
    r"\b[A-Z][\w’'-]*(?:\s+(?:of|de|the|and|for|von|van|al)?\s*[A-Z][\w’'-]*)*"
)
KINDS = ("when", "number", "who", "where", "which", "what", "why", "how", "other")
UNTYPED = ("why", "how", "other")  # kinds that ask for no typed answer
_SAY = re.compile(r"\b(say|said|says|tell|told|claim|claimed|state|stated)\b", re.I)


@dataclass
class Question:
    """What the scorer needs to know about a question."""

    text: str
    terms: list[str]  # unique stemmed content terms
    weights: np.ndarray  # their IDF weights
    kind: str
    numbers: set[str]
    words: set[str]
    bigrams: set[tuple[str, str]]
    asks_speech: bool
    asks_money: bool = False  # "how much" a sum of money: only money matches
    counted: frozenset[str] = frozenset()  # "how many Russian soldiers": {russian, soldier}


def analyse(question: str, idf: Callable[[str], float]) -> Question:
    """The question's terms, weights, expected answer type and numbers."""
    seq = terms(question)
    skip = set(terms(category_word(question)))  # not expected in the answering sentence
    q_terms = [t for t in dict.fromkeys(seq) if t not in skip]
    return Question(
        text=question,
        terms=q_terms,
        weights=np.array([idf(t) for t in q_terms], dtype=np.float64),
        kind=expected_type(question),
        numbers=set(_NUMBER.findall(question)),
        words={w for w in words(question)},
        bigrams=set(itertools.pairwise(seq)),
        asks_speech=bool(_SAY.search(question)),
        asks_money=asks_money(question),
        counted=frozenset(counted_terms(question)),
    )


@dataclass
class Candidate:
    """A sentence of a retrieved passage; ``start``/``end`` are article offsets."""

    passage: Passage
    rank: int  # the passage's retrieval rank (0 = first)
    start: int
    end: int
    text: str
    index: int  # sentence number within the passage
    prev: str = ""  # neighbouring sentences in the passage ("" at an edge)
    next: str = ""
    prev_start: int = -1
    prev_end: int = -1
    terms: set[str] = field(default_factory=set)
    lexical: np.ndarray | None = None
    features: np.ndarray | None = None
    dense: float = 0.0
    clause_dense: float = 0.0  # the best clause's similarity (set on the best sentence only)
    score: float = 0.0  # probability that this sentence holds the answer

    def overlaps(self, other: Candidate) -> bool:
        return self.start < other.end and other.start < self.end


def candidates(passages: list[Passage]) -> list[Candidate]:
    """Every sentence of the passages, with its neighbours (headings of < 3 words dropped)."""
    out: list[Candidate] = []
    for rank, p in enumerate(passages):
        spans = [(s, e) for s, e in sentence_spans(p.text) if len(words(p.text[s:e])) >= 3]
        for i, (s, e) in enumerate(spans):
            c = Candidate(p, rank, p.start + s, p.start + e, p.text[s:e], i)
            if i > 0:
                ps, pe = spans[i - 1]
                c.prev, c.prev_start, c.prev_end = p.text[ps:pe], p.start + ps, p.start + pe
            if i + 1 < len(spans):
                ns, ne = spans[i + 1]
                c.next = p.text[ns:ne]
            c.terms = set(terms(c.text))
            out.append(c)
    return out


def new_names(text: str, q: Question) -> list[str]:
    """Capitalised names in ``text`` that the question does not already name."""
    found = []
    for m in _CAPITALISED.finditer(text):
        if m.start() == 0 and " " not in m.group(0):
            continue  # the sentence's first word is capitalised anyway
        if {w for w in words(m.group(0))} - q.words - STOPWORDS:
            found.append(m.group(0))
    return found


LEXICAL = [
    "cov",
    "cov_plain",
    "cov_title",
    "cov_prev",
    "cov_next",
    "cov_window",
    "cov_rel",
    "bigram",
    "new_terms",
    "length",
    "is_question",
    "is_headline",
    "first_in_passage",
    "article_position",
    "passage_rank",
    "passage_fused",
    "passage_dense",
    "passage_sparse",
    "has_date",
    "has_number",
    "has_name",
    "kind_match",
    "number_missing",
    "number_in_sentence",
    "speech",
    "quoted",
    *[f"kind_{k}" for k in KINDS],
    *[f"match_{k}" for k in KINDS],
]
DENSE = ["dense", "dense_rel", "dense_rank", "dense_x_cov"]
FEATURES = LEXICAL + DENSE


def _coverage(q: Question, found: set[str]) -> float:
    if not q.terms:
        return 0.0
    hit = np.array([t in found for t in q.terms], dtype=np.float64)
    return float((hit * q.weights).sum() / max(q.weights.sum(), 1e-9))


def lexical_features(q: Question, cands: list[Candidate]) -> np.ndarray:
    """One row of LEXICAL features per candidate (also stored on each candidate)."""
    if not cands:
        return np.zeros((0, len(LEXICAL)))
    max_fused = max(c.passage.score for c in cands) or 1.0
    max_sparse = max((c.passage.sparse or 0.0) for c in cands) or 1.0
    rows = []
    title_terms_of: dict[str, set[str]] = {}  # per passage, not per sentence
    numbers_of: dict[str, set[str]] = {}
    for c in cands:
        p = c.passage
        if p.chunk_id not in title_terms_of:
            title_terms_of[p.chunk_id] = set(terms(p.title))
            numbers_of[p.chunk_id] = set(_NUMBER.findall(p.text))
        title_terms = title_terms_of[p.chunk_id]
        prev_terms, next_terms = set(terms(c.prev)), set(terms(c.next))
        cov = _coverage(q, c.terms)
        seq = terms(c.text)
        q_bigrams = len(q.bigrams) or 1
        has = {
            "when": float(bool(DATE_RE.search(c.text))),
            "number": float(
                bool(MONEY_RE.search(c.text)) if q.asks_money else has_count(c.text, q.counted)
            ),
        }
        names = float(bool(new_names(c.text, q)))
        match = has.get(q.kind, names) if q.kind not in UNTYPED else 0.0
        row = {
            "cov": cov,
            "cov_plain": sum(t in c.terms for t in q.terms) / max(len(q.terms), 1),
            "cov_title": _coverage(q, title_terms - c.terms),
            "cov_prev": _coverage(q, prev_terms),
            "cov_next": _coverage(q, next_terms),
            "cov_window": _coverage(q, c.terms | prev_terms | next_terms),
            "cov_rel": 0.0,  # filled below: coverage minus the best coverage
            "bigram": len(q.bigrams & set(itertools.pairwise(seq))) / q_bigrams,
            "new_terms": np.log1p(len(c.terms - set(q.terms))),
            "length": np.log1p(len(words(c.text))),
            "is_question": float(c.text.rstrip("”\"’' ").endswith("?")),
            "is_headline": float(c.text.strip().lower() == p.title.strip().lower()),
            "first_in_passage": float(c.index == 0),
            "article_position": np.log1p(c.start / 200.0),
            "passage_rank": 1.0 / (c.rank + 1),
            "passage_fused": p.score / max_fused,
            "passage_dense": p.dense if p.dense is not None else 0.0,
            "passage_sparse": (p.sparse or 0.0) / max_sparse,
            "has_date": has["when"],
            "has_number": has["number"],
            "has_name": names,
            "kind_match": match,
            "number_missing": float(bool(q.numbers - numbers_of[p.chunk_id])),
            "number_in_sentence": float(bool(q.numbers & set(_NUMBER.findall(c.text)))),
            "speech": float(q.asks_speech and bool(_SAY.search(c.text))),
            "quoted": float(c.text.lstrip()[:1] in "\"“‘'"),
        }
        for k in KINDS:
            row[f"kind_{k}"] = float(q.kind == k)
            row[f"match_{k}"] = match if q.kind == k else 0.0
        rows.append([row[name] for name in LEXICAL])
    out = np.array(rows, dtype=np.float64)
    col = LEXICAL.index("cov")
    out[:, LEXICAL.index("cov_rel")] = out[:, col] - out[:, col].max()
    for c, row in zip(cands, out, strict=True):
        c.lexical = row
    return out


def dense_features(cands: list[Candidate], sims: np.ndarray) -> np.ndarray:
    """DENSE features from each candidate's cosine similarity to the question."""
    sims = np.asarray(sims, dtype=np.float64)
    if not len(sims):
        return np.zeros((0, len(DENSE)))
    order = np.argsort(-sims, kind="stable")
    rank = np.empty(len(sims))
    rank[order] = np.arange(len(sims))
    cov = np.array([c.lexical[LEXICAL.index("cov")] for c in cands])
    out = np.stack([sims, sims - sims.max(), 1.0 / (rank + 1), sims * cov], axis=1)
    for c, s in zip(cands, sims, strict=True):
        c.dense = float(s)
    return out


def full_features(cands: list[Candidate], sims: np.ndarray) -> np.ndarray:
    """LEXICAL + DENSE rows (the candidates must already have lexical features)."""
    lex = np.array([c.lexical for c in cands]).reshape(len(cands), len(LEXICAL))
    out = np.hstack([lex, dense_features(cands, sims)])
    for c, row in zip(cands, out, strict=True):
        c.features = row
    return out


_CLAUSE_BREAK = re.compile(r"[,;:()]|\s[-–—]\s")


def clauses(text: str) -> list[str]:
    """The sentence's clauses of 4+ words (split at commas, semicolons, colons, brackets
    and dashes); [] when it has no more than one."""
    parts = [p.strip() for p in _CLAUSE_BREAK.split(text) if len(p.split()) >= 4]
    return parts if len(parts) > 1 else []


# A deliberately small set: these transfer from squad2-dev to news. With every feature we
# tried (missing-term shares, answer kinds, negation of the best sentence, ...), held-out
# squad2-dev AUC was the same (0.706 vs 0.710) but news AUC fell (seed 0.81 vs 0.92).
# Not the question's negation either: 87% of squad2-dev's 426 negated questions are
# unanswerable (51% overall), an artefact of how they were written, and it refused
# answerable news questions ("Since when has the region not seen such a rise ...?").
# The best sentence's similarity is that of its best clause when higher: a news sentence
# often joins several facts ("After signing an agreement with India, according to which
# New Delhi will supply Kabul with four ... Mi-25 gunship helicopters, Afghanistan has
# turned to Russia ..."), and a question about one matches its clause (0.57), not the
# whole sentence (0.30). The passage's similarity was dropped: it says how well the
# whole chunk matches, which a fact mentioned in passing does not need (with it, the
# Mi-25 question is refused; without it, held-out squad2-dev abstention recall is 0.15
# instead of 0.20 at the same precision, and the news sets refuse more unanswerables).
ANSWERABLE = [
    "top",
    "second",
    "top_dense",
    "top_cov",
    "best_missing_idf",
    "n_strong",
    "best_match",
]
_COV, _KIND_MATCH, _NUMBER_MISSING = (
    LEXICAL.index(n) for n in ("cov", "kind_match", "number_missing")
)


def _match(q: Question, c: Candidate) -> float:
    """The previous release's hand-made mix for one sentence: half dense similarity, half
    coverage, +-0.1 when the asked-for answer type is (not) there, -0.15 when a number
    the question names is missing. As a feature, its weight is learned like the others."""
    lex = c.lexical
    typed = 0.0 if q.kind in UNTYPED else (0.1 if lex[_KIND_MATCH] else -0.1)
    return 0.5 * c.dense + 0.5 * lex[_COV] + typed - 0.15 * lex[_NUMBER_MISSING]


def answerable_features(
    q: Question, ranked: list[Candidate], passages: list[Passage]
) -> np.ndarray:
    """Question-level features for "do the passages answer it at all?"."""
    weights = q.weights if len(q.weights) else np.zeros(0)
    top = ranked[0] if ranked else None
    second = ranked[1].score if len(ranked) > 1 else 0.0
    near: set[str] = set()
    if top:  # what the best sentence, its neighbours and its title say
        near = top.terms | set(terms(top.prev + " " + top.next + " " + top.passage.title))
    missing_near = np.array([t not in near for t in q.terms], dtype=bool)
    row = {
        "top": top.score if top else 0.0,
        "second": second,
        "top_dense": max(top.dense, top.clause_dense) if top else 0.0,
        "top_cov": float(top.lexical[_COV]) if top else 0.0,
        "best_missing_idf": float((weights * missing_near).sum() / max(weights.sum(), 1e-9)),
        "n_strong": float(sum(c.score >= 0.5 for c in ranked)),
        "best_match": max((_match(q, c) for c in ranked if c.lexical is not None), default=0.0),
    }
    return np.array([[row[name] for name in ANSWERABLE]], dtype=np.float64)
