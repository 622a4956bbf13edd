"""The Articles tab: the list of indexed articles, uploads, re-sync, and removal that can
be undone (confirm, trash, restore). ``ArticleFiles`` is shared with the /remove and
/restore API routes so both behave the same."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from qa.answering.service import Assistant
from qa.app.articles.article_view import OPEN_ARTICLE_JS, load_indexed_article, reader_html
from qa.app.articles.listing import (
    ALL_CATEGORIES,
    HEADERS,
    article_rows,
    categories,
    count_text,
    counted,
    filter_rows,
    indexed_text,
    page_of,
    undated_note,
)
from qa.app.articles.trash import TrashError, TrashItem, list_trash, move_to_trash, restore
from qa.app.articles.uploads import UploadError, discard_upload, save_upload
from qa.app.articles.viewer import close_gone
from qa.indexing.errors import IndexUnavailable
from qa.text.markdown import escape_markdown_html
from qa.text.paths import error_text
from qa.text.terms import terms

ALL_ARTICLES = "(all articles)"


def articles_table(assistant: Assistant) -> list[list]:
    """[id, title, published, chunks, file] per indexed article."""
    return [
        [aid, m.get("title", ""), m.get("published", ""), m.get("chunks", 0), m.get("path", "")]
        for aid, m in sorted(assistant.articles().items())
    ]


@dataclass
class SharedFilter:
    """The category and date filter above the tabs: the chat and the list both use it."""

    category: gr.Dropdown
    date_from: gr.Textbox
    date_to: gr.Textbox

    @property
    def inputs(self) -> list:
        return [self.category, self.date_from, self.date_to]


def build_shared_filter(assistant: Assistant) -> SharedFilter:
    rows = article_rows(assistant.articles())
    # One compact line (the first screen is short): the dropdown shows its value, the
    # date boxes say what they take.
    compact = {"show_label": False, "container": False, "max_lines": 1}
    with gr.Row(equal_height=True, elem_id="qa-filter"):
        category = gr.Dropdown(
            categories(rows),
            value=ALL_CATEGORIES,
            label="Category",
            show_label=False,
            container=False,
            elem_id="qa-category",
        )
        date_from = gr.Textbox(
            label="Published from",
            placeholder="Published from (YYYY-MM-DD)",
            elem_id="qa-from",
            **compact,
        )
        date_to = gr.Textbox(
            label="Published to",
            placeholder="Published to (YYYY-MM-DD)",
            elem_id="qa-to",
            **compact,
        )
    return SharedFilter(category, date_from, date_to)


class ArticleFiles:
    """Remove (to the trash) and restore article files, then sync the index."""

    def __init__(self, assistant: Assistant, run_sync: Callable[..., dict]):
        self.assistant = assistant
        self.run_sync = run_sync

    @property
    def _dirs(self) -> tuple[Path, Path]:
        s = self.assistant.settings
        return s.corpus_dir, s.data_dir

    def title_of(self, relative_path: str) -> str:
        for meta in self.assistant.articles().values():
            if meta.get("path") == relative_path:
                return meta.get("title", "")
        return ""

    def remove(self, key: str, progress=None) -> tuple[TrashItem, dict]:
        """Move the article (its id, as citations name it, or its file) to the trash
        and sync; raises TrashError."""
        corpus, data = self._dirs
        indexed = self.assistant.articles().get((key or "").strip(), {})
        relative_path = indexed.get("path") or key
        item = move_to_trash(relative_path, corpus, data, self.title_of(relative_path))
        return item, self.run_sync(progress)

    def restore(self, key: str, progress=None) -> tuple[TrashItem, dict]:
        """Put a trashed article back (by trash id, article id or path) and sync; raises
        TrashError."""
        corpus, data = self._dirs
        item = restore(key, corpus, data)
        return item, self.run_sync(progress)

    def trash_choices(self) -> list[tuple[str, str]]:
        return [(item.label, item.id) for item in list_trash(self._dirs[1])]


def build_articles_tab(
    assistant: Assistant, files_ops: ArticleFiles, article_filter, shared: SharedFilter
):
    """The tab's components and events (call inside ``gr.Blocks``); returns a function
    giving the values that show the index as it is now (with a status message), the
    components they go to, the pickers whose values it can keep, and the first render."""
    rows = articles_table(assistant)
    with gr.Tab("Articles", elem_id="qa-articles-tab"):
        with gr.Row(equal_height=True):
            search = gr.Textbox(
                placeholder="Search titles and text…",
                show_label=False,
                max_lines=1,
                scale=3,
                elem_id="qa-article-search",
            )
            prev_btn = gr.Button("‹ Previous", size="sm", scale=0, elem_id="qa-prev")
            next_btn = gr.Button("Next ›", size="sm", scale=0, elem_id="qa-next")
        count = gr.Markdown(elem_id="qa-article-count")
        opened = gr.State("")  # the id of the article in the view below
        with gr.Group(visible=False, elem_id="qa-article-box") as reader_box:
            reader = gr.HTML(elem_id="qa-article-reader")
            close_reader = gr.Button("Close the article", size="sm", elem_id="qa-article-close")
        table = gr.Dataframe(
            headers=HEADERS,
            interactive=False,
            elem_id="qa-articles",
            max_height=520,
        )
        page = gr.State(1)
        version = gr.Number(0, visible=False)  # bumped after a change: the list re-renders
        with gr.Row():
            files = gr.File(
                label="Add articles (.txt, .md, .html, .pdf); they are saved in the corpus folder",
                file_count="multiple",
                elem_id="qa-upload",
            )
            with gr.Column():
                remove_choice = gr.Dropdown(
                    _remove_choices(rows),
                    value=None,
                    label="Remove an article",
                    elem_id="qa-remove",
                )
                remove_btn = gr.Button("Remove…", variant="stop", elem_id="qa-remove-btn")
                with gr.Group(visible=False, elem_id="qa-confirm-remove") as confirm:
                    confirm_text = gr.Markdown(elem_id="qa-confirm-text")
                    with gr.Row():
                        yes = gr.Button("Move to trash", variant="stop", elem_id="qa-confirm-yes")
                        no = gr.Button("Cancel", elem_id="qa-confirm-no")
                restore_choice = gr.Dropdown(
                    files_ops.trash_choices(),
                    value=None,
                    label="Trash: restore an article",
                    elem_id="qa-trash",
                )
                restore_btn = gr.Button("Restore", elem_id="qa-restore-btn")
                resync_btn = gr.Button("Re-sync corpus folder", elem_id="qa-resync")
        status = gr.Textbox(label="Status", interactive=False, elem_id="qa-status")

    def after_change(message: str, picked: tuple | None = None):
        """The lists as the index is now. After the tab's own change the picks are
        cleared; a refresh after some other sync passes what is ``picked`` (remove, only
        this article, trash) and keeps each pick still on offer, and an open
        confirmation, so a sync ending elsewhere does not undo what the user chose."""
        rows = articles_table(assistant)
        remove, only, trashed = picked or (None, ALL_ARTICLES, None)
        remove_choices = _remove_choices(rows)
        article_choices = [ALL_ARTICLES] + [r[0] for r in rows]
        trash_choices = files_ops.trash_choices()
        return (
            message,
            time.time(),
            gr.update(choices=remove_choices, value=_kept(remove, remove_choices, None)),
            gr.update(choices=article_choices, value=_kept(only, article_choices, ALL_ARTICLES)),
            gr.update(choices=trash_choices, value=_kept(trashed, trash_choices, None)),
            gr.update(visible=False) if picked is None else gr.skip(),
            gr.update(choices=categories(article_rows(assistant.articles()))),
        )

    def render(query, category, date_from, date_to, number):
        rows = article_rows(assistant.articles())
        mentions = mentioning(assistant, query)
        found = filter_rows(rows, query, category, date_from, date_to, mentions)
        shown, number, pages = page_of(found, number)
        undated = filter_rows(rows, query, category, mentions=mentions)  # dates aside
        note = undated_note(undated, date_from, date_to)
        text = count_text(shown, len(found), len(rows), number, pages, note)
        return [r.cells() for r in shown], text, number

    def open_article(selected: gr.SelectData):
        """A click on a row opens its article, as a source card does."""
        cells = selected.row_value or []
        aid = str(cells[HEADERS.index("id")]) if len(cells) == len(HEADERS) else ""
        article = load_indexed_article(assistant.settings.corpus_dir, assistant.articles(), aid)
        return reader_html(article), gr.update(visible=bool(aid)), aid

    def upload(uploaded, progress=gr.Progress()):
        if not uploaded:
            return (*after_change("Choose a file first."), None)
        saved, problems = [], []
        for f in uploaded if isinstance(uploaded, list) else [uploaded]:
            path = Path(getattr(f, "name", f))
            try:
                saved.append(
                    save_upload(
                        path,
                        getattr(f, "orig_name", None) or path.name,
                        assistant.settings.corpus_dir,
                        assistant.settings.max_upload_mb,
                    ).name
                )
            except (UploadError, OSError) as exc:
                problems.append(error_text(exc))
            finally:
                discard_upload(path)  # Gradio's temporary copy would only fill the disk
        summary = files_ops.run_sync(progress) if saved else None
        lines = [f"Added {', '.join(saved)} to the corpus folder." if saved else "Nothing added."]
        lines += problems
        if summary and "error" in summary:
            lines.append(f"Not indexed yet: {summary['error']}")
        elif summary:
            lines += [f"Skipped {e['file']}: {e['error']}" for e in summary["errors"]]
            lines.append(
                f"{counted(summary['chunks_embedded'], 'chunk')} embedded; "
                f"{indexed_text(summary['articles_total'])}."
            )
        return (*after_change("\n".join(lines)), None)  # and empty the file picker

    def ask_confirm(relative_path):
        if not relative_path:
            return gr.update(visible=False), "", "Choose an article to remove first."
        title = files_ops.title_of(relative_path) or relative_path
        text = (
            f"Move **{_md(title)}** ({_md(relative_path)}) to the trash? "
            "It leaves the index; you can restore it from the trash below."
        )
        return gr.update(visible=True), text, ""

    def move_confirmed(relative_path, progress=gr.Progress()):
        try:
            item, summary = files_ops.remove(relative_path, progress)
        except TrashError as exc:
            return after_change(error_text(exc))
        if "error" in summary:
            return after_change(f"Moved {item.path} to the trash; not synced: {summary['error']}")
        return after_change(
            f"Moved {item.path} to the trash; {indexed_text(summary['articles_total'])}. "
            "Restore it from the trash list."
        )

    def put_back(key, progress=gr.Progress()):
        try:
            item, summary = files_ops.restore(key, progress)
        except TrashError as exc:
            return after_change(error_text(exc))
        if "error" in summary:
            return after_change(f"Restored {item.path}; not synced: {summary['error']}")
        return after_change(f"Restored {item.path}; {indexed_text(summary['articles_total'])}.")

    def resync(progress=gr.Progress()):
        s = files_ops.run_sync(progress)
        if "error" in s:
            return after_change(f"Not synced: {s['error']}")
        return after_change(
            f"Synced: {s['added']} added, {s['updated']} updated, {s['deleted']} deleted, "
            f"{s['unchanged']} unchanged; {counted(s['chunks_embedded'], 'chunk')} embedded in "
            f"{s['seconds']} s."
        )

    changed = [status, version, remove_choice, article_filter, restore_choice, confirm]
    changed.append(shared.category)
    private = {"api_visibility": "private"}
    view = [search, *shared.inputs]
    shown = [table, count, page]
    for box in view:  # a new search or filter starts at page 1
        box.change(lambda *a: render(*a, 1), view, shown, **private)
    version.change(render, [*view, page], shown, **private)
    prev_btn.click(lambda *a: render(*a[:-1], a[-1] - 1), [*view, page], shown, **private)
    next_btn.click(lambda *a: render(*a[:-1], a[-1] + 1), [*view, page], shown, **private)
    viewer = [reader_box, opened]
    table.select(open_article, None, [reader, *viewer], **private).then(None, js=OPEN_ARTICLE_JS)
    close_reader.click(lambda: (gr.update(visible=False), ""), None, viewer, **private)
    demo_load = render  # the first render happens on page load (see web.py)
    one_sync = {**private, "concurrency_limit": 1, "concurrency_id": "sync"}  # questions: many
    remove_btn.click(ask_confirm, [remove_choice], [confirm, confirm_text, status], **private)
    remove_choice.change(lambda: gr.update(visible=False), None, [confirm], **private)
    no.click(lambda: gr.update(visible=False), None, [confirm], **private)
    for event in (
        files.upload(upload, [files], [*changed, files], **one_sync),
        yes.click(move_confirmed, [remove_choice], changed, **one_sync),
        restore_btn.click(put_back, [restore_choice], changed, **one_sync),
        resync_btn.click(resync, None, changed, **one_sync),
    ):  # an article removed (or gone from the folder) is no longer shown open
        event.then(lambda aid: close_gone(assistant, aid), [opened], viewer, **private)
    picks = [remove_choice, article_filter, restore_choice]  # what after_change keeps
    return after_change, changed, picks, (demo_load, [*view, page], shown), viewer


def mentioning(assistant: Assistant, query: str) -> set[str] | None:
    """The ids of the articles whose text holds every word of ``query`` (None for a
    query of stopwords only, or when the index cannot say)."""
    stemmed = terms(query or "")
    if not stemmed:
        return None
    try:
        return assistant.retriever.index.articles_with(stemmed)
    except (IndexUnavailable, OSError, ValueError):
        return None


def _kept(value, choices: list, default):
    """``value`` if it is still among ``choices`` (values, or (label, value) pairs)."""
    offered = [c[1] if isinstance(c, tuple) else c for c in choices]
    return value if value is not None and value in offered else default


def _remove_choices(rows: list[list]) -> list[tuple[str, str]]:
    return [(f"{r[1] or r[0]} ({r[4]})", r[4]) for r in rows]


def _md(text: str) -> str:
    """Article text inside Markdown: escaped, so a title cannot inject markup."""
    return escape_markdown_html(text)
