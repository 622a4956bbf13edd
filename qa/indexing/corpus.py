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
MAX_ARTICLE_MB = 10.0  # Settings.max_article_mb: a bigger file is refused, not indexed
MIN_LETTER_SHARE = 0.5  # text whose characters are mostly not letters is not an article
PDF_SECONDS = 60  # a PDF whose text takes longer to extract is skipped (a bomb, say)


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
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        # A link that leads nowhere (a loop, a missing target) is listed: reading it
        # fails, and the sync reports why instead of skipping it without a word.
        if path.is_file() or (path.is_symlink() and not path.exists()):
            files.append(path)
    return sorted(files)


def load_corpus(root: Path, max_mb: float = MAX_ARTICLE_MB) -> LoadResult:
    """Load every supported article under ``root``; bad files (too big, unreadable, not
    text) go to ``errors``, caveats (an invalid date) to ``warnings``."""
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
            article, warning = load_article(path, aid, max_mb)
        except ArticleError as exc:
            result.errors.append({"file": rel, "error": str(exc)})
            continue
        except Exception as exc:  # one file a parser trips on never stops the others
            result.errors.append({"file": rel, "error": f"cannot read: {_one_line(exc)}"})
            continue
        if warning:
            result.warnings.append({"file": rel, "warning": warning})
        seen[aid] = rel
        result.articles.append(article)
    return result


def load_article(path: Path, aid: str, max_mb: float = MAX_ARTICLE_MB) -> tuple[Article, str]:
    """Read one file into an Article; returns (article, warning or "")."""
    try:
        size = path.stat().st_size
        if max_mb > 0 and size > max_mb * 1024 * 1024:
            raise ArticleError(
                f"file too big: {size / 1024 / 1024:.1f} MB, over the {max_mb:g} MB limit "
                "(QA_MAX_ARTICLE_MB)"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"cannot read file: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise ArticleError("empty file")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        limit = int(max_mb * 1024 * 1024) if max_mb > 0 else 1 << 62
        return _load_pdf(raw, aid, path, limit), ""
    if b"\x00" in raw[:8192]:
        raise ArticleError("binary file, not text")
    text, warning = _decode(raw)
    _check_letters(text, ascii_only=bool(warning))
    if suffix in (".html", ".htm"):
        return _load_html(text, aid, path), warning
    article, date_warning = _load_text(text, aid, path)
    return article, "; ".join(w for w in (warning, date_warning) if w)


def _check_letters(text: str, ascii_only: bool) -> None:
    """Refuse text whose characters are mostly not letters (random bytes, a data dump).
    Text read as Windows-1252 counts ASCII letters only (its accented letters are also
    what random bytes turn into)."""
    sample = "".join(text[:20000].split())
    if not sample:
        return
    letters = sum(1 for c in sample if c.isalnum() and (c.isascii() or not ascii_only))
    share = letters / len(sample)
    if share < MIN_LETTER_SHARE:
        raise ArticleError(f"not text: only {share:.0%} of its characters are letters or digits")


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
        return ""  # not a date: no date (load_article warns)


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


def _load_text(text: str, aid: str, path: Path) -> tuple[Article, str]:
    meta, body = _split_front_matter(text)
    if not body.strip():
        raise ArticleError("no text after the front matter")
    title = str(meta.get("title") or _first_line(body))
    given = meta.get("published") or meta.get("date")
    published = _iso_date(given)
    warning = (
        f"published date {str(given)[:40]!r} is not a date (YYYY-MM-DD); read as no date"
        if given not in (None, "") and not published
        else ""
    )
    article = Article(
        id=aid,
        title=cap_title(title),
        text=blank_boilerplate(body, keep_first_line=not meta.get("title")),
        path=str(path),
        published=published,
        url=str(meta.get("url") or ""),
        author=str(meta.get("author") or ""),
        source=str(meta.get("source") or ""),
    )
    return article, warning


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


def _one_line(exc: BaseException) -> str:
    """``exc`` as one short line, its class named when it says little."""
    text = " ".join(str(exc).split())[:300]
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def _load_pdf(raw: bytes, aid: str, path: Path, max_chars: int) -> Article:
    import io
    import time

    from pypdf import PdfReader

    started, pages, size = time.monotonic(), [], 0
    try:
        reader = PdfReader(io.BytesIO(raw))
        for page in reader.pages:  # a page at a time: a bomb is stopped between pages
            pages.append(page.extract_text() or "")
            size += len(pages[-1])
            if size > max_chars:
                raise ArticleError(f"PDF text over {max_chars:,} characters (QA_MAX_ARTICLE_MB)")
            if time.monotonic() - started > PDF_SECONDS:
                raise ArticleError(f"PDF text takes over {PDF_SECONDS} s to extract; skipped")
        meta = reader.metadata or {}
    except ArticleError:
        raise
    except Exception as exc:  # pypdf raises many kinds on damaged files (issue 36)
        raise ArticleError(f"unreadable PDF: {_one_line(exc)}") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise ArticleError("PDF has no extractable text (scanned image?)")
    title = str(getattr(meta, "title", None) or "")
    text = blank_boilerplate(text, keep_first_line=not title)
    return Article(id=aid, title=cap_title(title or _first_line(text)), text=text, path=str(path))
