"""Load articles (.txt, .md, .html, .pdf) from a corpus folder.

A file that cannot be read is reported with its reason and skipped; every other
article is still loaded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from qa.text.boilerplate import blank_boilerplate

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
MAX_TITLE_CHARS = 200  # a headline; a longer "title" is a first paragraph without a heading


class ArticleError(Exception):
    """An article file that cannot be turned into text."""


@dataclass(frozen=True)
class Article:
    """One article: ``id`` is its path relative to the corpus, without the suffix."""

    id: str
    title: str
    text: str
    path: str = ""
    published: str = ""  # ISO date (YYYY-MM-DD) when known
    url: str = ""
    author: str = ""
    source: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass
class LoadResult:
    articles: list[Article] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # skipped files: {"file", "error"}
    warnings: list[dict] = field(default_factory=list)  # loaded, with a caveat


def article_id(path: Path, root: Path) -> str:
    """``sport/014`` for ``root/sport/014.txt``."""
    return path.relative_to(root).with_suffix("").as_posix()


def iter_article_files(root: Path) -> list[Path]:
    """Supported files under ``root``, sorted, hidden files and folders left out."""
    files = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            files.append(path)
    return sorted(files)


def load_corpus(root: Path) -> LoadResult:
    """Load every supported article under ``root``; bad files go to ``errors``."""
    root = Path(root)
    result = LoadResult()
    if not root.is_dir():
        result.errors.append({"file": str(root), "error": "corpus folder does not exist"})
        return result
    seen: dict[str, str] = {}
    for path in iter_article_files(root):
        rel = path.relative_to(root).as_posix()
        aid = article_id(path, root)
        if aid in seen:
            result.errors.append(
                {"file": rel, "error": f"same article id {aid!r} as {seen[aid]}; skipped"}
            )
            continue
        try:
            article, warning = load_article(path, aid)
        except ArticleError as exc:
            result.errors.append({"file": rel, "error": str(exc)})
            continue
        if warning:
            result.warnings.append({"file": rel, "warning": warning})
        seen[aid] = rel
        result.articles.append(article)
    return result


def load_article(path: Path, aid: str) -> tuple[Article, str]:
    """Read one file into an Article; returns (article, warning or "")."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"cannot read file: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise ArticleError("empty file")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _load_pdf(raw, aid, path), ""
    if b"\x00" in raw[:8192]:
        raise ArticleError("binary file, not text")
    text, warning = _decode(raw)
    if suffix in (".html", ".htm"):
        return _load_html(text, aid, path), warning
    return _load_text(text, aid, path), warning


def _decode(raw: bytes) -> tuple[str, str]:
    try:
        text = raw.decode("utf-8-sig")
        warning = ""
    except UnicodeDecodeError as exc:
        # Real corpora hold the odd Windows-1252 file: read it that way and say so.
        text = raw.decode("cp1252", errors="replace")
        warning = f"not valid UTF-8 (byte {exc.start}); read as Windows-1252"
    return text.replace("\r\n", "\n").replace("\r", "\n"), warning


def cap_title(title: str, limit: int = MAX_TITLE_CHARS) -> str:
    """``title``, cut between words to at most ``limit`` characters (then on one line)."""
    if len(title) <= limit:
        return title
    title = " ".join(title.split())
    cut = title[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()
    return ""


def _iso_date(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value in (None, ""):
        return ""
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return text


def _split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---", 4)
    if end == -1:
        return {}, text
    after = text.find("\n", end + 4)
    body = "" if after == -1 else text[after + 1 :]
    try:
        meta = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError as exc:
        raise ArticleError(f"bad YAML front matter: {exc.__class__.__name__}") from exc
    if not isinstance(meta, dict):
        raise ArticleError("front matter is not a mapping")
    return meta, body


def _load_text(text: str, aid: str, path: Path) -> Article:
    meta, body = _split_front_matter(text)
    if not body.strip():
        raise ArticleError("no text after the front matter")
    title = str(meta.get("title") or _first_line(body))
    return Article(
        id=aid,
        title=cap_title(title),
        text=blank_boilerplate(body, keep_first_line=not meta.get("title")),
        path=str(path),
        published=_iso_date(meta.get("published") or meta.get("date")),
        url=str(meta.get("url") or ""),
        author=str(meta.get("author") or ""),
        source=str(meta.get("source") or ""),
    )


def _load_html(html: str, aid: str, path: Path) -> Article:
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    except Exception as exc:  # trafilatura raises a variety of parser errors
        raise ArticleError(f"unparseable HTML: {exc}") from exc
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not text:
        raise ArticleError("no article text found in the HTML")
    title = getattr(doc, "title", None) or _first_line(text)
    return Article(
        id=aid,
        title=cap_title(str(title)),
        text=blank_boilerplate(text),
        path=str(path),
        published=_iso_date(getattr(doc, "date", None)),
        url=str(getattr(doc, "url", None) or ""),
        author=str(getattr(doc, "author", None) or ""),
        source=str(getattr(doc, "sitename", None) or ""),
    )


def _load_pdf(raw: bytes, aid: str, path: Path) -> Article:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata or {}
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ArticleError(f"unreadable PDF: {exc}") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise ArticleError("PDF has no extractable text (scanned image?)")
    title = str(getattr(meta, "title", None) or "")
    text = blank_boilerplate(text, keep_first_line=not title)
    return Article(id=aid, title=cap_title(title or _first_line(text)), text=text, path=str(path))
