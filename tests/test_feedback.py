"""Feedback on answers, and its export as rows that `qa eval` runs as is."""

import json
from datetime import datetime

import pytest

from qa.app.records.conversations import ConversationStore
from qa.app.records.feedback import (
    DOWN,
    NONE,
    UP,
    Feedback,
    FeedbackStore,
    eval_row,
    export_rows,
    index_generation,
    parse_correction,
)

MATVIENKO = "Who is the speaker of Russia's upper house?"
WORLD_CUP = "Who won the 2014 FIFA World Cup?"
TIME_WARNER = "How much did Time Warner's quarterly profits jump?"
OVERVIEW = "Give me an overview of Time Warner"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The answer is 76%.", ("76%", False)),
        ("the correct answer is: “Fazal Hadi Muslimyar”", ("Fazal Hadi Muslimyar", False)),
        ("Valentina Matvienko", ("Valentina Matvienko", False)),
        ("The articles don't say", ("", True)),
        ("the articles do not say anything about it", ("", True)),
        ("The articles don’t say.", ("", True)),
        ("  ", ("", False)),
    ],
)
def test_corrections_are_read_as_an_answer_or_as_unanswerable(text, expected):
    assert parse_correction(text) == expected


def _fb(**kw) -> Feedback:
    base = dict(
        user="",
        conversation_id="c",
        position=1,
        rating=NONE,
        correction="",
        unanswerable=False,
        question="q?",
        standalone_question="q?",
        answer="“It was X.” [1]",
        short_answer="X",
        abstained=False,
        citations=[{"article": "a/1", "quote": "It was X."}],
        generation="g1",
        updated_at=datetime(2025, 1, 1),
    )
    return Feedback(**{**base, **kw})


def test_which_feedback_makes_which_eval_row():
    assert eval_row(_fb(rating=UP))[0] == {
        "question": "q?",
        "answers": ["X"],
        "source": "a/1",
        "feedback": {"rating": UP, "generation": "g1"},
    }
    row, _ = eval_row(_fb(rating=DOWN, correction="Y"))
    assert row["answers"] == ["Y"] and row["source"] == ""  # no cited quote holds "Y"
    row, _ = eval_row(_fb(rating=DOWN, correction="x"))
    assert row["source"] == "a/1"  # the cited quote holds the correction
    row, _ = eval_row(_fb(unanswerable=True))
    assert row["answers"] == [] and row["unanswerable"] is True
    row, _ = eval_row(_fb(rating=UP, abstained=True, short_answer="", citations=[]))
    assert row["unanswerable"] is True  # an up-voted abstention: the articles don't say
    row, _ = eval_row(_fb(rating=UP, question="and her?", standalone_question="who is she?"))
    assert row["question"] == "who is she?" and row["asked"] == "and her?"
    # With the conversation known, a follow-up keeps the question as asked and the
    # questions before it: a wrong rewrite at the time is not stored as the question.
    row, _ = eval_row(
        _fb(rating=UP, question="and her?", standalone_question="and her? (ISIL)"), ["Who is X?"]
    )
    assert (row["question"], row["history"]) == ("and her?", ["Who is X?"])
    assert row["standalone"] == "and her? (ISIL)" and "asked" not in row
    assert eval_row(_fb(rating=DOWN)) == (None, "down-voted without a correction")
    # An up-vote without a short answer in bold endorses the articles it cites.
    row, why = eval_row(_fb(rating=UP, short_answer=""))
    assert (row["sources"], why) == (["a/1"], "") and "answers" not in row
    row, why = eval_row(_fb(rating=UP, short_answer="", citations=[]))
    assert row is None and "up-voted" in why
    assert eval_row(_fb())[0] is None

    rows, skipped = export_rows(
        [
            _fb(rating=UP),
            _fb(rating=DOWN),
            _fb(question="Q?", standalone_question="Q?", correction="Z"),
        ]
    )
    assert [r["answers"] for r in rows] == [["Z"]]  # the latest feedback on a question wins
    assert len(skipped) == 1


def test_feedback_is_one_record_per_answer_and_keeps_what_was_judged(tmp_path):
    from qa.types import Answer, Citation

    answer = Answer(
        "q?", "q?", "“It was X.” [1]", "X",
        citations=[Citation(1, "a/1", "T", "2024-01-01", "ch", 0, 9, "It was X.")],
    )  # fmt: skip
    store = FeedbackStore(f"sqlite:///{tmp_path / 'chat.sqlite'}")
    store.record("alice", "c1", 1, "q?", answer, "g1", rating=DOWN)
    saved = store.record("alice", "c1", 1, "q?", answer, "g2", correction="the answer is Y")
    assert (saved.rating, saved.correction, saved.generation) == (DOWN, "Y", "g2")
    assert saved.citations[0]["quote"] == "It was X." and "supported" not in saved.citations[0]
    store.record("bob", "c1", 1, "q?", answer, "g2", rating=UP)
    assert store.ratings("alice", "c1") == {1: DOWN} and store.ratings("bob", "c1") == {1: UP}
    assert len(store.all()) == 2


@pytest.mark.slow
def test_feedback_export_round_trip_through_qa_eval(
    bbc_corpus, tmp_path, monkeypatch, assistant_for, capsys
):
    """The chat's judged answers on a real corpus become an eval file that `qa eval` runs."""
    from qa.app.cli.commands import main

    assistant = assistant_for(bbc_corpus)
    # An up-vote becomes a gold answer through the short answer shown in bold. Whether
    # this one is bold depends on the span model's trained calibration (P 0.37 against a
    # threshold of 0.38-0.39 between retrains), which is not what this test is about.
    monkeypatch.setattr(assistant.answerer.models.span, "threshold", 0.3)
    url = assistant.settings.chat_database_url
    conversations, feedback = ConversationStore(url), FeedbackStore(url)
    generation = index_generation(assistant.settings)
    assert len(generation) == 12

    def chat(user: str, turns: list[tuple[str, dict]]):
        cid, history, answers = "", [], []
        for question, what in turns:
            answer = assistant.ask(question, history=history)
            cid = cid or conversations.create(user, question)
            position = conversations.add_turn(cid, user, question, answer)
            if what:
                feedback.record(user, cid, position, question, answer, generation, **what)
            history += [
                {"role": "user", "content": question},
                {"role": "assistant", "content": answer.answer},
            ]
            answers.append(answer)
        return answers

    matvienko, follow_up = chat(
        "alice",
        [
            (MATVIENKO, {"rating": UP}),  # an up-voted short answer
            # The chat's mistake: the short answer names Matvienko, the user corrects it.
            ("Who did she meet?", {"rating": DOWN, "correction": "Fazal Hadi Muslimyar"}),
        ],
    )
    assert matvienko.short_answer == "Valentina Matvienko" and matvienko.short_answer_confident
    assert follow_up.short_answer != "Fazal Hadi Muslimyar"
    chat("bob", [(WORLD_CUP, {"correction": "The articles don't say"})])
    chat("bob", [(TIME_WARNER, {"rating": DOWN, "correction": "the answer is 76%"})])
    chat("bob", [("What did the council decide?", {"rating": DOWN})])  # skipped: no answer
    [overview] = chat("carol", [(OVERVIEW, {"rating": UP})])  # no short answer: its articles
    assert overview.kind == "overview" and overview.citations and not overview.short_answer

    out = tmp_path / "feedback.jsonl"
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    assert main(["feedback", "export", "--out", str(out)]) == 0
    assert "skipped 1 feedback record(s): down-voted without a correction" in (
        capsys.readouterr().err
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    by_question = {r.get("asked", r["question"]): r for r in rows}
    assert set(by_question) == {MATVIENKO, "Who did she meet?", WORLD_CUP, TIME_WARNER, OVERVIEW}
    seed = "russia-promises-free-weapons-to-afghanistan"
    assert by_question[MATVIENKO]["answers"] == ["Valentina Matvienko"]
    assert by_question[MATVIENKO]["source"] == seed
    she = by_question["Who did she meet?"]
    assert (she["question"], she["history"]) == ("Who did she meet?", [MATVIENKO])
    assert she["standalone"] == follow_up.standalone_question != "Who did she meet?"
    assert by_question[OVERVIEW]["sources"] == sorted({c.article for c in overview.citations})
    assert she["answers"] == ["Fazal Hadi Muslimyar"] and she["source"] == seed
    assert by_question[WORLD_CUP]["unanswerable"] is True
    assert by_question[TIME_WARNER]["answers"] == ["76%"]
    assert all(r["feedback"]["generation"] == generation for r in rows)

    # `qa eval FILE` takes the file as is and replays every row.
    assert main(["eval", str(out), "--corpus", str(bbc_corpus), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == []
    assert (report["n"], report["n_answerable"], report["n_unanswerable"]) == (5, 3, 1)
    assert report["n_article_sets"] == 1
    scored = {r["question"]: r for r in report["rows"]}
    assert scored[she["question"]]["contains"]  # the quote names Muslimyar
    assert scored[WORLD_CUP]["abstained"]
    assert report["metrics"]["abstain_recall"] == 1.0
    assert report["metrics"]["answer_contains"] == 1.0
