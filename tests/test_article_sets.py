"""Eval rows whose gold is a set of articles: recall and precision of the cited ones."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

from qa.evaluation.metrics import article_recall_precision
from qa.evaluation.run import QAPair, aggregate, is_failure, load_pairs, score_row
from qa.types import Answer, Citation, Passage


def test_article_recall_precision_hand_computed():
    gold = ["a", "b", "c", "d"]
    # cited a (right), x (wrong): recall 1/4, precision 1/2
    assert article_recall_precision({"a": [], "x": []}, gold) == (0.25, 0.5)
    # a citation stands for its near-duplicate copies: b covers b2 too, and is right via c
    assert article_recall_precision({"b": ["c"]}, gold) == (0.5, 1.0)
    assert article_recall_precision({"z": ["d"]}, gold) == (0.25, 1.0)
    assert article_recall_precision({}, gold) == (0.0, 0.0)
    assert article_recall_precision({"a": []}, []) == (0.0, 0.0)
    assert article_recall_precision({k: [] for k in gold}, gold) == (1.0, 1.0)


def test_rows_with_sources_load(tmp_path):
    path = tmp_path / "sets.jsonl"
    path.write_text(
        '{"question": "What about pandas?", "sources": ["zoo/a", "zoo/b"], "kind": "overview"}\n'
        '{"question": "Bad?", "sources": "zoo/a"}\n'
        '{"question": "Who?", "answers": ["Lulu"]}\n'
    )
    loaded = load_pairs(path)
    first, second = loaded.pairs
    assert first.sources == ["zoo/a", "zoo/b"] and first.kind == "overview"
    assert not first.unanswerable  # a set of articles is something to find
    assert second.sources == [] and second.answers == ["Lulu"]
    assert [e["line"] for e in loaded.errors] == [2]


def _answer(cited: list[tuple[str, list[str]]], retrieved: list[str]) -> Answer:
    citations = [
        Citation(n, a, a, "", f"{a}:0", 0, 1, "x", also_in=also)
        for n, (a, also) in enumerate(cited, 1)
    ]
    passages = [Passage(f"{a}:0", a, a, "", 0, 1, "x") for a in retrieved]
    return Answer("q", "q", "x [1]", citations=citations, passages=passages)


def test_score_row_and_aggregate():
    pair = QAPair(1, "What about pandas?", [], sources=["z/a", "z/b", "z/c"], kind="overview")
    row = score_row(pair, _answer([("z/a", ["z/b"]), ("z/x", [])], ["z/a", "z/x", "z/c"]))
    assert row["article_recall"] == pytest.approx(2 / 3)
    assert row["article_precision"] == 0.5
    assert row["retrieved_article_recall"] == pytest.approx(2 / 3)
    assert row["cited_articles"] == ["z/a", "z/x"] and not is_failure(row)
    missed = score_row(pair, _answer([("z/x", [])], ["z/x"]))
    assert is_failure(missed)
    factoid = score_row(QAPair(2, "Who?", ["Lulu"]), _answer([], []))
    metrics = aggregate([row, missed, factoid], 5)
    assert metrics["article_recall"] == pytest.approx(1 / 3)
    assert metrics["article_precision"] == 0.25
    assert metrics["answer_contains"] == 0.0  # only the factoid row counts there
    assert "article_recall" not in aggregate([factoid], 5)
    assert set(aggregate([row, missed], 5)) == {  # only article-set rows
        "latency_ms_p50",
        "latency_ms_p95",
        "article_recall",
        "article_precision",
        "retrieved_article_recall",
    }


def test_qa_eval_reports_article_recall_and_precision(capsys, tmp_path, monkeypatch):
    from qa.app.cli.commands import main

    corpus = tmp_path / "news"
    (corpus / "zoo").mkdir(parents=True)
    (corpus / "zoo" / "arrival.txt").write_text(
        "Panda arrives at the city zoo\n\nA giant panda named Lulu arrived at the city zoo "
        "on Monday, on loan from China for ten years. Keepers said she ate bamboo at once.\n"
    )
    (corpus / "zoo" / "cub.txt").write_text(
        "Zoo panda gives birth\n\nLulu the giant panda has given birth to a cub at the city "
        "zoo, keepers said. The panda cub is the first born in the country.\n"
    )
    (corpus / "bridge.txt").write_text(
        "Bridge reopens\n\nThe harbour bridge reopened on Tuesday after repairs costing 40 "
        "million euros. Engineers replaced 312 steel cables.\n"
    )
    qa = tmp_path / "sets.jsonl"
    qa.write_text(
        json.dumps(
            {
                "question": "What did the articles say about the panda at the city zoo?",
                "sources": ["zoo/arrival", "zoo/cub"],
                "kind": "overview",
            }
        )
        + "\n"
        + json.dumps({"question": "How many steel cables were replaced?", "answers": ["312"]})
        + "\n"
    )
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    assert main(["eval", str(qa), "--corpus", str(corpus), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n_article_sets"] == 1 and report["n_answerable"] == 1
    metrics = report["metrics"]
    assert metrics["article_recall"] >= 0.5 and metrics["article_precision"] == 1.0
    assert metrics["retrieved_article_recall"] == 1.0
    row = next(r for r in report["rows"] if r.get("sources"))
    assert set(row["cited_articles"]) <= {"zoo/arrival", "zoo/cub"} and row["kind"] == "overview"
    assert main(["eval", str(qa), "--corpus", str(corpus)]) == 0
    table = capsys.readouterr().out
    assert "article_recall" in table and "article_precision" in table
    assert "1 with a set of articles" in " ".join(table.split())  # the title wraps


def test_the_shipped_bbc_overview_rows():
    """bench/bbc_overview.jsonl: at least 15 article-set rows, every id a BBC file."""
    loaded = load_pairs(ROOT / "bench" / "bbc_overview.jsonl")
    assert not loaded.errors and len(loaded.pairs) >= 15
    bbc = ROOT.parent / "shared" / "bbc-news"
    for pair in loaded.pairs:
        assert pair.sources and pair.kind == "overview"
        assert pair.question.startswith("What did the articles say about")
        for aid in pair.sources:
            assert (bbc / f"{aid}.txt").is_file(), aid


def test_a_copy_of_the_source_counts_as_the_source():
    pair = QAPair(1, "Who?", ["Lulu"], source="z/a")
    answer = _answer([("z/b", ["z/a"])], ["z/b"])
    answer.passages[0].text = answer.citations[0].quote = "Lulu"
    assert score_row(pair, answer)["rank"] == 0 and not score_row(pair, answer)["citation_ok"]
    row = score_row(pair, answer, {"z/b": ["z/a"], "z/a": ["z/b"]})
    assert row["rank"] == 1 and row["citation_ok"]
