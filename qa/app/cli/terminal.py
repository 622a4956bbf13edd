"""Terminal rendering of an Answer (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from qa.types import Answer


def print_answer(answer: Answer, console: Console | None = None) -> None:
    console = console or Console()
    if answer.standalone_question != answer.question:
        console.print(f"[dim]understood as: {escape(answer.standalone_question)}[/dim]")
    style = "yellow" if answer.abstained else "bold"
    grouped = bool(answer.groups) and answer.backend == "extractive" and not answer.abstained
    if grouped:  # an LLM's text reads as written
        print_groups(answer, console)
    else:
        console.print(f"[{style}]{escape(answer.answer)}[/{style}]")
    if answer.shown_short_answer:
        console.print(f"[green]short answer:[/green] {escape(answer.shown_short_answer)}")
    for note in answer.notes:
        console.print(f"[dim]{escape(note)}[/dim]")
    for s in answer.unsupported:
        console.print(f"[red]not supported by its citation:[/red] {escape(s)}")
    if answer.citations:
        console.print("\n[bold]Sources[/bold]")
    for c in answer.citations:
        date = f", {c.published}" if c.published else ", no date"
        console.print(
            f"[{c.n}] [cyan]{escape(c.title)}[/cyan]{date} ({c.article}, chars {c.start}-{c.end})"
        )
        if not grouped:  # the sections above quote them
            console.print(f"    “{escape(c.quote)}”")
        if c.also_in:
            console.print(f"    [dim]also in: {escape(', '.join(c.also_in))}[/dim]")
    if answer.abstained and answer.closest is not None:
        near = answer.closest
        console.print(
            f"\nThe sentence nearest the question (it may not answer it): “{escape(near.quote)}”"
            f" ({escape(near.title)})"
        )
    if answer.abstained and answer.passages:
        console.print("\n[bold]Closest passages[/bold]")
        for p in answer.passages[:3]:
            console.print(
                f"- [cyan]{escape(p.title)}[/cyan] ({p.article}): {escape(p.text[:200])}…"
            )


def print_groups(answer: Answer, console: Console) -> None:
    """An overview, comparison, timeline or summary: the opening line, then per group its
    heading (title or compared side), date and article, and its cited sentences."""
    by_n = {c.n: c for c in answer.citations}
    console.print(f"[bold]{escape(answer.answer.split(chr(10), 1)[0])}[/bold]")
    for g in answer.groups:
        meta = ", ".join(x for x in (g.published, g.article) if x and not g.side)
        console.print(
            f"\n[cyan]{escape(g.side or g.title)}[/cyan]" + (f" ({meta})" if meta else "")
        )
        for n in g.citations:
            c = by_n.get(n)
            if c is not None:
                source = f" ({escape(c.title)})" if g.side else ""
                console.print(f"  [{n}] “{escape(c.quote)}”{source}")
