"""The Markdown downloads of saved conversations: where their files live, who may fetch
them, and when they go.

Each app process writes its exports under ``<temp>/qa-exports-<pid>/<conversation>/``;
the folder goes at exit, and a start removes those that stopped processes left behind.
Gradio serves a download from its own cache (a copy under a folder named by the file's
hash): deleting a conversation deletes its files and those copies, and
:class:`ExportAccessMiddleware` serves a copy only to the user whose conversation it is.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import unquote

PREFIX = "qa-exports-"
_FOLDERS: list[Path] = []  # this process's export folders, for a stop that cannot wait


def remove_export_folders() -> None:
    """Remove this process's export folders now (a stop that exits without atexit)."""
    for folder in _FOLDERS:
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


class ExportFiles:
    """This process's export folder, and the cached copies Gradio made of its files."""

    def __init__(self, root: Path | None = None):
        root = Path(root or tempfile.gettempdir())
        for old in root.glob(f"{PREFIX}*"):  # left behind by a process that is gone
            pid = old.name.removeprefix(PREFIX)
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                shutil.rmtree(old, ignore_errors=True)
        self.folder = root / f"{PREFIX}{os.getpid()}"
        self.folder.mkdir(exist_ok=True)
        atexit.register(shutil.rmtree, self.folder, True)
        _FOLDERS.append(self.folder)
        self.copies: dict[str, set[Path]] = {}  # conversation id -> Gradio's copies
        self.owners: dict[str, str] = {}  # a copy's folder name (its hash) -> user

    def write(self, conversation_id: str, user: str, name: str, text: str) -> Path:
        """Write the conversation's export (replacing the earlier one); its path."""
        folder = self.folder / conversation_id
        shutil.rmtree(folder, ignore_errors=True)  # the title, so the name, may change
        folder.mkdir()
        path = folder / name
        path.write_text(text, encoding="utf-8")
        copy = _gradio_copy(path)  # where Gradio will serve it from
        self.copies.setdefault(conversation_id, set()).add(copy)
        self.owners[copy.name] = user
        return path

    def delete(self, conversation_id: str) -> None:
        """The conversation's export and every copy Gradio made of it."""
        shutil.rmtree(self.folder / conversation_id, ignore_errors=True)
        for copy in self.copies.pop(conversation_id, set()):
            shutil.rmtree(copy, ignore_errors=True)
            self.owners.pop(copy.name, None)

    def owner_of(self, served_path: str) -> str | None:
        """The user a file Gradio serves belongs to, if it is an export."""
        return self.owners.get(Path(served_path).parent.name)

    def owners_in(self, request_path: str) -> set[str]:
        """The owners of the exports any part of ``request_path`` names (fully decoded):
        Gradio serves a file under several routes (``/file=``, ``/file/``, encoded)."""
        for _ in range(5):  # %252F -> %2F -> /
            decoded = unquote(request_path)
            if decoded == request_path:
                break
            request_path = decoded
        parts = request_path.replace("\\", "/").split("/")
        return {self.owners[part] for part in parts if part in self.owners}


def _gradio_copy(path: Path) -> Path:
    from gradio.processing_utils import hash_file
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()) / hash_file(path)


class ExportAccessMiddleware:
    """Gradio's file routes serve an export only to its owner (under ``QA_AUTH``): any
    request whose path names another user's export gets 404, whatever the route."""

    def __init__(self, app, exports: ExportFiles):
        self.app = app
        self.exports = exports

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            raw = scope.get("raw_path") or b""
            path = f"{scope.get('path', '')}/{raw.decode('latin-1')}"
            owners = self.exports.owners_in(path)
            if owners and owners != {_user(scope)}:
                await _not_found(send)
                return
        await self.app(scope, receive, send)


def _user(scope) -> str | None:
    """The logged-in user of a request to the Gradio app (its session cookie)."""
    app = scope.get("app")
    cookie_id, tokens = getattr(app, "cookie_id", None), getattr(app, "tokens", None) or {}
    raw = b"; ".join(v for k, v in scope.get("headers", []) if k.lower() == b"cookie")
    jar = SimpleCookie()
    try:
        jar.load(raw.decode("latin-1"))
    except Exception:  # a malformed cookie header: nobody
        return None
    for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
        if name in jar and jar[name].value in tokens:
            return tokens[jar[name].value]
    return None


async def _not_found(send) -> None:
    body = b'{"detail": "Not Found"}'
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
