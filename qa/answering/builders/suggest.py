"""Suggested follow-up questions, built extractively from the cited passages.

The sentences of the cited passages that the answer did not quote are turned into
questions with a few templates (who said what, what happened on a date, who a named
person is, what the articles say about a named thing). A candidate is shown only when
it is answerable: asked on its own, the assistant does not abstain, cites one of the
same articles, and quotes something the answer did not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from qa.text.sentences import sentence_spans
from qa.text.terms import STOPWORDS, terms, words
from qa.types import Answer, Passage

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS}) \d{{1,2}}, \d{{4}}"  # December 31, 2014
    rf"|\d{{1,2}} (?:{_MONTHS}) \d{{4}}"  # 31 December 2014
    rf"|(?:{_MONTHS}) \d{{4}})\b"  # December 2014
)
_NAME_WORD = r"[A-Z][\w’'.-]*[\w]"
_JOINERS = r"(?: (?:of|for|the|de|du|von|van|al)(?= [A-Z][a-z]))*"
_ENTITY = re.compile(rf"{_NAME_WORD}(?:{_JOINERS} {_NAME_WORD})*")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9-]{2,9}$")  # "NATO", "OECD"; not "US" or "UK"
_HONORIFIC = r"(?:Mr|Ms|Mrs|Dr|Prof|Sir|Lord|Lady)\.?"
_SPEECH_VERBS = r"(?:said|says|told|warned|added|stated|announced|reported|reports|insisted)"
_SPEAKER_BEFORE = re.compile(rf"(?:^|, )(?P<who>[^,;:]{{2,60}}?) {_SPEECH_VERBS}\b")
_SPEAKER_AFTER = re.compile(rf", (?P<who>[^,;:]{{2,60}}?) {_SPEECH_VERBS}\W*$")
_ACCORDING = re.compile(rf"\b[Aa]ccording to (?P<who>(?:the )?{_ENTITY.pattern})")
_ORG_WORDS = frozenset(
    re.findall(
        r"\w+",
        """state states organization organisation union force forces council party ministry
        parliament assembly house court bank company group agency department office committee
        commission association league club university army navy republic kingdom government
        treaty security assistance international national federal airlines corporation""",
    )
)
_NOT_SPEAKERS = frozenset(re.findall(r"\w+", "he she they it this that there we i you who which"))


@dataclass
class _Sentence:
    article: str
    start: int
    end: int
    text: str
    context: str


def _strip_possessive(name: str) -> str:
    return re.sub(r"[’']s$", "", name)


def _entities(text: str) -> Iterator[str]:
    """Capitalised names in ``text`` (the sentence's first word only when it is a name)."""
    for match in _ENTITY.finditer(text):
        name = _strip_possessive(match.group(0).rstrip("."))
        tokens = name.split()
        if match.start() == 0 or text[: match.start()].rstrip().endswith((".", ":", "“", '"')):
            while tokens and tokens[0].lower() in STOPWORDS | {"after", "with", "on", "in"}:
                tokens = tokens[1:]
        if tokens:
            yield " ".join(tokens)


def _is_person(name: str, context: str) -> bool:
    """A person's name: 2-4 capitalised words, no organisation word, introduced by a
    title, or speaking, or with a role after a comma, or whose surname is used on its
    own with a title or to speak ("Mr Cotis", "Matvienko said") in ``context``."""
    tokens = name.split()
    if re.fullmatch(rf"{_HONORIFIC} [A-Z]\w+", name):
        return True
    if not 2 <= len(tokens) <= 4 or any(t.lower() in _ORG_WORDS for t in tokens):
        return False
    if not all(t[0].isupper() and not t.isupper() and t.replace("-", "").isalpha() for t in tokens):
        return False
    surname = re.escape(tokens[-1])
    if re.search(rf"{_HONORIFIC} {surname}\b|\b{surname} (?:said|says|told|added)\b", context):
        return True
    after = context[context.find(name) + len(name) :]
    role = re.match(r", (?:a |an |the )?(?:[A-Z][\w’']*[’']s )?[a-z]+", after)
    opens_clause = role and after.split()[1] in _NOT_SPEAKERS | {"in", "and", "but", "including"}
    return bool(re.match(r" (?:said|says|told)\b", after)) or (bool(role) and not opens_clause)


def _speaker(text: str, context: str = "") -> str:
    for pattern in (_SPEAKER_AFTER, _SPEAKER_BEFORE, _ACCORDING):
        match = pattern.search(text)
        if not match:
            continue
        who = _AUXILIARIES.sub("", match.group("who").strip())  # "Lions Gate has announced"
        if match.start("who") == 0:
            who = _sentence_case(who, context or text)
        who_words = who.split()
        if (
            1 <= len(who_words) <= 6
            and who_words[0].lower() not in _NOT_SPEAKERS
            and any(w[0].isupper() for w in who_words)
            and not re.search(r"\b(?:that|which|who|and)\b", who)
        ):
            return re.sub(r"^The ", "the ", who)
    return ""


_AUXILIARIES = re.compile(
    r"(?:\s+(?:has|have|had|will|would|is|was|also|later|earlier|then|previously|again|now))+$"
)


def _sentence_case(who: str, context: str) -> str:
    """The speaker as it reads inside a question: the sentence's capital is dropped from
    a common word ("Film studio Lions Gate" -> "film studio Lions Gate"; "Analysts" ->
    "analysts" when the articles write it so), kept on a name ("Gordon Brown")."""
    words = who.split()
    if not words or not words[0][:1].isupper() or words[0].isupper() or words[0] == "The":
        return who  # "The ..." is lower-cased below, once the speaker is accepted
    first = words[0]
    common = (len(words) > 1 and words[1][:1].islower()) or re.search(
        rf"(?<![.!?]\s)\b{re.escape(first.lower())}\b", context
    )
    if common and first.lower() not in _NOT_SPEAKERS:
        return " ".join([first.lower(), *words[1:]])
    return who


def _adjectival(name: str, text: str) -> bool:
    """ "Central Asian nations", "Afghan military": a demonym, not a thing to ask about."""
    follows = text[text.find(name) + len(name) :].split()
    return bool(re.search(r"(?:an|ese|ish|i)$", name)) and bool(follows) and follows[0].islower()


def questions_from(text: str, context: str = "") -> list[tuple[str, str]]:
    """(subject, question) pairs that the sentence ``text`` answers, best first.

    ``context`` (the passage around it) helps tell people from places.
    """
    context = context or text
    out = []
    who = _speaker(text, context)
    if who:
        out.append((who, f"What did {who} say?"))
    date = _DATE.search(text)
    if date:
        out.append((date.group(0), f"What happened on {date.group(0)}?"))
    for name in _entities(text):
        tokens = name.split()
        if name == who or name in who or _adjectival(name, text):
            continue
        if any(re.search(r"-[a-z]", t) for t in tokens):  # "U.S.-led"
            continue
        if _is_person(name, context):
            out.append((tokens[-1], f"Who is {name}?"))  # "Ms Diemont" is "Cara Diemont"
        elif _ACRONYM.match(name):
            # "the Islamic State (ISIL)": ISIL and the Islamic State are one subject
            spelled = re.search(rf"({_ENTITY.pattern}) \({re.escape(name)}\)", context)
            out.append((spelled.group(1) if spelled else name, f"What is {name}?"))
        elif len(tokens) >= 2 and tokens[-1].lower() in _ORG_WORDS:
            the = "" if tokens[0] == "The" else "the "
            out.append((name, f"What is {the}{name}?"))
        elif len(tokens) >= 2:
            out.append((name, f"What is known about {name}?"))
    return out


def article_texts(store, articles: set[str]) -> dict[str, str]:
    """The stored chunks of each article joined in order (context for telling people,
    places and abbreviations apart); empty when the store cannot say."""
    out = {}
    for article in articles:
        try:
            got = store.get(where={"article_id": article}, include=["documents", "metadatas"])
        except Exception:  # a store that is down only makes the suggestions plainer
            continue
        pairs = sorted(
            zip(got["metadatas"], got["documents"], strict=True),
            key=lambda pair: (pair[0] or {}).get("start", 0),
        )
        out[article] = "\n".join(text for _, text in pairs)
    return out


def _other_sentences(answer: Answer, texts: dict[str, str] | None = None) -> list[_Sentence]:
    """Sentences of the cited passages (then of other passages of the cited articles)
    that the answer did not quote, nearest to the quoted ones first. ``texts``: the
    articles' full text, as context."""
    cited_chunks = [c.chunk_id for c in answer.citations]
    cited_articles = {c.article for c in answer.citations}
    quoted = [(c.article, c.start, c.end) for c in answer.citations]
    by_chunk = {p.chunk_id: p for p in answer.passages}
    ordered: list[Passage] = [by_chunk[i] for i in dict.fromkeys(cited_chunks) if i in by_chunk]
    ordered += [p for p in answer.passages if p.article in cited_articles and p not in ordered]
    anchor = answer.citations[0].start if answer.citations else 0
    context = {a: "\n".join(p.text for p in ordered if p.article == a) for a in cited_articles}
    context.update(texts or {})
    out: list[_Sentence] = []
    for rank, p in enumerate(ordered):
        found = []
        for s, e in sentence_spans(p.text):
            start, end = p.start + s, p.start + e
            text = p.text[s:e]
            if len(words(text)) < 6 or text.strip().lower() == p.title.strip().lower():
                continue
            if any(a == p.article and start < qe and qs < end for a, qs, qe in quoted):
                continue
            sentence = _Sentence(p.article, start, end, text, context[p.article])
            found.append((rank, abs(start - anchor), sentence))
        out += [s for *_, s in sorted(found, key=lambda x: (x[0], x[1]))]
    return out


def candidate_questions(
    answer: Answer, asked: list[str], texts: dict[str, str] | None = None
) -> list[str]:
    """Follow-up candidates from the answer's cited passages, not yet asked."""
    seen = {" ".join(q.lower().split()) for q in asked}
    asked_terms = set(terms(" ".join(asked)))
    out = []
    for sentence in _other_sentences(answer, texts):
        for subject, question in questions_from(sentence.text, sentence.context):
            key = re.sub(rf"^(?:the|{_HONORIFIC.lower()}) ", "", subject.lower())
            own = set(terms(subject))
            if key in seen or (own and own <= asked_terms):
                continue
            seen.add(key)
            out.append(question)
    return out


def _answer_span(assistant, question: str, answer: Answer, history: list[dict]) -> tuple | None:
    """The (article, start, end) that answers ``question`` asked after ``history``, when
    it is in one of the answer's articles and is not a sentence the answer quoted; else
    None.

    With an LLM configured the check stops at the evidence (the LLM is not called): the
    learned P(answerable) must reach the abstention threshold.
    """
    articles = {c.article for c in answer.citations}
    quoted = {(c.article, c.start, c.end) for c in answer.citations}
    if assistant.llm is None:
        got = assistant.ask(question, history=history)
        if got.abstained or not got.citations:
            return None
        first = got.citations[0]
        span = (first.article, first.start, first.end)
    else:
        state = assistant.prepare.invoke(
            {
                "question": question,
                "history": history,
                "k": assistant.settings.k,
                "filters": None,
                "timings": {},
            }
        )
        scored = state["scored"]
        ranked = scored.sentences
        if not ranked or scored.answerable < assistant.answerer.threshold:
            return None
        span = (ranked[0].passage.article, ranked[0].start, ranked[0].end)
    return span if span[0] in articles and span not in quoted else None


def suggest_followups(
    assistant,
    answer: Answer,
    asked: list[str] | None = None,
    n: int = 3,
    max_checks: int = 6,
    history: list[dict] | None = None,
) -> list[str]:
    """Up to ``n`` follow-up questions the cited articles answer (none for an abstention).

    Each is checked as a click asks it: after ``history``, the conversation so far as the
    engine takes it (alone, "What is ISIL?" was answered; after a talk about Matvienko,
    rewritten with her context, it was refused). Two suggestions answered by the same
    sentence count once.
    """
    if n <= 0 or answer.abstained or not answer.citations:
        return []
    asked = [answer.question, answer.standalone_question, *(asked or [])]
    out: list[str] = []
    used: set[tuple] = set()
    texts = article_texts(assistant.store, {c.article for c in answer.citations})
    for question in candidate_questions(answer, asked, texts)[:max_checks]:
        if len(out) >= n:
            break
        span = _answer_span(assistant, question, answer, history or [])
        if span is not None and span not in used:
            used.add(span)
            out.append(question)
    return out
