from qa.text.sentences import sentence_spans


def texts(text):
    return [text[s:e] for s, e in sentence_spans(text)]


def test_splits_on_sentence_ends_and_lines():
    text = "Title line\n\nFirst one. Second one? Third!\nHeading\nLast."
    assert texts(text) == ["Title line", "First one.", "Second one?", "Third!", "Heading", "Last."]


def test_keeps_abbreviations_initials_and_numbers_together():
    text = "Mr. Smith met Dr. J. Brown in the U.S. on Monday. It cost $1.5bn. Done."
    assert texts(text) == [
        "Mr. Smith met Dr. J. Brown in the U.S. on Monday.",
        "It cost $1.5bn.",
        "Done.",
    ]


def test_quotes_stay_with_their_sentence():
    text = 'He said: "We will win." Then he left.'
    assert texts(text) == ['He said: "We will win."', "Then he left."]


def test_lowercase_after_period_is_not_a_boundary():
    text = "The 3 p.m. meeting ran late. e.g. this one. Next."
    assert texts(text) == ["The 3 p.m. meeting ran late. e.g. this one.", "Next."]


def test_spans_are_exact_and_trimmed():
    text = "  One.   Two.  \n\n  Three  "
    for s, e in sentence_spans(text):
        assert text[s:e] == text[s:e].strip()
    assert texts(text) == ["One.", "Two.", "Three"]
