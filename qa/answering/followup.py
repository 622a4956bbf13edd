"""Turn a follow-up question into a standalone one, without an LLM.

With an LLM configured the chain uses ``prompts/condense.md`` instead. This
deterministic rewrite carries the previous question's key terms over when the
follow-up leans on it (a pronoun, "and ...", or too few terms of its own).
"""

from __future__ import annotations

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


def rewrite(question: str, history: list[dict]) -> str:
    """``question`` itself, or the question with the previous question's key terms."""
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
    return f"{question.strip()} ({' '.join(carried)})" if carried else question
