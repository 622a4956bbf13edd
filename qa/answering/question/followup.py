"""Turn a follow-up question into a standalone one, without an LLM.

With an LLM configured the chain uses ``prompts/condense.md`` instead. This
deterministic rewrite carries the previous question's key terms over when the
follow-up leans on it (a pronoun, "and ...", or too few terms of its own).
"""

from __future__ import annotations

import re

from qa.text.terms import STOPWORDS, words

PRONOUNS = frozenset(
    [
        "he",
        "she",
        "it",
        "they",
        "him",
        "her",
        "them",
        "his",
        "hers",
        "its",
        "their",
        "theirs",
        "this",
        "that",
        "these",
        "those",
        "there",
        "then",
        "one",
    ]
)
LEADS = ("and ", "what about", "how about", "also ", "but ")


def last_user_questions(history: list[dict], n: int = 1) -> list[str]:
    """The last ``n`` questions the user asked, oldest first."""
    asked = [
        m.get("standalone") or m.get("content", "")
        for m in history
        if m.get("role") == "user" and isinstance(m.get("content"), str)
    ]
    return asked[-n:]


def needs_context(question: str) -> bool:
    q = question.lower().strip()
    ws = words(q)
    content = [w for w in ws if w not in STOPWORDS]
    return bool(PRONOUNS & set(ws)) or q.startswith(LEADS) or len(content) < 2


_PERSONAL = frozenset(["he", "she", "him", "her", "his", "hers"])
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[-\s][A-Z][a-z]+)+")
_ANSWER_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _gender(question: str) -> str:
    ws = set(words(question))
    return "he" if ws & {"he", "him", "his"} else "she" if ws & {"she", "her", "hers"} else ""


def answered_name(question: str, history: list[dict]) -> str:
    """The person "he"/"she" in ``question`` most likely is: a name the last answer gives
    (its bold short answer first, then names in order of mention) that the last question
    did not already name, and not the person the previous follow-up's other pronoun was
    taken to be ("Who did she meet?" then "What did he say?": he is not she)."""
    last = max((i for i, m in enumerate(history) if m.get("role") == "assistant"), default=-1)
    if last < 0 or not isinstance(history[last].get("content"), str):
        return ""
    content = history[last]["content"]
    bold = [b.strip() for b in _ANSWER_BOLD.findall(content) if _NAME.fullmatch(b.strip())]
    names = list(dict.fromkeys(bold + _NAME.findall(content)))
    before = [i for i, m in enumerate(history[:last]) if m.get("role") == "user"]
    exclude = set()
    if before:
        asked = str(history[before[-1]].get("content", ""))
        exclude |= {n for n in names if n in asked}
        other = _gender(asked)
        if other and other != _gender(question):
            exclude.add(answered_name(asked, history[: before[-1]]))
    return next((n for n in names if n not in exclude), "")


def rewrite(question: str, history: list[dict]) -> str:
    """``question`` itself, or the question with the previous question's key terms (and,
    for "he"/"she", the person the last answer named)."""
    if not history or not needs_context(question):
        return question
    # The nearest question that stood on its own, and the follow-ups asked since.
    context: list[str] = []
    for earlier in reversed(last_user_questions(history, n=4)):
        context.insert(0, earlier)
        if not needs_context(earlier):
            break
    if not context:
        return question
    own = {w.lower() for w in words(question)}
    carried = [
        w
        for w in " ".join(context).split()
        if (k := "".join(words(w))) and k.lower() not in STOPWORDS and k.lower() not in own
    ]
    carried = list(dict.fromkeys(w.strip("?.!,;:") for w in carried))
    if _PERSONAL & set(words(question)) and (name := answered_name(question, history)):
        carried = [w for w in name.split() if w.lower() not in own]  # "she" is that person
    return f"{question.strip()} ({' '.join(carried)})" if carried else question
