"""Labelled follow-ups: conversations whose last question leans on an earlier turn, each
with what its pronoun (or omission) refers to.

- ``bench/followups.jsonl`` and ``bench/followups_heldout.jsonl``: turns with ``referent``
  (the forms a right rewrite names) and ``not`` (names a right rewrite never brings in);
- news-qa's ``followup`` rows (``../shared/news-qa/``): a conversation, the follow-up and
  its standalone rewrite, written by annotators. ``news_conversations`` turns them into the
  same shape: the referent is the names the rewrite takes from the conversation (its
  earlier questions and their answers), the wrong ones the conversation's other names.
A rewrite is right (``right``) when it names a referent and no wrong name, or, where the
follow-up needs no name from the conversation, when it brings in none.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from qa.text.terms import STOPWORDS
from training.paths import NEWS_QA, ROOT

SETS = {
    "followups": ROOT / "bench" / "followups.jsonl",
    "heldout": ROOT / "bench" / "followups_heldout.jsonl",
}
_CAP = re.compile(r"\b[A-Z][\w'’&.-]*\w|\b[A-Z]\b")
_NOT_NAMES = STOPWORDS | {"what", "who", "how", "when", "which", "why", "where", "whose"}


def names(text: str) -> list[str]:
    """The capitalised words of ``text`` (a possessive's 's dropped), in order, once."""
    out = (re.sub(r"['’]s$", "", w) for w in _CAP.findall(text))
    return list(dict.fromkeys(w for w in out if w.lower() not in _NOT_NAMES))


def news_conversations(split: str = "dev") -> list[dict]:
    """news-qa's follow-ups as conversations (``corpus`` "bbc"), the last turn labelled."""
    out = []
    for line in (NEWS_QA / f"{split}.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if r.get("kind") != "followup":
            continue
        said = " ".join(r["history"] + [t.get("answer", "") for t in r.get("history_turns", [])])
        own = {w.lower() for w in names(r["question"])}
        gold = r["standalone"].lower()
        referent = [w for w in names(r["standalone"]) if w.lower() not in own]
        referent = [w for w in referent if w.lower() in said.lower()]
        wrong = [w for w in names(said) if w.lower() not in gold and w.lower() not in own]
        turns = [{"question": q} for q in r["history"]]
        turns.append(
            {
                "question": r["question"],
                "referent": referent,
                "not": wrong,
                "answers": r["answers"],
                "standalone": r["standalone"],
                "source": r["source"],
            }
        )
        out.append({"id": r["id"], "corpus": "bbc", "turns": turns})
    return out


def load_conversations(name: str) -> list[dict]:
    """A labelled set by name: ``followups``, ``heldout``, ``news-dev``, ``news-train``."""
    if name.startswith("news-"):
        return news_conversations(name.removeprefix("news-"))
    lines = Path(SETS[name]).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def right(rewrite: str, question: str, referent: list[str], wrong: list[str]) -> bool:
    """Whether ``rewrite`` of ``question`` names what it should and nothing it should not
    (a name already in the question does not count either way)."""
    s, own = rewrite.lower(), question.lower()
    if any(w.lower() in s and w.lower() not in own for w in wrong):
        return False
    added = [r for r in referent if r.lower() not in own]
    if not added:  # nothing to bring in: right when it brings in nothing of the wrong list
        return True
    return any(r.lower() in s for r in added)
