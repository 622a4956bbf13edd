"""Eval report output: a rich table, report.json, report.md and a PNG chart."""

from __future__ import annotations

import json
from pathlib import Path

from qa.evaluation.run import is_failure

RATE_METRICS = [
    "retrieval_hit_at_1",
    "retrieval_hit_at_k",
    "mrr",
    "answer_contains",
    "exact_match",
    "f1",
    "citation_accuracy",
    "abstain_precision",
    "abstain_recall",
    "article_recall",
    "article_precision",
    "retrieved_article_recall",
]


def _title(report: dict) -> str:
    sets = report.get("n_article_sets", 0)
    return (
        f"{report['n']} questions ({report['n_answerable']} answerable, "
        f"{report['n_unanswerable']} unanswerable"
        + (f"; {sets} with a set of articles" if sets else "")
        + f"), k={report['k']}"
    )


def _expected(row: dict) -> str:
    if row["unanswerable"]:
        return "(abstain)"
    if row.get("sources") and not row["expected"]:
        return (
            f"articles {', '.join(row['sources'])}; cited {', '.join(row['cited_articles'])} "
            f"(recall {row['article_recall']:.2f}, precision {row['article_precision']:.2f})"
        )
    return " | ".join(row["expected"])


def print_report(report: dict, errors: list[dict]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    table = Table(title=f"{_title(report)}, {report['backend']}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in report["metrics"].items():
        table.add_row(key, f"{value:.1f}" if key.startswith("latency") else f"{value:.3f}")
    console.print(table)
    if report.get("by_kind"):
        console.print(_kind_table(report["by_kind"]))
    failures = [r for r in report["rows"] if is_failure(r)]
    if failures:
        console.print(f"\n[bold]{len(failures)} failures[/bold]")
    for r in failures:
        expected = _expected(r)
        got = "(abstained)" if r["abstained"] else r["answer"]
        console.print(f"[bold]line {r['line']}[/bold]: {escape(r['question'])}")
        console.print(f"  expected: {escape(expected)}")
        console.print(f"  got:      {escape(got[:300])}")
        console.print(f"  top passage ({r['top_article']}): {escape(r['top_passage'][:200])}")
    for e in errors:
        console.print(f"[red]bad line {e['line']}:[/red] {escape(e['error'])}")


KIND_COLUMNS = [
    ("n", "n"),
    ("answer_contains", "contains"),
    ("exact_match", "EM"),
    ("f1", "F1"),
    ("citation_accuracy", "cit"),
    ("refused", "refused"),
]


def _kind_rows(by_kind: dict[str, dict]) -> list[list[str]]:
    def cell(figures: dict, key: str) -> str:
        if key not in figures:
            return "-"
        return str(figures[key]) if key == "n" else f"{figures[key]:.3f}"

    return [[kind] + [cell(f, key) for key, _ in KIND_COLUMNS] for kind, f in by_kind.items()]


def _kind_table(by_kind: dict[str, dict]):
    from rich.table import Table

    table = Table(title="by kind of question (refused: right for look-alikes only)")
    for name in ["kind", *(label for _, label in KIND_COLUMNS)]:
        table.add_column(name, justify="left" if name == "kind" else "right")
    for row in _kind_rows(by_kind):
        table.add_row(*row)
    return table


def write_report(report: dict, errors: list[dict], out: Path) -> list[Path]:
    """report.json, report.md and metrics.png in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.json", out / "report.md", out / "metrics.png"]
    paths[0].write_text(json.dumps({**report, "errors": errors}, indent=2, ensure_ascii=False))
    paths[1].write_text(_markdown(report, errors), encoding="utf-8")
    _chart(report, paths[2])
    return paths


def _markdown(report: dict, errors: list[dict]) -> str:
    lines = [
        "# Evaluation report",
        "",
        f"{_title(report)}, backend {report['backend']}.",
        "",
        "| metric | value |",
        "| --- | ---: |",
    ]
    lines += [f"| {k} | {v} |" for k, v in report["metrics"].items()]
    if report.get("by_kind"):
        labels = ["kind", *(label for _, label in KIND_COLUMNS)]
        lines += ["", "## By kind of question", "", "| " + " | ".join(labels) + " |"]
        lines += ["| --- |" + " ---: |" * len(KIND_COLUMNS)]
        lines += ["| " + " | ".join(row) + " |" for row in _kind_rows(report["by_kind"])]
    failures = [r for r in report["rows"] if is_failure(r)]
    lines += ["", f"## Failures ({len(failures)})", ""]
    for r in failures:
        expected = _expected(r)
        got = "(abstained)" if r["abstained"] else r["answer"].replace("\n", " ")
        lines += [
            f"- line {r['line']}: **{r['question']}**",
            f"  - expected: {expected}",
            f"  - got: {got[:300]}",
            f"  - top passage ({r['top_article']}): {r['top_passage'][:200].replace(chr(10), ' ')}",
        ]
    if errors:
        lines += ["", "## Bad lines", ""] + [f"- line {e['line']}: {e['error']}" for e in errors]
    return "\n".join(lines) + "\n"


def _chart(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [k for k in RATE_METRICS if k in report["metrics"]]
    values = [report["metrics"][k] for k in names]
    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=110)
    bars = ax.barh(names[::-1], values[::-1], color="#3a7bd5")
    ax.set_xlim(0, 1.08)
    ax.bar_label(bars, fmt="%.2f", padding=3)
    m = report["metrics"]
    ax.set_title(
        f"{report['backend']}: {report['n']} questions, k={report['k']}, "
        f"latency p50 {m['latency_ms_p50']:.0f} ms, p95 {m['latency_ms_p95']:.0f} ms"
    )
    ax.set_xlabel("score (0 to 1)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
