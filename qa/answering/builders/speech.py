"""Who said it: the speaker a sentence attributes its (reported) speech to, when it
names one. "Theresa May said: “These plans were announced by Gordon Brown…”" is May's
remark about Brown, not Brown's; the page marks such a quote with its speaker.

Pure string rules over one sentence; a pronoun ("he said") names nobody, so nothing is
returned for it.
"""

from __future__ import annotations

import re

from qa.text.names import ORG_WORDS, PERSON_TITLES, word_set

_VERBS = (
    r"(?:said|says|say|told|tells|added|adds|warned|warns|insisted|insists|argued|argues|"
    r"explained|explains|claimed|claims|stated|states|declared|declares|admitted|admits|"
    r"wrote|writes|believes|believed|thinks|thought|suggested|suggests|urged|urges|"
    r"predicted|predicts|noted|notes|commented|comments|announced|announces)"
)
_OPEN, _CLOSE = "\"“'‘", "\"”'’"
_AUX = r"(?:(?:has|had|have|will|would|is|was|has\s+also|also|later|earlier|then)\s+)?"
_LEAD = (
    r"(?:(?i:but|and|however|meanwhile|yet|now),?\s+)?"
    r"(?:(?i:after|before|in|during|on|at|speaking|asked|writing|earlier|later)\b[^,\"“”]{0,60},\s+)?"
)
_WHO = r"[^\"“”:;.?!]{2,90}?"
_PRONOUNS = {
    "he", "she", "they", "it", "we", "i", "you", "this", "that", "these", "those",
    "there", "who", "which", "one", "his", "her", "their",
}  # fmt: skip
_TITLES = {"mr", "mrs", "ms", "dr", "sir", "lord", "lady", "prof", "dame", "st"}
# What a speaker named without a name is: a role or a body ("a spokesman", "the chief
# engineer", "the company").
_ROLES = (
    PERSON_TITLES
    | ORG_WORDS
    | word_set(
        "engineer engineers officer officers official officials source sources spokesperson "
        "expert experts analysts insider insiders witness witnesses researchers scientists "
        "police observers critics campaigners residents fans"
    )
)
# A time phrase is never a speaker ("A couple of weeks ago I said ...").
_TIME = re.compile(
    r"\b(?:ago|yesterday|today|tonight|tomorrow|weeks?|months?|years?|days?|morning|"
    r"evening|night|monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|"
    r"february|march|april|june|july|august|september|october|november|december)\b",
    re.IGNORECASE,
)

# "X said: “…”" and "X told the BBC: “…”"
_BEFORE_QUOTE = re.compile(
    rf"^{_LEAD}(?P<who>{_WHO}),?\s+{_AUX}{_VERBS}"
    rf"(?:\s+[^:\"“”]{{1,40}}?)?\s*[:,]?\s*[{_OPEN}]",
    re.IGNORECASE,
)
# "“…,” said X." and "“…,” X said."
_AFTER_QUOTE = re.compile(
    rf"[{_CLOSE}],?\s+(?:{_VERBS}\s+(?P<who1>{_WHO})|(?P<who2>{_WHO})\s+{_VERBS})"
    rf"(?:\s+(?:on|in|at|to|of|last|this|yesterday|earlier)\b[^.]*)?\s*[.,;]?\s*$",
    re.IGNORECASE,
)
# "X said the plans were…" (indirect speech, no quotation marks)
_INDIRECT = re.compile(
    rf"^{_LEAD}(?P<who>(?:[A-Z]|the\s)[^\"“”:;.?!,]{{1,60}}?)"
    rf"(?:,\s[^\"“”:;.?!]{{1,90}}?,)?\s+{_AUX}{_VERBS}\b"
)
# "…, Sputnik International reports."
_TRAILING = re.compile(
    rf",\s+(?P<who>[A-Z][^,\"“”:;.?!]{{1,60}}?)\s+(?:reports|reported|{_VERBS})\.?$"
)
_ACCORDING = re.compile(rf"\baccording to (?P<who>{_WHO})(?:[,.;]|$)", re.IGNORECASE)


def _capitalised(part: str) -> bool:
    words = part.split()
    return bool(words) and all(
        w[0].isupper() or w.lower().rstrip(".") in _TITLES for w in words if w[0].isalpha()
    )


def _clean(who: str | None) -> str:
    """The speaker's name from an attribution ("The Shadow Secretary for the Family,
    Theresa May" -> "Theresa May"), or a role with its article ("a spokesman", "the
    Treasury"); "" for a pronoun, a time phrase or anything else that names nobody."""
    if not who:
        return ""
    who = who.strip(" ,")
    words = who.split()
    if who.lower() in _PRONOUNS or words[0].lower() in _PRONOUNS:
        return ""
    if _TIME.search(who) or words[-1].lower().strip(".") in _PRONOUNS:
        return ""  # "A couple of weeks ago I", "Last week he"
    parts = [p.strip() for p in who.split(",") if p.strip()]
    for part in parts:  # the appositive that is a name
        if _capitalised(part) and part.split()[0].lower() != "the":
            return part
    for part in parts:  # a name after its role: "Tory leader Michael Howard"
        ws = part.split()
        if len(ws) > 1 and ws[0][0].isupper() and ws[-1][0].isupper() and ws[0] != "The":
            return part
    if not parts:
        return ""
    first, *rest = parts[0].split()
    last = rest[-1] if rest else ""
    if first.lower() in ("the", "a", "an") and (
        last.lower().strip(".") in _ROLES or last[:1].isupper()
    ):  # "(said by the chief engineer)": the article is not capitalised mid-sentence
        return " ".join([first.lower(), *rest])
    return ""


def speaker_of(sentence: str) -> str:
    """Whom ``sentence`` reports as speaking, if it names them; else ""."""
    text = " ".join(sentence.split())
    if not text:
        return ""
    found = _BEFORE_QUOTE.match(text)
    if found and not found.group("who").lstrip().startswith(tuple(_OPEN)):
        return _clean(found.group("who"))
    found = _AFTER_QUOTE.search(text)
    if found:
        return _clean(found.group("who1") or found.group("who2"))
    if text[0] in _OPEN:  # a quotation with no attribution in the sentence
        return ""
    found = _INDIRECT.match(text) or _TRAILING.search(text)
    if found:
        return _clean(found.group("who"))
    found = _ACCORDING.search(text)
    return _clean(found.group("who")) if found else ""


def starts_quoted(sentence: str) -> bool:
    """True when the sentence opens with a quotation mark (then it is not wrapped in
    another pair)."""
    return sentence.lstrip()[:1] in _OPEN[:2] or sentence.lstrip()[:1] == "“"


def unwrap_double_quotes(text: str) -> str:
    """“"We will…" she said” [1] -> "We will…" she said [1]: an answer's quotation marks
    are not put around a sentence that opens with its own."""
    return re.sub(r"“([\"“‘'][^\[]*?)”(\s*\[\d+\])", r"\1\2", text)
