"""Removing an article moves its file to the trash in the data dir; restoring puts it back."""

import pytest

from qa.app.articles.trash import TrashError, list_trash, move_to_trash, restore, trash_dir


@pytest.fixture
def dirs(tmp_path):
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    (corpus / "sport").mkdir(parents=True)
    (corpus / "sport" / "a.txt").write_text("Title A\n\nBody.")
    return corpus, data


def test_remove_moves_the_file_to_the_trash_and_restore_puts_it_back(dirs):
    corpus, data = dirs
    item = move_to_trash("sport/a.txt", corpus, data, title="Title A")
    assert not (corpus / "sport" / "a.txt").exists()
    kept = trash_dir(data) / item.id / "a.txt"
    assert kept.read_text() == "Title A\n\nBody."  # still on disk, outside the corpus
    assert corpus.resolve() not in kept.resolve().parents
    assert [(i.path, i.title) for i in list_trash(data)] == [("sport/a.txt", "Title A")]
    back = restore(item.id, corpus, data)
    assert back.path == "sport/a.txt"
    assert (corpus / "sport" / "a.txt").read_text() == "Title A\n\nBody."
    assert list_trash(data) == [] and not (trash_dir(data) / item.id).exists()


def test_restore_by_path_and_refusals(dirs, tmp_path):
    corpus, data = dirs
    outside = tmp_path / "secret.txt"
    outside.write_text("keep me")
    with pytest.raises(TrashError):
        move_to_trash("../secret.txt", corpus, data)
    with pytest.raises(TrashError):
        move_to_trash("", corpus, data)
    with pytest.raises(TrashError):
        move_to_trash("sport/missing.txt", corpus, data)
    assert outside.exists()
    move_to_trash("sport/a.txt", corpus, data)
    (corpus / "sport" / "a.txt").write_text("a new file with the same name")
    with pytest.raises(TrashError, match="exists again"):
        restore("sport/a.txt", corpus, data)
    (corpus / "sport" / "a.txt").unlink()
    restore("sport/a.txt", corpus, data)
    assert (corpus / "sport" / "a.txt").read_text() == "Title A\n\nBody."
    with pytest.raises(TrashError, match="not in the trash"):
        restore("sport/a.txt", corpus, data)


def test_remove_and_restore_take_an_article_id_and_only_article_files(dirs):
    """Issue 20 item 7: the id citations name, or the path; never the eval file."""
    corpus, data = dirs
    (corpus / "eval.jsonl").write_text('{"question": "q"}\n')
    (corpus / "notes.csv").write_text("a,b\n")
    for other in ("eval.jsonl", "notes.csv", "sport", "sport/../eval.jsonl"):
        with pytest.raises(TrashError, match="not an article"):
            move_to_trash(other, corpus, data)
    assert (corpus / "eval.jsonl").exists() and (corpus / "notes.csv").exists()
    item = move_to_trash("sport/a", corpus, data)  # the article id
    assert item.path == "sport/a.txt" and not (corpus / "sport" / "a.txt").exists()
    restore("sport/a", corpus, data)  # by its id, too
    assert (corpus / "sport" / "a.txt").read_text() == "Title A\n\nBody."


def test_a_symbolic_link_loop_is_refused_with_a_reason(dirs):
    import os

    corpus, data = dirs
    os.symlink("loop.txt", corpus / "loop.txt")
    with pytest.raises(TrashError, match="loop"):
        move_to_trash("loop.txt", corpus, data)
