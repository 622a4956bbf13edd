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
    console.print(f"[{style}]{escape(answer.answer)}[/{style}]")
    if answer.short_answer and answer.short_answer_confident:
        console.print(f"[green]short answer:[/green] {escape(answer.short_answer)}")
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
        console.print(f"    “{escape(c.quote)}”")
        if c.also_in:
            console.print(f"    [dim]also in: {escape(', '.join(c.also_in))}[/dim]")
    if answer.abstained and answer.passages:
        console.print("\n[bold]Closest passages[/bold]")
        for p in answer.passages[:3]:
            console.print(
                f"- [cyan]{escape(p.title)}[/cyan] ({p.article}): {escape(p.text[:200])}…"
            )
