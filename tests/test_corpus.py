"""Loading articles of every supported kind, and skipping bad ones with a reason."""

from conftest import SEED
from helpers import HTML_ARTICLE, make_pdf

from qa.indexing.corpus import load_corpus


def by_file(errors):
    return {e["file"]: e["error"] for e in errors}


def test_txt_title_is_first_line_and_id_is_relative_path(tmp_path):
    (tmp_path / "world").mkdir()
    (tmp_path / "world" / "a.txt").write_text("\n\n  Big Headline  \n\nBody text here.\n")
    article = load_corpus(tmp_path).articles[0]
    assert article.id == "world/a"
    assert article.title == "Big Headline"
    assert article.text.endswith("Body text here.\n")
    assert len(article.sha256) == 64


def test_seed_article_loads_with_its_boilerplate_blanked_and_offsets_kept():
    article = load_corpus(SEED.parent).articles[0]
    raw = SEED.read_text(encoding="utf-8")
    assert article.id == "russia-promises-free-weapons-to-afghanistan"
    assert article.title == "Russia Promises Free Weapons And Ammunition To Afghanistan"
    assert "Updated on" in raw and "Leave a Comment" in raw
    assert "Updated on" not in article.text and "Leave a Comment" not in article.text
    assert len(article.text) == len(raw)  # every other character keeps its offset
    quote = "Valentina Matvienko, Russia’s upper house speaker"
    at = raw.index(quote)
    assert article.text[at : at + len(quote)] == quote
    kept = [i for i, (a, b) in enumerate(zip(article.text, raw, strict=True)) if a != b]
    assert all(article.text[i] == " " for i in kept)


def test_markdown_front_matter(tmp_path):
    (tmp_path / "m.md").write_text(
        "---\ntitle: Storm hits coast\npublished: 2023-01-15\nurl: https://example.org/s\n"
        "author: A. Reporter\nsource: Daily\n---\n# Storm hits coast\n\nWinds reached 120 km/h.\n"
    )
    a = load_corpus(tmp_path).articles[0]
    assert (a.title, a.published, a.url, a.author, a.source) == (
        "Storm hits coast",
        "2023-01-15",
        "https://example.org/s",
        "A. Reporter",
        "Daily",
    )
    assert a.text.startswith("# Storm hits coast")
    assert "---" not in a.text


def test_html_main_text_and_metadata(tmp_path):
    (tmp_path / "bridge.html").write_text(HTML_ARTICLE)
    a = load_corpus(tmp_path).articles[0]
    assert a.id == "bridge"
    assert "Harbour bridge reopens" in a.title
    assert "312 steel cables" in a.text
    assert "Home | World" not in a.text
    assert a.published == "2024-03-05"


def test_pdf_text(tmp_path):
    (tmp_path / "report.pdf").write_bytes(
        make_pdf(["Dam project approved", "The council approved the dam on Friday."], "Dam")
    )
    a = load_corpus(tmp_path).articles[0]
    assert a.title == "Dam"
    assert "approved the dam on Friday" in a.text


def test_bad_files_are_reported_and_the_rest_loaded(tmp_path):
    (tmp_path / "good.txt").write_text("Good article\n\nIt is fine.")
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary\x00")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tmp_path / "frontmatter.md").write_text("---\ntitle: [unclosed\n---\nText.\n")
    (tmp_path / "dup.md").write_text("Dup as md")
    (tmp_path / "dup.txt").write_text("Dup as txt")
    (tmp_path / "notes.jsonl").write_text("{}")  # not an article type: ignored
    (tmp_path / ".hidden.txt").write_text("hidden")
    result = load_corpus(tmp_path)
    assert sorted(a.id for a in result.articles) == ["dup", "good"]
    errors = by_file(result.errors)
    assert set(errors) == {"empty.txt", "binary.txt", "broken.pdf", "frontmatter.md", "dup.txt"}
    assert "empty" in errors["empty.txt"]
    assert "binary" in errors["binary.txt"]
    assert "PDF" in errors["broken.pdf"]
    assert "front matter" in errors["frontmatter.md"]
    assert "same article id" in errors["dup.txt"]


def test_non_utf8_is_read_as_cp1252_with_a_warning(tmp_path):
    (tmp_path / "latin.txt").write_bytes("Caf\u00e9 prices\n\nCosts \u00a35 now.".encode("cp1252"))
    result = load_corpus(tmp_path)
    assert result.articles[0].title == "Café prices"
    assert "£5" in result.articles[0].text
    assert "UTF-8" in result.warnings[0]["warning"]


def test_missing_corpus_folder_is_an_error(tmp_path):
    result = load_corpus(tmp_path / "nope")
    assert result.articles == [] and "does not exist" in result.errors[0]["error"]


def test_odd_files_are_reported_with_a_reason(tmp_path):
    """Issue 20 item 6: random bytes, a symbolic link loop, an invalid date."""
    import os
    import random

    (tmp_path / "good.txt").write_text("Good article\n\nIt is fine.")
    rng = random.Random(7)
    noise = bytes(rng.randrange(1, 256) for _ in range(20000))  # random bytes, no NUL
    (tmp_path / "noise.txt").write_bytes(noise)
    (tmp_path / "digits.txt").write_text("0x1F 0x2A | ## !! ** -- %% 0x00 ;; ::\n" * 50)
    os.symlink("loop.txt", tmp_path / "loop.txt")  # a link to itself
    (tmp_path / "dated.md").write_text("---\ntitle: Dated\npublished: not-a-date\n---\nText.\n")
    (tmp_path / "russian.txt").write_text("Новости дня\n\nПарламент принял бюджет в понедельник.")
    result = load_corpus(tmp_path)
    assert sorted(a.id for a in result.articles) == ["dated", "good", "russian"]
    errors = by_file(result.errors)
    assert set(errors) == {"noise.txt", "digits.txt", "loop.txt"}
    assert "not text" in errors["noise.txt"] and "letters" in errors["noise.txt"]
    assert "not text" in errors["digits.txt"]
    assert "symbolic links" in errors["loop.txt"]
    dated = next(a for a in result.articles if a.id == "dated")
    assert dated.published == ""  # treated as no date
    [warning] = result.warnings
    assert warning["file"] == "dated.md" and "not-a-date" in warning["warning"]


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    (tmp_path / "good.txt").write_text("Good article\n\nIt is fine.")
    (tmp_path / "huge.txt").write_text("Huge article\n\n" + "Words in a sentence. " * 120_000)
    result = load_corpus(tmp_path, max_mb=2)
    assert [a.id for a in result.articles] == ["good"]
    assert "too big" in by_file(result.errors)["huge.txt"]
    assert "QA_MAX_ARTICLE_MB" in by_file(result.errors)["huge.txt"]
    assert [a.id for a in load_corpus(tmp_path, max_mb=0).articles] == ["good", "huge"]
