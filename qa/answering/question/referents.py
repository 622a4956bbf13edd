"""What a follow-up's pronoun refers to, by what the pronoun can refer to, without a model.

"he"/"she" is a person, of that gender where the signals tell it (a common first name,
Mr/Mrs, or the pronoun the articles themselves use right after the name); "it" is an
organisation, place or thing; "they" is a group ("Kenteris and Thanou", "the pair") or
an organisation. Candidates are the names in the conversation's questions and in the
sentences its answers quoted, most recent turn first.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from qa.text.names import (
    CALENDAR,
    DEMONYMS,
    FEMALE_FIRST,
    FEMALE_TITLES,
    GROUP_NOUNS,
    MALE_FIRST,
    MALE_TITLES,
    ORG_WORDS,
    PERSON_TITLES,
    PLACES,
    word_set,
)
from qa.text.sentences import sentence_spans
from qa.text.terms import STOPWORDS

# The pronouns resolved here, by what they stand for.
_FORMS = {
    "he": "he him his himself",
    "she": "she her hers herself",
    "it": "it its itself",
    "they": "they them their theirs themselves",
}
CLASSES = {word: cls for cls, forms in _FORMS.items() for word in forms.split()}
POSSESSIVE = frozenset(["his", "its", "their", "theirs", "hers"])
_HE, _SHE = frozenset(_FORMS["he"].split()), frozenset(_FORMS["she"].split())
EVENT_WORDS = word_set(
    "games open cup olympics championship championships awards prix festival war "
    "summit election trophy series final finals show"
)
_WORD = r"(?:[A-Z][\w'’.\-]*\w|[A-Z])"
# "Bank of England", "Lord of the Rings"; a colon joins a title to its subtitle
# ("Godzilla: Final Wars", "Grand Theft Auto: San Andreas"), not to a quoted "I".
_JOIN = r"(?:(?:\s+(?:of|for|de|van|von|bin|al|del|da|le|la|the)){0,2}\s+|:\s+(?!I\b))"
_CAPS = re.compile(rf"(?<![\w'’.\-])(?:{_WORD})(?:{_JOIN}(?:{_WORD}))*")  # not the Pod of iPod
_SPEECH = re.compile(
    r"^\s*(?:,[^,]{0,60},\s*|,\s*who\s+)?(?:has |had |also )?(?:said|says|told|insisted|"
    r"denied|claimed|admitted|argued|warned|believes|thinks)\b|^\s*added\s*(?:[,:]|that)"
)
_SAID = re.compile(r"\b(?:said|says|told|added|according to)\s*$")
_GROUP = re.compile(r"\b(?:the|both|all)\s+(?:two\s+|three\s+|[a-z]+\s+)?(\w+)\b", re.I)


@dataclass
class Mention:
    """A name as found: ``text`` to put in a question, its ``kind`` and ``gender``."""

    text: str
    kind: str  # person | org | place | thing | group
    gender: str = ""  # he | she | "" (unknown)
    where: str = ""  # question | answer | article
    turn: int = 0  # 0: the last exchange, 1: the one before, ...
    block: int = 0  # inside one exchange: 0 the part read first (question or answer), 1
    answers: bool = False  # quoted in answer to a "who"/"which" question (asked.py)
    head_fit: bool = False  # next to the head noun of the question it answers (asked.py)
    near: int = 0  # the words of the question it answers around it (asked.py)

    @property
    def key(self) -> str:
        return self.text.lower().removeprefix("the ")

    @property
    def surname(self) -> str:
        return self.text.split()[-1]


@dataclass
class Evidence:
    """Text in which the articles call people he or she: the answers' quotes and the
    articles that hold them (``articles``: text -> the texts of the articles holding it)."""

    texts: list[str] = field(default_factory=list)
    articles: Callable[[str], list[str]] | None = None
    _seen: set = field(default_factory=set)
    _people: tuple | None = None

    def add(self, text: str) -> None:
        if text and text not in self._seen:
            self._seen.add(text)
            self.texts.append(text)

    def people(self) -> tuple[set[str], dict[str, str], set[str]]:
        """The surnames of the names the evidence gives (people or unknown), the full
        name of each word of a person's name ("Paula", "Radcliffe": "Paula Radcliffe"),
        and the surnames of those it shows to be people."""
        if self._people is None or self._people[0] != len(self.texts):
            found = [m for t in self.texts for m in mentions(t) if m.kind in ("person", "name")]
            full: dict[str, str] = {}
            for m in found:
                if m.kind == "person" and len(m.text.split()) > 1:
                    for word in m.text.split():
                        full.setdefault(word, m.text)
            people = {m.surname for m in found if m.kind == "person"}
            self._people = (len(self.texts), ({m.surname for m in found}, full, people))
        return self._people[1]

    def look_up(self, text: str) -> None:
        """Add the articles holding ``text`` (a quote, or a name)."""
        if self.articles is None or ("lookup", text) in self._seen:
            return
        self._seen.add(("lookup", text))
        for article in self.articles(text):
            self.add(article)


def _strip_name(raw: str) -> str:
    name = re.sub(r"(?:['’]s|['’])$", "", raw.strip())
    return name.strip(" .-")


def mentions(text: str, where: str = "") -> list[Mention]:
    """The names in ``text`` in order of mention, typed (genders filled later)."""
    return [Mention(name, kind, where=where) for name, kind in _mentions(text)]


@functools.lru_cache(maxsize=1024)
def _mentions(text: str) -> tuple[tuple[str, str], ...]:
    found: list[Mention] = []
    for start, end in _spans(text) if text.strip() else []:
        sentence = text[start:end]
        for m in _CAPS.finditer(sentence):
            words = _strip_name(m.group(0)).split()
            lead = m.start() == 0 or sentence[: m.start()].strip() in ("", "“", '"', "‘", "(")
            lead = lead or bool(_QUOTE_OPENS.search(sentence[: m.start()]))  # said: "One of
            before = (sentence[: m.start()].split()[-1:] or [""])[0]
            if lead and len(words) > 2 and words[0].endswith("ing") and words[1] == "the":
                words.pop(0)  # "Launching the Department for ...": the department
            while words and (words[0].lower() in STOPWORDS or words[0].lower() in _OPENERS):
                before = words.pop(0)  # "The Greek ...", "After Matvienko ...": not a name
                lead = True
            if not words or words[0].lower() in CALENDAR:
                continue
            said = bool(  # "..., said Jarre." (not "Russia says Yukos owes")
                _SAID.search(sentence[: m.start()])
                and re.match(r"\s*(?:[.,;:”\"]|$)", sentence[m.end() :])
            )
            kind = _kind(words, before, sentence[m.end() :], lead, said)
            lead_in = _title_prefix(words) if kind != "org" else 0
            if lead_in:  # "Judge Lord Cullen", "US President George W Bush": the person
                before, words = words[lead_in - 1], words[lead_in:]
                kind = _kind(words, before, sentence[m.end() :], lead, said)
            name = " ".join(words)
            if kind:
                the = before.lower() == "the" and kind in ("org", "thing", "place")
                found.append(Mention(f"the {name}" if the else name, kind))
        found.extend(_groups(sentence))
    return tuple((m.text, m.kind) for m in found)


_QUOTE_OPENS = re.compile(r"[:;]\s*[\"“‘]\s*$")  # a quoted sentence opens after a colon
_DESCRIBED = re.compile(r"\s+((?:[a-z][a-z\-]*\s+){1,3})[A-Z]")


def _describes(after: str) -> bool:
    """Whether a place is an adjective of a name that follows: one to three plain nouns,
    then the name ("US phone firm MCI"; not "US and Japan", "US in January")."""
    m = _DESCRIBED.match(after)
    return bool(m) and not any(w in STOPWORDS or w.endswith("ed") for w in m.group(1).split())


_OPENERS = word_set(
    "however meanwhile last next earlier later yesterday today tomorrow under according "
    "although despite since unlike like whether while even instead still yet"
)


def _kind(words: list[str], before: str, after: str, lead: bool, said: bool = False) -> str:
    lower = [w.lower().strip(".") for w in words]
    if all(w in DEMONYMS for w in lower) or lower[-1] in PERSON_TITLES:
        return ""  # "Greek", "Afghan": an adjective; "Kyrgyz President": a role
    if len(words) == 1 and re.search(r"\w-[a-z]+$", words[0]):
        return ""  # "Oscar-winning", "London-based", "US-led": an adjective
    if any(w in ORG_WORDS for w in lower) or (
        len(words) == 1 and words[0].isupper() and len(words[0]) >= 2 and lower[0] not in PLACES
    ):
        return "org"
    if any(w in EVENT_WORDS for w in lower):
        return "thing"
    if lower[0] in PLACES and _describes(after):
        return ""  # "the US phone firm MCI", "UK broadcaster Xfm": whose firm, not a place
    if lower[0] in PLACES or (lower[0] in DEMONYMS and len(words) > 1):
        return "place" if lower[0] in PLACES else "thing"
    role = re.match(r"\s*([a-z]+)", after)
    if role and role.group(1) in _ROLES:
        return "org"  # "Yukos chief executive", "Google shares"
    title = before.lower().strip(".,")
    if lower[0] in FEMALE_FIRST or lower[0] in MALE_FIRST or title in _ALL_TITLES:
        return "person"
    if said or _SPEECH.match(after):
        return "person"  # "Kenteris insisted", "Matvienko said", "said Jarre"
    if lead and len(words) == 1:
        return ""  # a capitalised first word of a sentence, nothing more known
    return "name"  # a name of unknown kind: a person only where the articles say so


_ALL_TITLES = FEMALE_TITLES | MALE_TITLES | PERSON_TITLES


_PREFIX_WORDS = word_set("prime vice deputy foreign former acting interim chief")
# Roles that, capitalised, open a name rather than a role ("Star Trek", "Star Wars": the
# role is written small, "pop star Joss Stone").
_NAME_HEADS = word_set("star")


def _title_prefix(words: list[str]) -> int:
    """How many leading words are a role before a name: titles, with the nationality or
    office words around them ("Kyrgyz President", "Greek Prime Minister"); 0 if none or
    if nothing would be left."""
    lower = [w.lower().strip(".") for w in words]
    end = 0
    for i, w in enumerate(lower[:-1]):
        if w in _ALL_TITLES and w not in _NAME_HEADS:
            if lower[i + 1] == "of":
                break  # "Lord of the Rings", "Queen of the South": a name, not a title
            end = i + 1
        elif not (w in DEMONYMS or w in PLACES or w in _PREFIX_WORDS):
            break
    return end


_ROLES = word_set(
    "chief boss spokesman spokeswoman executive chairman president director shares "
    "profits sales shareholders staff bosses executives"
)


def _groups(sentence: str) -> Iterable[Mention]:
    """Several people: "X and Y" (two names), "the pair", "the sprinters"."""
    for m in re.finditer(rf"({_WORD}(?:\s+{_WORD})?)\s+and\s+({_WORD}(?:\s+{_WORD})?)", sentence):
        a, b = _strip_name(m.group(1)), _strip_name(m.group(2))
        if a.split()[0].lower() not in STOPWORDS | _OPENERS:
            words = (a.split()[-1].lower(), b.split()[-1].lower())
            if not any(w in ORG_WORDS | DEMONYMS | EVENT_WORDS for w in words):
                yield Mention(f"{a} and {b}", "group")
    for m in _GROUP.finditer(sentence):
        if m.group(1).lower() in GROUP_NOUNS:
            yield Mention(m.group(0).lower(), "group")


def genders(found: list[Mention], evidence: Evidence) -> None:
    """Fill in each person's gender (and make a name a person) from the signals."""
    people = [m for m in found if m.kind in ("person", "name")]
    surnames, full, known = evidence.people()
    surnames = {m.surname for m in people} | surnames
    groups: dict[str, list[Mention]] = {}
    for m in people:  # "Matvienko", "Paula": the "Valentina Matvienko" named elsewhere
        if len(m.text.split()) == 1 and m.text in full:
            m.text = full[m.text]
        groups.setdefault(m.surname, []).append(m)
    names = _any_of(frozenset(surnames))
    for surname, same in groups.items():
        whole = max(same, key=lambda m: len(m.text.split()))
        first = whole.text.split()[0].lower() if len(whole.text.split()) > 1 else ""
        titles = set().union(*(_titles(t).get(surname, ()) for t in evidence.texts))
        he, she = _pronouns_after(surname, names, evidence.texts)
        he += 3 * ("he" in titles) + 3 * (first in MALE_FIRST)
        she += 3 * ("she" in titles) + 3 * (first in FEMALE_FIRST)
        # A person by a first name, a title or "X said" here or in the articles; the
        # pronouns after a one-word name only tell which ("Yukos ... he said").
        if any(surname in _before_role(t) for t in evidence.texts):  # "Yukos shares": a firm
            continue
        person = any(m.kind == "person" for m in same) or surname in known or bool(titles)
        # ("Real Madrid ... he": a club named after its city is no person)
        place_named = whole.text.split()[-1].lower() in PLACES
        person = person or bool(len(whole.text.split()) > 1 and (he or she) and not place_named)
        for m in same:
            if person:
                m.kind, m.text = "person", whole.text  # the full name, as given elsewhere
                m.gender = "he" if he > she else "she" if she > he else ""


_NAME_WORD = r"([A-Z][\w'’-]*\w)"
# titles in a row count by the last ("Judge Lord Cullen": Lord, of Cullen)
_TITLED = re.compile(rf"\b(?:({'|'.join(sorted(_ALL_TITLES))})\.?,?\s+)+{_NAME_WORD}", re.I)
_ROLE_AFTER = re.compile(rf"\b{_NAME_WORD}(?:['’]s)?\s+(?:{'|'.join(sorted(_ROLES))})\b")


@functools.lru_cache(maxsize=512)
def _titles(text: str) -> dict[str, frozenset]:
    """Name -> what titles stand before it in ``text``: "he" (Mr), "she" (Mrs), "any"."""
    out: dict[str, set] = {}
    for m in _TITLED.finditer(text):
        title = m.group(1).lower()
        kind = "he" if title in MALE_TITLES else "she" if title in FEMALE_TITLES else "any"
        out.setdefault(m.group(2), set()).add(kind)
    return {k: frozenset(v) for k, v in out.items()}


@functools.lru_cache(maxsize=512)
def _before_role(text: str) -> frozenset:
    """The names ``text`` puts before a role ("Yukos chief executive", "Google shares")."""
    return frozenset(m.group(1) for m in _ROLE_AFTER.finditer(text))


@functools.lru_cache(maxsize=512)
def _spans(text: str) -> tuple:
    return tuple(sentence_spans(text))


@functools.lru_cache(maxsize=64)
def _any_of(names: frozenset | set) -> re.Pattern | None:
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b") if alternatives else None


def _pronouns_after(surname: str, names: re.Pattern | None, texts: list[str]) -> tuple[int, int]:
    """How often the articles say he or she right after naming ``surname``: in the next
    dozen words of its sentence (before another person is named), or opening the next
    sentence when the name opened its own."""
    he = she = 0
    for text in texts:
        spans = _spans(text)
        for m in re.finditer(rf"\b{re.escape(surname)}\b", text):
            here = next(((s, e) for s, e in spans if s <= m.start() < e), None)
            if here is None:
                continue
            window = text[m.end() : here[1]]
            for other in names.finditer(window) if names is not None else ():
                if surname not in other.group(0).split():  # another person named
                    window = window[: other.start()]
                    break
            ws = re.findall(r"[a-z]+", window.lower())[:12]
            opens = not re.search(r"[a-z]", text[here[0] : m.start()])
            later = [s for s, _ in spans if s >= here[1]]
            if opens and later:
                ws += re.findall(r"[a-z]+", text[later[0] : later[0] + 4].lower())[:1]
            he += sum(w in _HE for w in ws)
            she += sum(w in _SHE for w in ws)
    return he, she


def pick(pronoun: str, candidates: list[Mention], exclude: set[str]) -> Mention | None:
    """The candidate ``pronoun`` (he/she/it/they) refers to, or None; candidates in order
    of preference (most recent first)."""
    allowed = [c for c in candidates if not {c.key, c.surname.lower()} & exclude]
    if pronoun in ("he", "she"):  # the latest exchange naming one; in it, a known gender
        people = [(c.turn, c.block, c.gender != pronoun, i, c) for i, c in enumerate(allowed)]
        people = [p for p in people if p[4].kind == "person" and p[4].gender in ("", pronoun)]
        return min(people, key=lambda p: p[:4])[4] if people else None
    if pronoun == "it":  # the latest exchange naming one; in it, the name next to the head
        # noun of the "which" question it answered ("which act": the Act of Settlement),
        # else an organisation first
        rank = {"org": 0, "thing": 1, "name": 1, "place": 2}
        things = [
            (c.turn, c.block, not c.head_fit, rank.get(c.kind, 9), i, c)
            for i, c in enumerate(allowed)
        ]
        things = [t for t in things if t[-1].kind in rank]
        return min(things, key=lambda t: t[:5])[-1] if things else None
    if pronoun == "they":
        return next((c for c in allowed if c.kind == "group"), None) or next(
            (c for c in allowed if c.kind == "org"), None
        )
    return None


def substitute(question: str, chosen: dict[str, Mention]) -> str:
    """``question`` with the first pronoun of each resolved class replaced by its
    referent ("his" -> "Tzekos's"; "her" is possessive before a noun); a person by
    surname ("What did Matvienko say?" finds "Matvienko said" better than the full name,
    which the articles mostly give once)."""
    done: set[str] = set()

    def swap(m: re.Match) -> str:
        word = m.group(0)
        cls = CLASSES[word.lower()]
        if cls not in chosen or cls in done:
            return word
        done.add(cls)
        found = chosen[cls]  # a person by surname, as the articles name them after the first
        name = found.surname if found.kind == "person" else found.text
        rest = question[m.end() :].lstrip()
        possessive = word.lower() in POSSESSIVE or (
            word.lower() == "her" and re.match(r"[a-z]", rest) and rest.split()[0] not in STOPWORDS
        )
        if possessive:
            return name + ("'" if name.endswith("s") else "'s")
        return name[0].upper() + name[1:] if m.start() == 0 else name

    pattern = rf"\b(?:{'|'.join(CLASSES)})\b"
    return re.sub(pattern, swap, question, flags=re.I)
