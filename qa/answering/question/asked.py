"""What an earlier question asked for, read for its follow-ups.

A "who" or "which" question is answered by a name of its answer's quoted sentences, and a
follow-up's pronoun often stands for that answer ("Which film did the jury name?" ... "Who
starred in it?"). Which name answered is guessed from how the sentence puts it: next to the
question's head noun ("Mike Leigh's latest film Vera Drake", "computer maker Lenovo", "the
Act of Settlement" for "which act") or among the question's own words.
"""

from __future__ import annotations

import re

from qa.answering.question.referents import Mention
from qa.text.names import word_set
from qa.text.terms import STOPWORDS, words

# "who"/"which" first, or after a preposition or an "according to ..." lead-in
_WH = re.compile(
    r"^(?:according to [^,?]{1,60},\s*)?(?:(?:in|on|at|for|from|by|with|to|of|under|during|"
    r"against|over)\s+)?(?P<wh>who|whom|which)\b(?P<rest>.*)$",
    re.I,
)
_DEFINE = re.compile(r"^who (?:is|was|are|were) (?P<rest>.+?)[?.!\s]*$", re.I)
_AND = ("the", "and")
# a "which" question with one of these heads is answered by a place ("In which city is
# the first leg?" ... "When does it kick off?": it is the tour, not Istanbul)
_PLACE_HEADS = word_set(
    "city town village country nation state capital region province county island "
    "continent place venue stadium"
)


def wh_word(question: str) -> str:
    """``who`` or ``which`` where the question asks for a name that way, else ""."""
    m = _WH.match(question.strip())
    return m["wh"].lower().replace("whom", "who") if m else ""


def defines(question: str) -> bool:
    """ "Who was Christos Tzekos?": the question names the person it asks about."""
    m = _DEFINE.match(question)
    return bool(m) and all(w[:1].isupper() for w in m["rest"].split() if w not in _AND)


def head(question: str) -> list[str]:
    """The nouns a "which" question asks for ("Which Mike Leigh film" -> film; "Which 1701
    act governs" -> act, governs; "Which Chinese computer maker" -> computer, maker): up to
    two lower-case words after "which", up to its first small word or past tense."""
    m = _WH.match(question.strip())
    if not m or m["wh"].lower() != "which":
        return []
    out: list[str] = []
    for token in m["rest"].split():
        word = token.strip("?,.;:!'’\"")
        if not word or word[0].isupper() or word.isdigit():
            if out:
                break
            continue
        if word.lower() in STOPWORDS or word.endswith("ed") or len(out) == 2:
            break
        out.append(word.lower())
    return out


def plural_head(question: str) -> bool:
    """ "Which Real Madrid strikers has Owen been unable to displace?": the answer is a set
    of names, so a later "he" is not one of them."""
    nouns = _nouns(question)
    return bool(nouns) and nouns[-1].endswith("s") and not nouns[-1].endswith(("ss", "us", "is"))


def answered_by_a_name(question: str) -> bool:
    """A "who"/"which" question whose answer gives one new name: not one that names whom
    it asks about ("Who was Tzekos?"), nor one asking for several ("Which strikers ...?")."""
    return bool(wh_word(question)) and not defines(question) and not plural_head(question)


def answer_names(
    question: str, quotes: list[str], asked: list[Mention], quoted: list[Mention], mark: bool
) -> list[Mention]:
    """The names the answer's ``quoted`` mentions add to the question's ``asked`` ones,
    best fitting the question first (``by_fit``)."""
    keys = {m.key for m in asked}
    return by_fit(question, quotes, [m for m in quoted if m.key not in keys], mark=mark)


def _nouns(question: str) -> list[str]:
    """``head``, a second word in -s taken for the verb ("Which firm makes ...")."""
    nouns = head(question)
    return nouns[:1] if len(nouns) == 2 and nouns[1].endswith("s") else nouns


def by_fit(
    question: str, quotes: list[str], quoted: list[Mention], mark: bool = True
) -> list[Mention]:
    """The names an answer gives to a "who"/"which" ``question``, best fitting first: the
    question's head noun names it or stands next to it, then how many of the question's
    words surround it ("Who is the former boss of Yukos?": the "ex-Yukos boss"
    Khodorkovsky, not Putin). With ``mark``, each found is marked so for the chooser
    (``answers``, ``head_fit``, ``near``)."""
    asked = {w[:5] for w in words(question) if w not in STOPWORDS and len(w) > 2}
    nouns = set(head(question))
    text = " ".join(quotes)
    fit = [0] * len(quoted)
    for i, m in enumerate(quoted):
        name = m.text.removeprefix("the ")
        at = text.find(name) if name in text else text.find(m.surname)
        if at < 0:
            continue
        before, after = words(text[:at])[-6:], words(text[at + len(name) :])[:6]
        own = set(words(name))
        named = bool(nouns & (own | set(before[-2:]) | set(after[:1])))
        near = len(asked & {w[:5] for w in before + after} - {w[:5] for w in own})
        fit[i] = 10 * named + near
        if mark:
            m.answers, m.head_fit, m.near = True, named, near
    order = [quoted[i] for i in sorted(range(len(quoted)), key=lambda i: -fit[i])]
    if order and nouns & _PLACE_HEADS and order[0].kind == "name":
        order[0].kind = "place"  # the name that answers "which city" is a place
    return order


def stated(question: str, name: str) -> str:
    """A "who"/"which" ``question`` with ``name`` in place of its question word and head
    ("Which Chinese computer maker bought IBM's PC division?", Lenovo -> "Lenovo bought
    IBM's PC division?"): the exchange as one statement, for a follow-up that leans on it
    ("How much was that deal worth?")."""
    m = _WH.match(question.strip())
    if not m:
        return question
    rest = m["rest"].split(" ")
    end, nouns = 0, _nouns(question)
    if m["wh"].lower() == "which" and nouns:
        seen = 0
        for i, token in enumerate(rest):
            word = token.strip("?,.;:!'’\"").lower()
            if word == nouns[seen]:
                seen += 1
                if seen == len(nouns):
                    end = i + 1
                    break
    text = question.strip()
    return f"{text[: m.start('wh')]}{name}{' '.join(['', *rest[end:]]) if end else m['rest']}"
