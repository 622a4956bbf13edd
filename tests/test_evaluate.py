"""The eval command end to end, on the shipped pairs and on a foreign corpus."""

import json

from conftest import ROOT

from qa.app.cli.commands import main
from qa.evaluation.run import load_pairs

# Set from measurement on corpus/eval.jsonl (see README): quality cannot silently regress.
GATE = {
    "answer_contains": 0.85,
    "citation_accuracy": 0.85,
    "abstain_recall": 0.7,
    "abstain_precision": 0.65,  # learned threshold: 8 of 10 refused, 4 answerable refused
    "retrieval_hit_at_k": 0.9,
}


def run_json(capsys, *args) -> dict:
    assert main(["eval", *args, "--json"]) == 0
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.strip()]
    return json.loads(line)


def test_bad_lines_are_reported_and_the_rest_kept(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text(
        '{"question": "Q1?", "answers": ["a"]}\nnot json\n{"answers": []}\n'
        '{"question": "Q2?", "unanswerable": true, "answers": ["x"]}\n'
    )
    loaded = load_pairs(path)
    assert [p.question for p in loaded.pairs] == ["Q1?", "Q2?"]
    assert loaded.pairs[1].unanswerable
    assert [e["line"] for e in loaded.errors] == [2, 3]


def test_quality_gate_on_shipped_pairs(capsys, corpus, monkeypatch, tmp_path):
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    report = run_json(
        capsys,
        str(ROOT / "corpus" / "eval.jsonl"),
        "--corpus",
        str(corpus),
        "--out",
        str(tmp_path / "out"),
    )
    assert report["n"] >= 40 and report["n_unanswerable"] >= 8
    assert set(report) >= {"n", "n_answerable", "n_unanswerable", "k", "metrics", "rows"}
    for name, floor in GATE.items():
        assert report["metrics"][name] >= floor, (name, report["metrics"][name])
    for name in ("report.json", "report.md", "metrics.png"):
        assert (tmp_path / "out" / name).stat().st_size > 200
    assert (tmp_path / "out" / "metrics.png").read_bytes()[:4] == b"\x89PNG"


def test_eval_on_a_foreign_corpus_and_file(capsys, tmp_path, monkeypatch):
    corpus = tmp_path / "mine" / "city"
    corpus.mkdir(parents=True)
    (corpus / "bridge.md").write_text(
        "---\ntitle: Bridge reopens\npublished: 2024-03-05\n---\nThe harbour bridge reopened on "
        "Tuesday after repairs costing 40 million euros.\nEngineers replaced 312 steel cables.\n"
    )
    (corpus / "zoo.txt").write_text(
        "Zoo welcomes panda\n\nThe city zoo welcomed a giant panda "
        "named Lulu, on loan from China for ten years.\n"
    )
    qa = tmp_path / "qa.jsonl"
    qa.write_text(
        "\n".join(
            json.dumps(o)
            for o in [
                {
                    "question": "How many steel cables were replaced?",
                    "answers": ["312"],
                    "source": "city/bridge",
                },
                {
                    "question": "What is the panda at the zoo called?",
                    "answers": ["Lulu"],
                    "source": "city/zoo",
                },
                {"question": "Who won the football league?", "answers": []},
            ]
        )
    )
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    report = run_json(capsys, str(qa), "--corpus", str(tmp_path / "mine"))
    assert report["n"] == 3
    rows = {r["question"]: r for r in report["rows"]}
    assert rows["How many steel cables were replaced?"]["citation_ok"]
    assert rows["What is the panda at the zoo called?"]["rank"] == 1
    assert report["metrics"]["retrieval_hit_at_1"] == 1.0


def test_figures_per_kind_of_question_count_refusals_right_only_for_look_alikes():
    from qa.evaluation.run import by_kind

    def row(kind, expected, abstained, contains):
        return {
            "kind": kind,
            "expected": expected,
            "unanswerable": not expected,
            "abstained": abstained,
            "contains": contains,
            "exact_match": float(contains),
            "f1": float(contains),
            "citation_ok": contains,
            "rank": 1,
            "latency_ms": 10.0,
        }

    rows = [
        row("why", ["because"], False, True),
        row("why", ["because"], True, False),
        row("lookalike", [], True, False),
        row("lookalike", [], True, False),
        row("lookalike", [], False, False),
    ]
    kinds = by_kind(rows, 5)
    assert kinds["why"]["n"] == 2 and kinds["why"]["answer_contains"] == 0.5
    assert kinds["why"]["refused"] == 0.5
    assert kinds["lookalike"] == {"n": 3, "refused": round(2 / 3, 4)}
    assert by_kind(rows[:2], 5) == {}  # one kind: nothing to break down
