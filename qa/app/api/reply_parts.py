"""What a chat client needs from /v1 besides the reply text: the text cut into stream
pieces, the citations as OpenAI ``url_citation`` annotations and as Open WebUI
``source`` events, and token counts for ``usage``.

Every citation has one id, ``qa-news:<article>#<start>-<end>`` (the article and the
exact span quoted), used as the annotation's ``url`` and as the source event's
``metadata[0].source``: Open WebUI numbers its sources by that id (the n-th distinct id
is ``[n]``), and merges a streamed annotation into the source event of the same
citation as a second document holding the title alone (hence no streamed annotations
unless asked for, openai_api.py).
"""

from __future__ import annotations

import re
from dataclasses import asdict

from qa.answering.builders.extractive import ABSTAIN_TEXT
from qa.answering.readers.windows import load_tokenizer
from qa.text.markdown import escape_answer, escape_injectable
from qa.types import Answer, Citation

WORDS_PER_PIECE = 4
_WORD = re.compile(r"\s*\S+\s*")  # a word with the spaces around it (first: before, too)
_MARKER_WORD = re.compile(r"\s*\[\d+\]")  # a word that opens with a citation marker
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s*$")


def stream_pieces(text: str, words: int = WORDS_PER_PIECE) -> list[str]:
    """``text`` cut for streaming: up to ``words`` words a piece, a sentence's end
    closing its piece; a citation marker (``[1]``, ``[1][2].``) stays whole and with the
    words it cites. ``"".join(stream_pieces(text)) == text``."""
    pieces: list[str] = []
    current: list[str] = []
    for word in _WORD.findall(text):
        if _MARKER_WORD.match(word) and not current and pieces:
            pieces[-1] += word  # the marker of the sentence just sent
            continue
        if len(current) >= words and not _MARKER_WORD.match(word):
            pieces.append("".join(current))
            current = []
        current.append(word)
        if _SENTENCE_END.search(word):
            pieces.append("".join(current))
            current = []
    if current:
        pieces.append("".join(current))
    if "".join(pieces) != text:  # only whitespace: no word to cut at
        return [text] if text else []
    return pieces


REFUSAL = "The articles don't say."
NEAREST = "The sentence nearest the question (not evidence: it may not answer it): "
NOTE = "Note: "


def reply_content(answer: Answer) -> str:
    """The reply text: the answer escaped where an article could inject Markdown
    (:func:`escape_answer`; the product's own punctuation stays as typed). A refusal
    quotes the sentence nearest the question, said to be no evidence (the ``closest``
    field and its annotation); each note (the date window applied …) is a last line."""
    text = escape_answer(REFUSAL if answer.answer == ABSTAIN_TEXT else answer.answer)
    if answer.abstained and answer.closest is not None:
        near = answer.closest
        title = escape_injectable(near.title or near.article)
        text += f"\n\n{NEAREST}{_quoted(near)} ({title})"
    for note in answer.notes:
        text += f"\n\n{NOTE}{escape_injectable(note)}"
    return text


def _quoted(near: Citation) -> str:
    return escape_injectable(f"“{near.quote}”")


def closest_field(answer: Answer) -> dict | None:
    """A refusal's nearest sentence (the fields of a citation, ``n`` 0), marked
    ``evidence: false``: shown so the reader can judge, never cited."""
    if not answer.abstained or answer.closest is None:
        return None
    return {**asdict(answer.closest), "evidence": False}


def annotations(content: str, answer: Answer) -> list[dict]:
    """The reply's annotations: one ``url_citation`` per citation (``evidence: true``),
    then, for a refusal, one for the nearest sentence (``evidence: false``) spanning its
    quote in ``content``."""
    out = url_citations(content, answer.citations)
    near = closest_field(answer)
    if near is None:
        return out
    quoted = _quoted(answer.closest)
    at = content.find(NEAREST + quoted)
    start, end = (at + len(NEAREST), at + len(NEAREST) + len(quoted)) if at >= 0 else (0, 0)
    cid = f"qa-news:{near['article']}#{near['start']}-{near['end']}"
    found = {"start_index": start, "end_index": end, "title": near["title"] or near["article"]}
    found |= {"url": cid, "quote": near["quote"], "evidence": False}
    return [*out, {"type": "url_citation", "url_citation": found}]


def citation_ids(citations: list[Citation]) -> list[str]:
    """One id per citation, in order: ``qa-news:<article>#<start>-<end>`` (``~n`` added
    when two citations quote the same span, so that the ids stay unique)."""
    out: list[str] = []
    for c in citations:
        cid = f"qa-news:{c.article}#{c.start}-{c.end}"
        out.append(f"{cid}~{c.n}" if cid in out else cid)
    return out


def url_citations(content: str, citations: list[Citation]) -> list[dict]:
    """OpenAI ``url_citation`` annotations, one per citation in order: the span of its
    first ``[n]`` marker in ``content`` (the reply text), the article's title, the
    citation's id as ``url``, and (beyond OpenAI's fields) the exact ``quote``."""
    out = []
    for c, cid in zip(citations, citation_ids(citations), strict=True):
        start = content.find(f"[{c.n}]")
        end = start + len(f"[{c.n}]") if start >= 0 else 0
        out.append(
            {
                "type": "url_citation",
                "url_citation": {
                    "start_index": max(start, 0),
                    "end_index": end,
                    "title": c.title or c.article,
                    "url": cid,
                    "quote": c.quote,
                    "evidence": True,
                },
            }
        )
    return out


def source_name(c: Citation, words: int = 6) -> str:
    """What a chat client names citation ``c`` by: the quote's first words, the article's
    title and ``[n]`` (“Valentina Matvienko, Russia’s upper house…” — Russia Promises …
    [1]). Open WebUI's chip shows a name's first 15 and last 10 characters, so two
    quotes of one article differ at both ends."""
    said = c.quote.split()
    start = " ".join(said[:words]) + ("…" if len(said) > words else "")
    return f"“{start}” — {c.title or c.article} [{c.n}]"


def source_events(citations: list[Citation]) -> list[dict]:
    """Open WebUI ``source`` events, one per citation in order: the exact quote as the
    one document, named by :func:`source_name`, the citation's id as
    ``metadata.source``."""
    out = []
    for c, cid in zip(citations, citation_ids(citations), strict=True):
        name = source_name(c)
        meta = {
            "source": cid,
            "name": name,
            "n": c.n,
            "article": c.article,
            "published": c.published,
            "start": c.start,
            "end": c.end,
        }
        source = {"id": cid, "name": name}
        data = {"source": source, "document": [c.quote], "metadata": [meta]}
        out.append({"type": "source", "data": data})
    return out


def usage(prompt: list[str], completion: str) -> dict:
    """OpenAI's ``usage``, counted in word pieces of the bundled MiniLM tokenizer (the
    reader's and the embedder's): ``prompt`` the request's message texts, ``completion``
    the reply text."""
    tok = load_tokenizer()
    counts = [len(e.ids) for e in tok.encode_batch([*prompt, completion], add_special_tokens=False)]
    prompt_tokens, completion_tokens = sum(counts[:-1]), counts[-1]
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
