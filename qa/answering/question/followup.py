"""Turn a follow-up question into a standalone one, without an LLM.

With an LLM configured the chain uses ``prompts/condense.md`` instead. This
deterministic rewrite replaces a pronoun by what it refers to (``referents.py``: he/she
a person, it a thing or organisation, they a group), looking at the conversation's
questions and at the sentences its answers quoted, most recent first; other follow-ups
that lean on the previous question ("and ...", "what about ...", too few terms of their
own) carry that question's key terms over.

Every surface (the chat, ``/v1``, ``/ask``, the CLI) hands the conversation in its own
shape; :func:`conversation` reads them all the same way (the answers' cited sentences,
not how a page dressed them up), and the earlier questions' standalone forms are worked
out again here, so one conversation gets one rewrite wherever it is asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from qa.answering.question.asked import answer_names, answered_by_a_name, defines, stated
from qa.answering.question.followup_model import (
    FollowupModel,
    Option,
    load_followup_model,
    mention_features,
    question_features,
    reads_alone,
)
from qa.answering.question.referents import (
    CLASSES,
    Evidence,
    Mention,
    genders,
    mentions,
    pick,
    substitute,
)
from qa.text.markdown import unescape_markdown
from qa.text.terms import STOPWORDS, words

PRONOUNS = frozenset([*CLASSES, "this", "that", "these", "those", "there", "then", "one"])
LEADS = ("and ", "what about", "how about", "also ", "but ")
MAX_TURNS = 4  # how far back a follow-up may reach


@dataclass
class Turn:
    """One exchange: the question as asked, its standalone form, the cited sentences."""

    question: str
    quotes: list[str] = field(default_factory=list)
    standalone: str = ""


def last_user_questions(history: list[dict], n: int = 1) -> list[str]:
    """The last ``n`` questions the user asked, oldest first."""
    asked = [
        m.get("standalone") or m.get("content", "")
        for m in history
        if m.get("role") == "user" and isinstance(m.get("content"), str)
    ]
    return asked[-n:]


_LATER_NAME = re.compile(r"(?<=\s)[A-Z][\w'’-]*")  # a capital after the first word


def needs_context(question: str) -> bool:
    """A pronoun, a leading "and"/"what about", or fewer than two terms of its own; one
    term that is a name stands alone ("What is ISIL?", "Who is Matvienko?")."""
    q = question.lower().strip()
    ws = words(q)
    content = [w for w in ws if w not in STOPWORDS]
    if PRONOUNS & set(ws) or q.startswith(LEADS):
        return True
    return len(content) < 2 and not _LATER_NAME.search(question.strip())


_SMALL = re.compile(r"<small>.*?</small>", re.S)  # the chat's notes, "said by", "Answering:"
_LINK = re.compile(r"\[\\\[(\d+)\\\]\]\(#[^)\s]*\)")  # the chat's [n] links to its cards
_SHORT = re.compile(r"\A(?:⚠️\s*)?\*\*.*?\*\*[ \t]*\n", re.S)  # the bold short answer line
_MARKER = re.compile(r"\[\d+\]")


def cited_sentences(answer: str) -> list[str]:
    """The sentences an answer cites (each piece of text before an ``[n]`` marker), from
    the chat's Markdown or the plain text of ``/v1`` and ``ask`` alike."""
    text = _LINK.sub(r"[\1]", _SMALL.sub(" ", answer))
    text = _SHORT.sub("", text)
    text = unescape_markdown(text)
    pieces = _MARKER.split(text)[:-1]  # the text after the last marker cites nothing
    out = []
    for piece in pieces:
        piece = re.sub(r"^[\s\-#]*", "", piece.split("\n")[-1] if "\n\n" in piece else piece)
        piece = piece.strip().strip('“”"').strip()
        if len(piece) > 2:
            out.append(piece)
    return out


def conversation(history: list[dict]) -> list[Turn]:
    """The exchanges of ``history`` ({role, content} messages, oldest first)."""
    turns: list[Turn] = []
    for m in history:
        content = m.get("content")
        if not isinstance(content, str):
            continue
        if m.get("role") == "user":
            turns.append(Turn(content.strip(), standalone=m.get("standalone") or ""))
        elif m.get("role") == "assistant" and turns:
            turns[-1].quotes += cited_sentences(content)
    return turns


def standalone_question(
    question: str,
    history: list[dict],
    articles: Callable[[str], list[str]] | None = None,
    model: FollowupModel | bool | None = True,
) -> str:
    """``question`` as it reads on its own in the conversation ``history``: its pronouns
    replaced by what they refer to, the previous question's key terms added, or as asked,
    whichever reading the learned model (``followup_model.py``; ``model`` False: the rules
    alone) scores best.

    ``articles``: text -> the texts of the indexed articles holding it (where the articles
    call someone he or she); without it the quoted sentences alone are read."""
    if model is True:
        model = load_followup_model()
    found = _turns(question, history, articles, model or None)
    if found is None:
        return question
    turns, evidence = found
    return _resolve(question, turns[-MAX_TURNS:], evidence, model or None)


def followup_options(
    question: str, history: list[dict], articles: Callable[[str], list[str]] | None = None
) -> list[Option]:
    """Every reading of ``question`` in ``history`` the model chooses among (for training;
    [] when the question needs no context)."""
    found = _turns(question, history, articles, load_followup_model())
    if found is None:
        return []
    turns, evidence = found
    return options(question, turns[-MAX_TURNS:], evidence)


def _turns(question: str, history: list[dict], articles, model):
    """The conversation's turns with their standalone forms, and the evidence; None when
    the question stands alone."""
    turns = conversation(history)[-MAX_TURNS - 2 :]
    if not turns or not needs_context(question):
        return None
    evidence = Evidence(articles=articles)
    for i, turn in enumerate(turns):  # the earlier questions' standalone forms, likewise
        if not turn.standalone:
            earlier = turns[max(0, i - MAX_TURNS) : i]
            turn.standalone = _resolve(turn.question, earlier, evidence, model) if earlier else ""
        turn.standalone = turn.standalone or turn.question
    return turns, evidence


rewrite = standalone_question  # the name the chain has always called


def _resolve(
    question: str, turns: list[Turn], evidence: Evidence, model: FollowupModel | None = None
) -> str:
    if not needs_context(question) or reads_alone(question, list(CLASSES)):
        return question
    if model is not None:
        return model.choose(options(question, turns, evidence)).rewrite
    classes = list(dict.fromkeys(CLASSES[w] for w in words(question) if w in CLASSES))
    if classes:
        chosen = referents(question, classes, turns, evidence)
        if chosen:
            return substitute(question, chosen)
        if set(classes) <= {"he", "she"}:
            return question  # nobody it can be: better alone than about something else
    return _carry(question, turns)


def options(question: str, turns: list[Turn], evidence: Evidence) -> list[Option]:
    """The readings of a follow-up: as asked, its first pronoun as each name of the
    conversation (the others as the rules pick), and with the earlier terms carried."""
    if reads_alone(question, list(CLASSES)):
        return [Option(question, {"alone": 1.0})]
    classes = list(dict.fromkeys(CLASSES[w] for w in words(question) if w in CLASSES))
    out: list[Option] = []
    fitting = False
    if classes:
        candidates, exclude, counts = _prepared(question, classes, turns, evidence)
        rule = _chosen(classes, candidates, exclude, evidence)
        primary = classes[0]
        allowed = [
            m for m in candidates if not {m.key, m.surname.lower()} & exclude and agrees(primary, m)
        ]
        picked = rule.get(primary)
        fits = primary != "it" or agrees(primary, picked) if picked else False
        if picked and fits and all(m is not picked for m in allowed):
            allowed.append(picked)  # a person named in the articles only
        for i, m in enumerate(allowed[:MAX_OPTIONS]):
            features = mention_features(m, primary, i, counts.get(m.key, 1), m is rule.get(primary))
            fitting = fitting or features["kind_fits"] > 0
            out.append(Option(substitute(question, {**rule, primary: m}), features))
    if classes and set(classes) <= {"he", "she"} and not out:
        return [Option(question, {"alone": 1.0})]  # nobody it can be: better as asked
    asked = question_features(question, list(CLASSES), fitting)
    alone = {"alone": 1.0, **{k: asked[k] for k in ("own_noun", "no_candidate")}}
    carry = {"carry": 1.0, **{k: asked[k] for k in ("no_pronoun", "leads", "own_terms")}}
    return [Option(question, alone), *out, Option(_carry(question, turns), carry)]


MAX_OPTIONS = 8  # names of the conversation offered for one pronoun


def agrees(cls: str, m: Mention) -> bool:
    """Whether pronoun class ``cls`` can stand for ``m`` (he/she a person of that gender or
    of none known, it a thing, organisation or place, they a group, an organisation or a
    name of unknown kind: a team is "they" in British English, "Celtic", "Real Sociedad")."""
    if cls in ("he", "she"):
        return m.kind == "person" and m.gender in ("", cls)
    if cls == "it":  # a place only where a question named it ("hit by it": not the city
        # an answer says it happened in)
        return m.kind in ("org", "thing", "name") or (m.kind == "place" and m.where == "question")
    return m.kind in ("group", "org", "name")


def referents(
    question: str, classes: list[str], turns: list[Turn], evidence: Evidence
) -> dict[str, Mention]:
    """Pronoun class -> the mention it refers to, for the classes that resolve."""
    candidates, exclude, _ = _prepared(question, classes, turns, evidence)
    return _chosen(classes, candidates, exclude, evidence)


def _prepared(question: str, classes: list[str], turns: list[Turn], evidence: Evidence):
    """(the conversation's names, each once, in the rules' order; the names the question
    rules out; how often each name is met)."""
    for turn in turns:
        for quote in turn.quotes:
            evidence.add(quote)
    if any(c in ("he", "she") for c in classes):
        for turn in turns:
            for quote in turn.quotes:
                evidence.look_up(quote)
    candidates = _candidates(turns)
    if any(c in ("he", "she") for c in classes):
        for m in candidates:
            if m.kind in ("person", "name") and m.where == "question":
                evidence.look_up(m.text)
    genders(candidates, evidence)
    first: dict[str, Mention] = {}
    counts: dict[str, int] = {}
    for m in candidates:  # each name once, where it is met first
        first.setdefault(m.key, m)
        counts[m.key] = counts.get(m.key, 0) + 1
    candidates = list(first.values())
    named = [w.lower() for w in re.findall(r"\b[A-Z][\w'’-]*\w", question)]
    exclude = {w.removesuffix("'s").removesuffix("’s") for w in named} - STOPWORDS
    exclude |= {m.key for m in mentions(question)}  # "Did Kenteris blame him?": not him
    return candidates, exclude, counts


def _chosen(
    classes: list[str], candidates: list[Mention], exclude: set[str], evidence: Evidence
) -> dict[str, Mention]:
    chosen: dict[str, Mention] = {}
    for cls in classes:
        taken = exclude | {m.key for m in chosen.values()}
        found = pick(cls, candidates, taken) or (
            _in_articles(cls, evidence, taken) if cls in ("he", "she") else None
        )
        if found is not None:
            chosen[cls] = found
    return chosen


def _candidates(turns: list[Turn]) -> list[Mention]:
    """The names of the conversation, most recent exchange first; inside one, the
    question's first, except after a "who" or "which" question, whose answer names the
    new one ("Who did she meet?": he is the one met; "Who was Tzekos?": Tzekos), the
    names that fit the question best first (``asked.by_fit``); not where it asked for
    several ("Which strikers ...?")."""
    out: list[Mention] = []
    for age, turn in enumerate(reversed(turns)):
        asked = mentions(turn.standalone, "question")
        quoted = [m for q in turn.quotes for m in mentions(q, "answer")]
        named = defines(turn.standalone)
        if named:  # "Who was Christos Tzekos?": a person, whatever else is known
            for m in asked:
                m.kind = "person" if m.kind == "name" else m.kind
        first, then = asked, quoted
        if answered_by_a_name(turn.standalone):
            # how a name fits the question: a feature of the last exchange's only
            fresh = answer_names(turn.standalone, turn.quotes, asked, quoted, mark=not age)
            first, then = fresh, asked
        for block, part in enumerate((first, then)):
            for m in part:
                m.turn, m.block = age, block
        out += first + then
    return out


def _in_articles(cls: str, evidence: Evidence, exclude: set[str]) -> Mention | None:
    """He or she named nowhere in the conversation: the person of that gender the
    conversation's articles name most often."""
    counts: dict[str, int] = {}
    found: list[Mention] = []
    for text in evidence.texts:
        for m in mentions(text, "article"):
            if m.kind in ("person", "name"):
                found.append(m)
    genders(found, evidence)
    for m in found:
        if m.kind == "person" and m.gender == cls and m.key not in exclude:
            counts[m.text] = counts.get(m.text, 0) + 1
    if not counts:
        return None
    best = max(counts, key=counts.get)
    return next(m for m in found if m.text == best)


# "that deal", "that dinner": the event of the last exchange, its answer included (not
# "this time", "that year": a time)
_THAT_EVENT = re.compile(
    r"\b(?:that|this)\s+(?!time\b|year\b|month\b|week\b|day\b|season\b)[a-z]{3,}", re.I
)


def _as_statement(turn: Turn) -> str:
    """The turn's question, a "who"/"which" one with the name its answer gives in place of
    the question word ("Which Chinese computer maker bought ...?" -> "Lenovo bought ...")."""
    q = turn.question
    if not turn.quotes or not answered_by_a_name(q):
        return q
    quoted = [m for quote in turn.quotes for m in mentions(quote, "answer")]
    fresh = answer_names(q, turn.quotes, mentions(q, "question"), quoted, mark=False)
    return stated(q, fresh[0].text) if fresh else q


def _carry(question: str, turns: list[Turn]) -> str:
    """The question with the key terms of the nearest question that stood on its own
    (and of the follow-ups asked since); where the question points at the last exchange's
    event ("that deal"), that exchange's answer in place of its question word."""
    context: list[str] = []
    event = bool(_THAT_EVENT.search(question))
    for age, turn in enumerate(reversed(turns)):
        context.insert(0, _as_statement(turn) if event and not age else turn.question)
        if not needs_context(turn.question):
            break
    own = {w.lower() for w in words(question)}
    carried = [
        w
        for w in " ".join(context).split()
        if (k := "".join(words(w))) and k.lower() not in STOPWORDS and k.lower() not in own
    ]
    carried = list(dict.fromkeys(w.strip("?.!,;:") for w in carried))
    return f"{question.strip()} ({' '.join(carried)})" if carried else question
