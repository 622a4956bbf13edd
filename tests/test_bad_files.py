"""One bad file never stops indexing: a PDF bomb and damaged PDFs (made here) are
reported by name and skipped, and every other article is still indexed (issue 36, 1)."""

from helpers import make_pdf, make_pdf_bomb, pdf_mutants
from test_sync_robust import ingest_process

from qa.indexing.corpus import ArticleError, load_article, load_corpus

BRIDGE = (
    "Harbour bridge reopens\n\nEngineers replaced 312 steel cables on the harbour bridge, "
    "which reopened to traffic on Tuesday.\n"
)
SMALL_PDF = make_pdf(
    ["Harbour bridge reopens", "Engineers replaced 312 steel cables on the harbour bridge."],
    title="Bridge",
)


def test_damaged_pdfs_are_loaded_or_refused_never_raised(tmp_path):
    # 3,000 copies of a 743-byte PDF with 1 to 5 bytes changed: pypdf raises
    # LimitReachedError and AttributeError on some, which must become ArticleError.
    escaped = {}
    path = tmp_path / "mutant.pdf"
    for i, mutant in enumerate(pdf_mutants(SMALL_PDF, 3000)):
        path.write_bytes(mutant)
        try:
            load_article(path, "mutant")
        except ArticleError as exc:
            assert str(exc).strip() and "\n" not in str(exc)
        except Exception as exc:  # what the test looks for
            escaped.setdefault(type(exc).__name__, i)
    assert not escaped, f"exceptions that are not ArticleError (first mutant): {escaped}"


def test_a_pdf_bomb_is_refused_by_name_and_the_rest_loaded(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bomb.pdf").write_bytes(make_pdf_bomb(200))  # 200 KB, 200 MB inflated
    (corpus / "bridge.txt").write_text(BRIDGE)
    loaded = load_corpus(corpus)
    assert [a.id for a in loaded.articles] == ["bridge"]
    assert [e["file"] for e in loaded.errors] == ["bomb.pdf"]
    assert "PDF" in loaded.errors[0]["error"]


def test_qa_ingest_skips_bad_pdfs_and_indexes_the_rest(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bomb.pdf").write_bytes(make_pdf_bomb(200))
    damaged = pdf_mutants(SMALL_PDF, 600)[518]  # pypdf: LimitReachedError
    (corpus / "damaged.pdf").write_bytes(damaged)
    (corpus / "bridge.txt").write_text(BRIDGE)
    got = ingest_process(corpus, tmp_path / "data")  # exit status 0, or it fails here
    assert got["articles_total"] == 1 and got["added"] == 1
    errors = {e["file"]: e["error"] for e in got["errors"]}
    assert set(errors) == {"bomb.pdf", "damaged.pdf"}
    assert all(e.startswith("unreadable PDF") for e in errors.values()), errors
    # The next sync (an upload, say) is not stopped by them either.
    (corpus / "more.txt").write_text(BRIDGE.replace("bridge", "tunnel"))
    again = ingest_process(corpus, tmp_path / "data")
    assert again["articles_total"] == 2 and again["added"] == 1
