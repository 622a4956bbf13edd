"""What kind of question this is: a factoid, or one that wants several articles' say.

- ``overview``: "What did the articles say about Google?", "Tell me about X", "News on X"
- ``comparison``: "Compare X and Y", "X vs Y", "How did Apple's and Sony's results compare?"
- ``summary``: "Summarise the Nintendo DS article", "Sum up it", "Give me a summary of X"
- ``timeline``: "What happened to X?", "Timeline of X" (an overview in date order)
- ``factoid``: anything else (today's path); so is a pattern with nothing left to look for.

Deterministic patterns on the question's wording; the service falls back to the factoid
path when a kind finds no evidence, so a wrong guess costs one extra retrieval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.answering.question.followup import last_user_questions
from qa.text.terms import STOPWORDS, words

KINDS = ("factoid", "overview", "comparison", "summary", "timeline")


@dataclass
class Kind:
    name: str = "factoid"
    topic: str = ""  # what to look for (overview, timeline; the shared aspect of a comparison)
    sides: list[str] = field(default_factory=list)  # comparison: the named things
    article_hint: str = ""  # summary: the words that name the article ("" : "it")


_PLEASE = r"^(?:please\s+|can you\s+|could you\s+|now\s+)*"
_SUMMARY = re.compile(
    _PLEASE + r"(?:summari[sz]e|sum up|sum (?:it|this|that) up|recap|"
    r"give (?:me )?(?:a |the )?(?:short |brief )?summary of|(?:a |the )?summary of|"
    r"tl;?dr(?: of)?)\b\s*(?P<rest>.*)$",
    re.I,
)
_SUMMARY_FILLER = frozenset(
    [
        *("the", "a", "an", "article", "story", "piece", "report", "news", "item"),
        *("about", "on", "this", "that", "it", "one", "please"),
    ]
)
_COMPARE = [
    re.compile(_PLEASE + r"compare\s+(?P<sides>.+)$", re.I),
    re.compile(
        r"^how\s+(?:did|do|does|have|has|were|are|was|is)\s+(?P<sides>.+?\s+compare\s+"
        r"(?:with|to|against)\s+.+)$",
        re.I,
    ),
    re.compile(
        r"^how\s+(?:did|do|does|have|has|were|are|was|is)\s+(?P<sides>.+?)\s+compare\b.*$", re.I
    ),
    re.compile(
        r"^(?:what (?:is|are|was|were) )?(?:the )?differences? between\s+(?P<sides>.+)$", re.I
    ),
    # "X vs Y" alone: not inside a question ("What is Google vs Yahoo about?")
    re.compile(
        r"^(?!(?:who|what|when|where|why|how|which|is|are|was|were|did|does|do)\b)"
        r"(?P<sides>.+?\s+(?:vs\.?|versus)\s+.+)$",
        re.I,
    ),
]
_SIDE_SPLIT = re.compile(
    r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|\s+with\s+|\s+to\s+|\s+vs\.?\s+|\s+versus\s+|"
    r"\s+compared?\s+(?:with|to|against)\s+|\s+against\s+)",
    re.I,
)
_OVERVIEW = [
    re.compile(
        r"^what\s+(?:did|do|does|have|are|were|is)\s+(?:the\s+)?(?:articles?|news|stories|story|"
        r"papers?|reports?|press|coverage|corpus|sources?)\s+(?:say|said|saying|report|reported|"
        r"reporting|write|wrote|writing|tell (?:me|us))\s+(?:about|on|of|regarding)\s+"
        r"(?P<topic>.+)$",
        re.I,
    ),
    re.compile(
        r"^what\s+(?:is|was|has been)\s+(?:being\s+)?(?:said|reported|written)\s+(?:about|on)\s+"
        r"(?P<topic>.+)$",
        re.I,
    ),
    re.compile(_PLEASE + r"tell\s+(?:me|us)\s+(?:more\s+)?about\s+(?P<topic>.+)$", re.I),
    re.compile(
        _PLEASE + r"(?:give\s+(?:me\s+)?)?(?:an?\s+)?(?:overview|roundup|round-up|digest)\s+"
        r"(?:of|on|about)\s+(?P<topic>.+)$",
        re.I,
    ),
    re.compile(
        r"^(?:any\s+|the\s+|latest\s+)*(?:news|coverage|stories|articles)\s+(?:on|about|of|"
        r"regarding|mentioning)\s+(?P<topic>.+)$",
        re.I,
    ),
    re.compile(
        r"^what(?:'s| is)\s+(?:new|the (?:latest|news)|in the news)\s+(?:on|about|with)\s+"
        r"(?P<topic>.+)$",
        re.I,
    ),
    re.compile(r"^what\s+do\s+(?:we|you)\s+know\s+about\s+(?P<topic>.+)$", re.I),
]
_TIMELINE = [
    re.compile(r"^what\s+happened\s+(?:to|with|in|during|at|over|around)\s+(?P<topic>.+)$", re.I),
    re.compile(
        _PLEASE + r"(?:give\s+(?:me\s+)?)?(?:a\s+|the\s+)?(?:timeline|chronology|history)\s+"
        r"(?:of|for)\s+(?P<topic>.+)$",
        re.I,
    ),
    re.compile(r"^how\s+did\s+(?P<topic>.+?)\s+(?:unfold|develop|evolve)$", re.I),
]
_POSSESSIVE = re.compile(r"^(?P<name>.+?)['’]s?(?:\s+(?P<rest>.+))?$")
_ON_ASPECT = re.compile(r"^(?P<side>.+?)\s+(?:on|about|over|regarding)\s+(?P<aspect>.+)$", re.I)
_LEAD_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
MAX_TOPIC_WORDS = 8


def _clean(text: str) -> str:
    text = text.strip().rstrip("?.!").strip()
    return _LEAD_ARTICLE.sub("", text).strip(" \"'“”‘’")


def _content(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS]


def _sides(text: str) -> tuple[list[str], str]:
    """The named sides and their shared aspect: "Apple's and Sony's results" ->
    (["Apple", "Sony"], "results")."""
    parts = [_clean(p) for p in _SIDE_SPLIT.split(_clean(text)) if _clean(p)]
    sides, aspect = [], ""
    m = _ON_ASPECT.match(parts[-1]) if parts else None
    if m:  # "Labour and the Tories on immigration": the aspect is immigration
        parts[-1], aspect = m.group("side"), m.group("aspect")
    for part in parts:
        m = _POSSESSIVE.match(part) if re.search(r"['’]s?(\s|$)", part) else None
        if m:
            sides.append(m.group("name").strip())
            aspect = aspect or (m.group("rest") or "").strip()
        else:
            sides.append(part)
    sides = [s for s in dict.fromkeys(sides) if _content(s)]
    return sides, _clean(aspect)


def classify(question: str, history: list[dict] | None = None) -> Kind:
    """The kind of ``question``; ``history`` gives "it" its meaning ("summarise it",
    "what did the articles say about it?")."""
    q = " ".join(question.split()).strip()
    if not q:
        return Kind()
    m = _SUMMARY.match(q)
    if m:
        rest = _clean(m.group("rest"))
        hint = " ".join(w for w in rest.split() if w.lower().strip(",.") not in _SUMMARY_FILLER)
        return Kind("summary", article_hint=hint)  # none: the conversation's or the only one
    for pattern in _COMPARE:
        m = pattern.match(q)
        if m:
            sides, aspect = _sides(m.group("sides"))
            if len(sides) >= 2 and all(len(_content(s)) <= MAX_TOPIC_WORDS for s in sides):
                return Kind("comparison", topic=aspect, sides=sides)
    for name, patterns in (("timeline", _TIMELINE), ("overview", _OVERVIEW)):
        for pattern in patterns:
            m = pattern.match(q)
            if m:
                topic = _clean(m.group("topic"))
                if not _content(topic) and history:  # "What did the articles say about it?"
                    asked = last_user_questions(history, n=1)
                    topic = subject_of(asked[0]) if asked else ""
                if 1 <= len(_content(topic)) <= MAX_TOPIC_WORDS:
                    return Kind(name, topic=topic)
    return Kind()


def subject_of(question: str) -> str:
    """What an earlier question was about: an overview's topic, a summary's article, a
    comparison's sides; else the question itself."""
    kind = classify(question)
    return kind.article_hint or kind.topic or " and ".join(kind.sides) or question


_WHAT_HAPPENED = re.compile(
    r"^(?:so |and )?what (?:happened|went on|was in the news|were the news|made the news)$"
)


def with_time(kind: Kind, question: str, when) -> Kind:
    """``kind`` with the question's time expression (``when.window.matched``, applied as
    a date filter) taken out of its topic; "What happened last week?" (nothing but a
    date window) becomes a timeline of that period."""
    matched = when.window.matched
    if matched and kind.name != "factoid":
        kind.topic = _without(kind.topic, matched)
        kind.sides = [side for side in (_without(s, matched) for s in kind.sides) if side]
    if (when.filters.date_from or when.filters.date_to) and matched:
        rest = re.sub(re.escape(matched), " ", question, flags=re.I).lower()
        rest = re.sub(r"[^\w\s]", " ", rest)
        if _WHAT_HAPPENED.match(re.sub(r"\s+", " ", rest).strip()):
            return Kind("timeline")
    if kind.name in ("overview", "timeline") and not kind.topic:
        return Kind()  # nothing left to look for
    return kind


def _without(text: str, matched: str) -> str:
    text = re.sub(re.escape(matched), " ", text, flags=re.I)
    return re.sub(r"\s+", " ", text).strip(" ,.?")
