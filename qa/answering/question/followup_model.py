"""The learned choice among a follow-up's possible rewrites.

A follow-up can mean several things: its pronoun may stand for each name of the
conversation (``referents.py`` ranks them by rules), for a noun of its own question ("When
did the Americans end their combat mission?"), for the article or the conversation itself
("Sum it up", "Tell me more about it"), or it may lean on the previous question without a
pronoun ("And in 2004?"). Each reading is an ``Option`` (the rewrite and its features); a
linear model scores them and the best is the rewrite. It is trained on labelled
conversations (news-qa's follow-ups and ``bench/followups.jsonl``; ``python -m
training.followups``), as a conditional logit: pairs of a right and a wrong option of one
follow-up, the difference of their features labelled 1. ``models/followup.json`` holds its
weights; without it the rules choose alone.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from qa.answering.question.referents import mentions
from qa.text.terms import STOPWORDS, words

MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "followup.json"
FEATURES = [
    "alone",  # the question as asked
    "carry",  # the question with the earlier question's key terms appended
    "name",  # a pronoun replaced by a name of the conversation
    "rule_pick",  # the name the rules pick
    "kind_fits",  # a person for he/she, a thing or organisation for it, a group for they
    "gender_fits",  # he/she and the person's known gender agree
    "gender_clashes",  # they disagree
    "last_turn",  # named in the last exchange
    "turn_age",  # how many exchanges ago (0: the last)
    "first_block",  # named in the part of its exchange read first
    "in_question",  # named in an earlier question (not only in a quoted answer)
    "order",  # log(1 + its place among the candidates)
    "salience",  # log(1 + how often the conversation names it)
    "own_noun",  # alone: the question names something the pronoun can stand for
    "no_pronoun",  # the question has no pronoun to resolve
    "no_candidate",  # no name of the conversation fits the pronoun
    "leads",  # the question opens with "and", "what about", ...
    "own_terms",  # log(1 + the question's own content terms)
    "answers",  # quoted in answer to a "who"/"which" question
    "head_fit",  # next to the head noun of the "which" question it answered (asked.py)
    "near",  # log(1 + the words of the question it answered around it)
]
_META = re.compile(
    r"\b(?:sum (?:it|this|that) up|summari[sz]e (?:it|this|that)|(?:tell|say) (?:me )?more "
    r"(?:about|on) (?:it|this|that)|explain (?:it|this|that)|expand on (?:it|this|that)|"
    r"what(?:'s| is| was) (?:it|this|that) about)\b",
    re.I,
)
_PLURAL_NOUN = re.compile(r"\b(?:the\s+)?[A-Z][a-z]+s\b|\b[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*")


_POSSESSIVE = ("its", "their", "his")


def reads_alone(question: str, pronouns: list[str]) -> bool:
    """Whether the question needs nothing of the conversation although it has a pronoun:
    it asks about the article or the conversation itself ("Sum it up", "Tell me more about
    it": the summary and the previous answer give "it" its meaning), or its first pronoun
    is a possessive whose owner the question names before it ("When did the Americans end
    their combat mission?", "When did Russia start its war?"; not "What did Lord Falconer
    say would be one of its priorities?": a person is no "its")."""
    if _META.search(question):
        return True
    first = next((w for w in re.findall(r"\b\w+\b", question.lower()) if w in pronouns), "")
    if first not in _POSSESSIVE or not question_features(question, pronouns, True)["own_noun"]:
        return False
    if first != "its":
        return True
    at = re.search(rf"\b{first}\b", question, re.I)
    owners = mentions(question[: at.start()] if at else question, "question")
    return not owners or any(m.kind != "person" for m in owners)


@dataclass
class Option:
    rewrite: str
    features: dict[str, float] = field(default_factory=dict)

    def vector(self) -> list[float]:
        return [float(self.features.get(name, 0.0)) for name in FEATURES]


def question_features(question: str, pronouns: list[str], has_candidate: bool) -> dict:
    """What the question itself says about being read alone."""
    first = next((w for w in re.findall(r"\b\w+\b", question.lower()) if w in pronouns), "")
    before = question[: question.lower().find(first)] if first else ""
    own_noun = bool(first) and bool(_PLURAL_NOUN.search(before.split(" ", 1)[-1]))
    content = [w for w in words(question) if w not in STOPWORDS]
    return {
        "own_noun": float(own_noun),
        "no_pronoun": float(not pronouns),
        "no_candidate": float(not has_candidate),
        "leads": float(question.lower().lstrip().startswith(("and ", "what about", "how about"))),
        "own_terms": math.log1p(len(content)),
    }


def mention_features(m, cls: str, order: int, salience: int, rule_pick: bool) -> dict:
    """One name of the conversation as what pronoun class ``cls`` stands for."""
    fits = {
        "he": ("person",),
        "she": ("person",),
        "it": ("org", "thing", "name", "place"),
        "they": ("group", "org"),
    }.get(cls, ())
    gendered = cls in ("he", "she") and m.gender in ("he", "she")
    return {
        "name": 1.0,
        "rule_pick": float(rule_pick),
        "kind_fits": float(m.kind in fits),
        "gender_fits": float(gendered and m.gender == cls),
        "gender_clashes": float(gendered and m.gender != cls),
        "last_turn": float(m.turn == 0),
        "turn_age": float(m.turn),
        "first_block": float(m.block == 0),
        "in_question": float(m.where == "question"),
        "order": math.log1p(order),
        "salience": math.log1p(salience),
        "answers": float(m.answers),
        "head_fit": float(m.head_fit),
        "near": math.log1p(m.near),
    }


@dataclass
class FollowupModel:
    weights: list[float]

    def score(self, option: Option) -> float:
        return sum(w * x for w, x in zip(self.weights, option.vector(), strict=True))

    def choose(self, options: list[Option]) -> Option:
        """The best-scored option (the first on a tie: the rules' order)."""
        return max(enumerate(options), key=lambda p: (self.score(p[1]), -p[0]))[1]


@functools.lru_cache(maxsize=2)
def load_followup_model(path: str | None = None) -> FollowupModel | None:
    """The shipped model (or ``path``'s); None when the file is missing or was fitted on
    other features: the rules choose alone."""
    file = Path(path) if path else MODEL_PATH
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("features") != FEATURES:
        return None
    return FollowupModel([float(w) for w in data["weights"]])
