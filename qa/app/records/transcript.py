"""A saved conversation as a Markdown document, each answer with its citations.
Every text in it is Markdown-escaped: an article's ``[link](…)`` stays characters."""

from __future__ import annotations

import re

from qa.app.records.conversations import Conversation
from qa.text.markdown import escape_markdown as md


def _one_line(text: str) -> str:
    return md(" ".join(text.split()))


def _code(text: str) -> str:
    """An article id as code (its characters as they are), escaped if it holds a '`'."""
    return f"`{text}`" if "`" not in text and "\n" not in text else md(text)


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())


def conversation_markdown(conversation: Conversation) -> str:
    """Questions, answers (with their [n] markers) and, under each answer, its sources:
    article id, title, date and the exact quote."""
    out = [f"# {_one_line(conversation.title)}", ""]
    out.append(f"_Saved conversation, last updated {conversation.updated_at:%Y-%m-%d %H:%M} UTC._")
    turn = 0
    for message in conversation.messages:
        if message.role == "user":
            turn += 1
            out += ["", f"## {turn}. {_one_line(message.content)}", ""]
            continue
        answer = message.answer
        if answer is None:
            out += [md(message.content), ""]
            continue
        if answer.abstained:
            out.append(f"_{_one_line(answer.answer)}_")
        else:
            if answer.shown_short_answer:  # as the chat showed it: only a confident one
                out += [f"**{_one_line(answer.shown_short_answer)}**", ""]
            out.append(md(answer.answer))
        for note in answer.notes:  # the date window applied, articles left out
            out += ["", f"_{_one_line(note)}_"]
        if answer.citations:
            out += ["", "Sources:", ""]
        for c in answer.citations:
            date = f", {md(c.published)}" if c.published else ", no date"
            flag = " (does not support the claim)" if not c.supported else ""
            also = f" (also in {', '.join(map(_code, c.also_in))})" if c.also_in else ""
            out.append(
                f"[{c.n}] **{_one_line(c.title)}**{date} — article {_code(c.article)}{also}{flag}"
            )
            out += ["", _quote(md(c.quote)), ""]
        if message.suggestions:
            out += ["", "Suggested follow-ups: " + "; ".join(map(md, message.suggestions))]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"


def markdown_filename(conversation: Conversation) -> str:
    """A safe file name for the download, from the title."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", conversation.title).strip("-").lower()[:50]
    return f"{stem or 'conversation'}.md"
