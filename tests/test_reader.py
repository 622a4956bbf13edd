"""The neural reader: its windows, its span decoding, the shipped model, and the answers
it gives through the real Assistant."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

from qa.answering.readers.decode import best_spans
from qa.answering.readers.reader import MODEL_PATH, Reader, ReaderUnavailable, load_reader
from qa.answering.readers.windows import (
    Window,
    answer_tokens,
    load_tokenizer,
    make_windows,
)
from qa.types import Answer

PASSAGE = (
    "After signing an agreement with India, according to which New Delhi will supply Kabul "
    "with four Indian Air Force Mi-25 gunship helicopters, Afghanistan has turned to Russia."
)


def test_a_long_passage_is_read_in_overlapping_windows_that_keep_its_offsets():
    tok = load_tokenizer()
    text = " ".join(f"Sentence number {i} names the town of Abcville{i}." for i in range(60))
    windows = make_windows(tok, "Which town is named?", [text], max_len=64, overlap=16)
    assert len(windows) > 3 and all(len(w.ids) <= 64 for w in windows)
    for w in windows:  # every passage token maps back to the exact passage text
        for tid, (s, e) in zip(w.ids, w.offsets, strict=True):
            if s >= 0:
                assert tok.id_to_token(tid).lstrip("#") in text[s:e].lower()
    covered = [set(range(w.offsets[w.first_context][0], w.offsets[-2][1])) for w in windows]
    for a, b in itertools.pairwise(covered):
        assert a & b, "consecutive windows overlap"


def test_the_answer_is_labelled_in_the_window_that_holds_it_and_cls_elsewhere():
    tok = load_tokenizer()
    text = "Filler words go here. " * 30 + PASSAGE
    start = text.index("four")
    windows = make_windows(tok, "How many helicopters?", [text], max_len=64, overlap=16)
    labels = [answer_tokens(w, start, start + 4) for w in windows]
    holding = [(w, lab) for w, lab in zip(windows, labels, strict=True) if lab != (0, 0)]
    assert holding, "some window holds the answer"
    w, (s, e) = holding[0]
    assert text[w.offsets[s][0] : w.offsets[e][1]] == "four"
    assert (0, 0) in labels  # the windows without it point at [CLS]


def test_best_spans_never_picks_question_tokens_and_respects_the_band():
    w = Window(
        ids=[101, 5, 6, 102, 7, 8, 9, 102],
        types=[0, 0, 0, 0, 1, 1, 1, 1],
        offsets=[(-1, -1), (-1, -1), (-1, -1), (-1, -1), (0, 3), (4, 7), (8, 11), (-1, -1)],
        passage=0,
    )
    start = np.array([[0, 9, 9, 0, 1, 5, 0, 0]], dtype=np.float32)  # question tokens loudest
    end = np.array([[0, 9, 9, 0, 0, 1, 4, 0]], dtype=np.float32)
    (span,) = best_spans([w], start, end)
    assert (span.start, span.end) == (4, 11)  # passage tokens 5..6
    assert span.score > span.null
    (short,) = best_spans([w], start, end, max_tokens=1)
    assert short.end - short.start == 3  # a one-token span only


@pytest.mark.parametrize(
    ("span", "tidied"),
    [
        ("90,000 square kilometers (34,700 square miles", "90,000 square kilometers"),
        ("32 °C (90 °F)", "32 °C (90 °F)"),  # a closed bracket stays
        ("Japanese) dominance in Asia", "Japanese"),
        ("“natural phenomena", "natural phenomena"),
        ("Syria,", "Syria"),
        ("(", "("),  # never empty
    ],
)
def test_a_span_loses_an_unclosed_bracket_and_edge_punctuation(span, tidied):
    from qa.answering.readers.decode import tidy

    text = f"Before {span} after."
    start, end = tidy(text, 7, 7 + len(span))
    assert text[start:end] == tidied


def test_the_shipped_reader_is_one_small_file_that_runs_without_torch():
    """(Its load time is measured by bench/query.py, not here.)"""
    assert MODEL_PATH.is_file()
    assert MODEL_PATH.stat().st_size <= 50 * 1024 * 1024
    code = (
        "import sys; from qa.answering.readers.reader import Reader; "
        "r = Reader(); print(r.read('Who?', ['Ann met Bob.']).best is not None); "
        "print([m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    read_something, heavy = done.stdout.strip().splitlines()
    assert read_something == "True"
    assert heavy == "[]", "the reader runs without torch or transformers"


def test_the_reader_finds_the_answer_in_what_it_reads():
    reading = load_reader().read(
        "How many gunship helicopters will New Delhi give Kabul?",
        ["Russia wants to help the Afghans upgrade their air force.", PASSAGE],
    )
    assert reading.best is not None and reading.best.passage == 1
    assert PASSAGE[reading.best.start :].startswith("four ")
    assert reading.margin > 0


@pytest.mark.xfail(
    strict=True,
    reason="known gap: the reader runs on to 'four Indian Air Force Mi-25' "
    "(log P -0.63 against -0.96 for 'four'); a length penalty that fixed it cost bbc F1",
)
def test_the_reader_stops_at_the_count_asked_for():
    reading = load_reader().read(
        "How many gunship helicopters will New Delhi give Kabul?", [PASSAGE]
    )
    assert PASSAGE[reading.best.start : reading.best.end] == "four"


def test_the_reader_prefers_no_answer_when_the_passage_does_not_hold_one():
    reader = load_reader()
    question = "How many gunship helicopters will New Delhi give Kabul?"
    with_answer = reader.read(question, [PASSAGE])
    without = reader.read(question, ["The weather in Lisbon was sunny and warm on Tuesday."])
    assert without.margin < with_answer.margin
    assert without.margin < 0


def test_a_missing_or_broken_reader_is_one_readable_error(tmp_path):
    with pytest.raises(ReaderUnavailable, match="missing"):
        Reader(tmp_path / "nowhere.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx file")
    with pytest.raises(ReaderUnavailable, match="unreadable"):
        Reader(broken)


def test_without_its_files_the_assistant_answers_with_the_learned_answerer(
    tmp_path, corpus, assistant_for, caplog
):
    missing = tmp_path / "gone" / "reader.onnx"
    assistant = assistant_for(corpus, reader_model=str(missing))
    assert assistant.reader is None
    assert any("reader is unavailable" in r.getMessage() for r in caplog.records)
    answer = assistant.ask("Who is the speaker of Russia's upper house?")
    assert "Matvienko" in answer.answer and "read" not in answer.timings


def test_the_calibration_beside_the_model_is_fitted_on_the_reader_features():
    from qa.answering.readers.evidence import ANSWERABLE_FEATURES

    data = json.loads(MODEL_PATH.with_suffix(".json").read_text())
    assert set(data["answerable"]["features"]) <= set(ANSWERABLE_FEATURES)
    assert data["short"]["features"] == ["score", "margin"]
    assert 0 < data["answerable"]["threshold"] < 1 and 0 < data["short"]["threshold"] <= 1


def test_p_answerable_sees_the_surest_window_and_the_mass_of_all_spans():
    """The answer's window may not be the surest one: a window whose span beats [CLS] by
    more counts too, and so does the probability the reader gives all its spans."""
    from qa.answering.readers.decode import Span
    from qa.answering.readers.evidence import Read
    from qa.answering.readers.reader import Reading

    answer = Span(0, 0, 4, score=-1.0, null=-2.0)  # margin 1
    surer = Span(1, 0, 4, score=-2.0, null=-6.0)  # margin 4
    done = Read(Reading(answer, [answer, surer], -2.0), [], prior=0.5)
    names = ["prior_logit", "margin", "score", "best_margin", "mass"]
    (prior, margin, score, best_margin, mass), short = done.features(names)
    assert (prior, margin, score, best_margin) == (0.0, 1.0, -1.0, 4.0)
    assert mass == pytest.approx(np.log(np.exp(-1.0) + np.exp(-2.0)))
    assert short == [-1.0, 1.0]
    nothing = Read(Reading(None, [], 0.0), [], prior=0.5).features(names)[0]
    assert nothing[1:] == [-30.0, -30.0, -30.0, -30.0]
    assert len(done.features()[0]) == 9  # every feature offered, in ANSWERABLE_FEATURES order


@pytest.fixture(scope="module")
def seed(tmp_path_factory, embedder):
    import shutil

    from conftest import SEED

    from qa.answering.service import build_assistant
    from qa.settings import Settings

    root = tmp_path_factory.mktemp("seed-reader")
    (root / "corpus").mkdir()
    shutil.copy(SEED, root / "corpus" / SEED.name)
    settings = Settings(_env_file=None, corpus_dir=root / "corpus", data_dir=root / "data")
    return build_assistant(settings, sync=True)


@pytest.mark.parametrize(
    ("question", "short", "quoted"),
    [
        ("How many gunship helicopters will New Delhi give Kabul?", "four", "Mi-25 gunship"),
        ("What is the area controlled by the Islamic State?", "90,000 square kilometers", "90,000"),
        ("Who did Valentina Matvienko meet?", "Fazal Hadi Muslimyar", "held a meeting"),
        ("What did Muslimyar thank Russia for?", "peace-building initiatives", "praised Moscow"),
        ("When did ISAF combat operations end?", "December 31, 2014", "formally concluded"),
    ],
)
def test_the_reader_picks_the_short_answer_and_quotes_its_sentence(seed, question, short, quoted):
    """The issue's examples: the learned answerer alone gave Mi-25, 200,000 fighters,
    Russia's and Tuesday; the reader reads the sentence and points at the answer."""
    answer = seed.ask(question)
    assert not answer.abstained
    assert short in answer.short_answer  # in bold only when P(exact) clears the threshold
    assert answer.short_answer_confident == (
        answer.short_answer_confidence >= seed.answerer.short_threshold
    )
    assert quoted in answer.citations[0].quote
    assert answer.short_answer in answer.citations[0].quote
    assert "read" in answer.timings


def test_the_short_answer_ends_before_an_unclosed_bracket(seed):
    """The reader's span ran to "90,000 square kilometers (34,700 square miles"."""
    answer = seed.ask("How much territory does the Islamic State control?")
    assert answer.short_answer.endswith("90,000 square kilometers")  # "more than" may lead


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 2015 Tour de France?",
        "When will India deliver the helicopters?",
        "How many Russian soldiers are deployed in Afghanistan?",
        # a look-alike: the article gives no price (answered "four" at P 0.298 before
        # P(answerable) saw the surest window and the mass of all spans; now P 0.27 < 0.31)
        "How much did Russia pay India for the helicopters?",
    ],
)
def test_the_reader_leaves_alone_what_the_article_does_not_say(seed, question):
    assert seed.ask(question).abstained


def test_a_refusal_shows_the_sentence_the_reader_came_nearest_an_answer_in(seed):
    """A question the article does not answer (it gives no delivery date), refused: the
    answer still points at the sentence it came nearest an answer in, uncited."""
    answer = seed.ask("When will India deliver the helicopters?")
    assert answer.abstained and answer.citations == []
    near = answer.closest
    assert near is not None and "Mi-25 gunship helicopters" in near.quote
    passage = next(p for p in answer.passages if p.chunk_id == near.chunk_id)  # shown
    assert passage.text_at(near.start, near.end) == near.quote
    assert Answer.from_dict(answer.to_dict()).closest == near
    assert seed.ask("Who is the speaker of Russia's upper house?").closest is None


def test_the_helicopter_model_india_sends_is_answered(seed):
    answer = seed.ask("What model of helicopter is India sending?")
    assert not answer.abstained and "Mi-25" in answer.short_answer


def test_the_abstention_threshold_stops_where_precision_first_falls_under_the_target():
    """Raised from the least likely question, the threshold stops at the first point where
    the refusals so far are right less than 7 times in 10; a later blip back over 0.7 (where
    precision hovers at the target) does not move it."""
    from training.calibration import abstain_threshold

    # 90 questions by P(answerable): of the 20 least likely, 16 are unanswerable, then 6 of
    # the next 6, none of the next 14, all of the next 40. The refusals stay right 7 in 10
    # up to the 31 least likely (22/31); 32 fall under (22/32). Refusing the 88 least likely
    # would be right 7 in 10 again (62/88): the blip that must not move the threshold.
    p = np.arange(90) / 100.0
    unanswerable = np.zeros(90, dtype=bool)
    unanswerable[:16] = True
    unanswerable[20:26] = True
    unanswerable[40:80] = True
    t = abstain_threshold(p, unanswerable, 0.7)
    refused = p < t
    assert refused.sum() == 31
    assert unanswerable[refused].mean() >= 0.7
    assert abstain_threshold(p, np.zeros(90, dtype=bool), 0.7) < p.min()  # never right


def test_the_look_alike_features_count_the_names_and_numbers_the_sentence_lacks():
    from qa.answering.readers.evidence import asked_names, asked_numbers, missing

    question = "Who replaced Claudio Ranieri as Valencia coach in 2004?"
    assert asked_names(question) == ["Claudio", "Ranieri", "Valencia"]
    assert asked_numbers(question) == ["2004"]
    assert missing(asked_names(question), "Jose Mourinho replaced him at Chelsea.") == 1.0
    assert missing(asked_names(question), "Ranieri took the Valencia job.") == 1 / 3
    assert missing(asked_numbers(question), "In June 2004 he took over.") == 0.0
    assert missing(asked_numbers("How many won 3,000 votes?"), "He won 3000 votes") == 0.0
    # a name is matched by its first five letters: Russian finds Russia's
    assert missing(asked_names("Who chairs the Russian senate?"), "Russia’s upper house") == 0.0
    assert missing([], "anything") == 0.0


@pytest.mark.parametrize(
    ("question", "answer", "mismatch"),
    [
        ("How much did the BBC pay Mario Kombou?", "One Night", 1.0),
        ("How much did Russia pay India for the helicopters?", "four", 1.0),
        ("How much did Russia pay India for the helicopters?", "$20m", 0.0),
        ("How many caps has he won?", "third", 1.0),
        ("How many caps has he won?", "42", 0.0),
        ("When did he take charge?", "2000", 0.0),
        ("When did he take charge?", "the airline", 1.0),
        ("Who replaced Ranieri?", "Antonio Lopez", 0.0),
        ("Who replaced Ranieri?", "the new coach", 1.0),
        ("Why did sales fall?", "because prices rose", 0.0),
    ],
)
def test_an_answer_of_another_kind_than_asked_is_a_type_mismatch(question, answer, mismatch):
    from qa.answering.question.expected import type_mismatch

    assert type_mismatch(question, answer) == mismatch


def test_a_why_or_how_question_is_never_answered_in_bold_with_a_bare_noun():
    from qa.answering.question.expected import asks_reason, bare_reason

    assert asks_reason("Why is Russia worried about Central Asia?")
    assert asks_reason("How is Russia helping the Afghan military?")
    assert not asks_reason("How many helicopters will India send?")
    assert not asks_reason("Who chairs the Russian senate?")
    assert bare_reason("Why is Russia worried about Central Asia?", "ISIL")
    assert bare_reason("How is Russia helping the Afghan military?", "fight off militants")
    assert not bare_reason(
        "Why is Russia worried about Central Asia?",
        "a rapid rise in violent religious and extremist groups",
    )
    assert not bare_reason("Who chairs the Russian senate?", "Matvienko")
