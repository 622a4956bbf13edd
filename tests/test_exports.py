"""The Markdown downloads of saved conversations (issue 20, item 5): deleted with their
conversation (Gradio's served copy too), served to their owner only, and no folder left
behind by a stopped app."""

import os
import subprocess
import sys

from qa.app.web.exports import PREFIX, ExportFiles


def test_an_export_goes_with_its_conversation_and_old_folders_are_cleaned(tmp_path, monkeypatch):
    from gradio.processing_utils import save_file_to_cache
    from gradio.utils import get_upload_folder

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio-cache"))
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (tmp_path / f"{PREFIX}{gone}" / "c1").mkdir(parents=True)  # a stopped app's folder
    (tmp_path / f"{PREFIX}{os.getppid()}").mkdir()  # a running one's: kept
    exports = ExportFiles(tmp_path)
    assert not (tmp_path / f"{PREFIX}{gone}").exists()
    assert (tmp_path / f"{PREFIX}{os.getppid()}").exists()

    path = exports.write("c1", "alice", "question.md", "# Question\n")
    served = save_file_to_cache(path, get_upload_folder())  # what Gradio serves
    assert exports.owner_of(served) == "alice"
    assert exports.owner_of(str(tmp_path / "other" / "x.md")) is None
    exports.write("c2", "bob", "other.md", "# Other\n")

    exports.delete("c1")
    assert not path.exists() and not os.path.exists(served)
    assert exports.owner_of(served) is None
    assert (exports.folder / "c2" / "other.md").exists()  # another conversation's stays


def test_the_export_folder_goes_when_the_app_process_exits(tmp_path):
    code = (
        "import sys; from qa.app.web.exports import ExportFiles; "
        f"e = ExportFiles({str(tmp_path)!r}); e.write('c', '', 'a.md', 'x'); print(e.folder)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=os.getcwd(),
        env={**os.environ, "PYTHONPATH": str(__import__("conftest").ROOT)},
    ).stdout.strip()
    assert out.startswith(str(tmp_path / PREFIX))
    assert not os.path.exists(out) and list(tmp_path.glob(f"{PREFIX}*")) == []
