"""Look-alike unanswerable questions made from answerable ones, for the reader's no-answer score.

SQuAD 2.0's unanswerable questions were written by changing an answerable one a little: a
name or number swapped for another of the same article, a word turned into its opposite
(Rajpurkar et al. 2018 count entity swaps, antonyms and negations among the commonest). We
have only squad2-dev's 1,500 of the training articles; these rules make more from SQuAD
v1.1 questions, each paired with its own paragraph, which then no longer answers it:

- ``name``: a capitalised name of the question that its paragraph holds, swapped for another
  name of the same article that the paragraph does not hold;
- ``number``: a number (or year) of the question, swapped for another of the article's
  numbers (a year for a year) that the paragraph does not hold;
- ``antonym``: a word swapped for its opposite (``ANTONYMS``), where the paragraph does not
  hold the opposite.

Deterministic for a given ``random.Random``. Some swaps still have an answer (a name the
paragraph holds in another spelling): a little label noise, as in any such augmentation.
"""

from __future__ import annotations

import random
import re

_PAIRS = """first last; largest smallest; biggest smallest; highest lowest; most least;
earliest latest; before after; north south; east west; increase decrease; increased
decreased; maximum minimum; oldest newest; older younger; more fewer; win lose; won lost;
begin end; began ended; start finish; started finished; rise fall; rose fell; higher lower;
longer shorter; longest shortest; larger smaller; above below; inside outside; import
export; imported exported; accept reject; accepted rejected; allowed banned; private
public; major minor; positive negative; success failure; strong weak; north-east
south-west; upper lower; open closed; opened closed; majority minority; ancient modern;
western eastern; northern southern; heavier lighter; cheaper dearer; early late; best
worst; gain loss; gained lost; support oppose; supported opposed; top bottom"""
ANTONYMS: dict[str, str] = {}
for _pair in _PAIRS.replace("\n", " ").split(";"):
    _a, _b = _pair.split()
    ANTONYMS.setdefault(_a, _b)
    ANTONYMS.setdefault(_b, _a)

NAME = re.compile(r"\b[A-Z][\w'’-]*(?:[ \t]+(?:of[ \t]+|the[ \t]+|de[ \t]+)?[A-Z][\w'’-]*)*")
NUMBER = re.compile(r"\b\d[\d,.]*\d\b|\b\d\b")
WORD = re.compile(r"\b[a-z][a-z-]+\b")
QUESTION_WORDS = {
    "What",
    "Who",
    "Whom",
    "Whose",
    "When",
    "Where",
    "Which",
    "Why",
    "How",
    "In",
    "On",
    "At",
    "The",
    "A",
    "An",
    "Is",
    "Are",
    "Was",
    "Were",
    "Did",
    "Do",
    "Does",
    "By",
    "For",
    "To",
    "From",
    "After",
    "Before",
    "During",
    "Of",
    "As",
    "If",
}


def _has(paragraph: str, phrase: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", paragraph, re.I) is not None


def _names(text: str, common: set[str] = frozenset(), inside: bool = False) -> list[str]:
    """Capitalised runs of words, less the leading ones that are question or common words
    (``common``: words the article also writes in lower case, "Although", "Two");
    ``inside``: only those inside a sentence ("Thus", "Moreover" open sentences)."""
    out = []
    for m in NAME.finditer(text):
        if inside and not re.search(r"[a-z,;:)]\s+$", text[max(0, m.start() - 3) : m.start()]):
            continue
        words = m.group().split()
        while words and (words[0] in QUESTION_WORDS or words[0].lower() in common):
            words = words[1:]
        name = " ".join(words)
        if len(name) > 2:
            out.append(name)
    return out


def _is_year(n: str) -> bool:
    return len(n) == 4 and n.isdigit() and 1000 <= int(n) <= 2100


def article_terms(paragraphs: list[str]) -> tuple[list[str], list[str], set[str]]:
    """The names and numbers of an article, each once, in order, and its lower-case words."""
    common = {w for p in paragraphs for w in WORD.findall(p)}
    names = list(dict.fromkeys(n for p in paragraphs for n in _names(p, common, inside=True)))
    numbers = list(dict.fromkeys(n for p in paragraphs for n in NUMBER.findall(p)))
    return names, numbers, common


def _swap(question: str, old: str, new: str) -> str:
    return re.sub(r"(?<!\w)" + re.escape(old) + r"(?!\w)", new, question, count=1)


def lookalike(
    question: str,
    paragraph: str,
    answers: list[str],
    terms: tuple[list[str], list[str], set[str]],
    rng: random.Random,
) -> tuple[str, str] | None:
    """(the changed question, the rule) or None where no rule applies."""
    names, numbers, common = terms
    options: list[tuple[str, str, str]] = []  # (rule, old, new)
    for old in _names(question, common):
        if not _has(paragraph, old):
            continue
        pool = [n for n in names if not _has(paragraph, n) and n.lower() != old.lower()]
        alike = [n for n in pool if len(n.split()) == len(old.split())]  # the same kind, likelier
        pool = alike or pool
        if pool:
            options.append(("name", old, rng.choice(pool)))
    for old in NUMBER.findall(question):
        if not _has(paragraph, old):
            continue
        pool = [n for n in numbers if _is_year(n) == _is_year(old) and not _has(paragraph, n)]
        if pool:
            options.append(("number", old, rng.choice(pool)))
    for old in WORD.findall(question):
        new = ANTONYMS.get(old)
        if new and not _has(paragraph, new):
            options.append(("antonym", old, new))
    options = [o for o in options if not any(_has(o[2], a) for a in answers if a)]
    if not options:
        return None
    rule, old, new = rng.choice(options)
    return _swap(question, old, new), rule
