"""Adding and removing article files: names are sanitised, nothing escapes or is overwritten."""

import pytest

from qa.app.articles.uploads import UploadError, safe_name, save_upload


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\win.md", "win.md"),
        ("My Story (final)!.HTML", "My-Story-final.html"),
        ("/abs/path/ok.pdf", "ok.pdf"),
        ("....txt", "article.txt"),
    ],
)
def test_safe_name(raw, expected):
    assert safe_name(raw) == expected


def test_upload_lands_in_the_corpus_and_never_overwrites(tmp_path):
    corpus = tmp_path / "corpus"
    src = tmp_path / "upload.bin"
    src.write_text("Title\n\nBody.")
    first = save_upload(src, "../../story.txt", corpus, max_mb=1)
    assert first == corpus / "story.txt" and first.read_text() == "Title\n\nBody."
    src.write_text("Other\n\nText.")
    second = save_upload(src, "story.txt", corpus, max_mb=1)
    assert second == corpus / "story-2.txt"
    assert first.read_text() == "Title\n\nBody."  # the first file is untouched
    # Same article id with another extension would also clash.
    third = save_upload(src, "story.md", corpus, max_mb=1)
    assert third.name == "story-3.md"  # story.* and story-2.* are taken


def test_upload_rejects_bad_types_and_big_files(tmp_path):
    src = tmp_path / "x"
    src.write_bytes(b"a" * 2048)
    with pytest.raises(UploadError, match="only"):
        save_upload(src, "evil.exe", tmp_path / "c", max_mb=1)
    with pytest.raises(UploadError, match="limit"):
        save_upload(src, "big.txt", tmp_path / "c", max_mb=0.001)


def test_a_file_named_only_by_its_type_is_an_article(tmp_path):
    """Issue 36 (11): a ".txt" in an upload batch is saved as article.txt, not refused."""
    assert safe_name(".txt") == "article.txt" and safe_name(".PDF") == "article.pdf"
    assert safe_name(".hidden") == "hidden"  # a dot-file of another type stays refused
    src = tmp_path / "upload.bin"
    src.write_text("Title\n\nBody.")
    assert save_upload(src, ".txt", tmp_path / "corpus", max_mb=1).name == "article.txt"
