"""The Gradio chat: streaming answers with sources, saved conversations, feedback,
an Articles tab, the HTTP API, and the OpenAI-compatible API on the same port.

All answering goes through the one Assistant; this module only wires it to the page.
"""

from __future__ import annotations

import gradio as gr
from starlette.middleware import Middleware

from qa.answering.llm.backends import LLMUnavailable
from qa.answering.question.check import check_dates, check_k
from qa.answering.retrieval.hybrid import Filters
from qa.answering.service import Assistant, QuestionError
from qa.app.access.auth import parse_accounts
from qa.app.access.origin import CrossSiteRequestMiddleware
from qa.app.access.throttle import LoginThrottle, LoginThrottleMiddleware, trust_forwarded_for
from qa.app.api.openai_api import openai_router
from qa.app.articles.article_view import READER_CSS, SCROLL_JS, SOURCES_JS
from qa.app.articles.listing import article_rows, in_scope, retrieval_filters
from qa.app.articles.tab import (
    ALL_ARTICLES,
    ArticleFiles,
    articles_table,
    build_articles_tab,
    build_shared_filter,
)
from qa.app.articles.trash import TrashError
from qa.app.articles.viewer import card_article, close_gone
from qa.app.web.chat_layout import MEMORY_CSS, build_feedback, build_follow_ups, build_sidebar
from qa.app.web.chat_ui import ChatMemory, chat_history, shown, user_markdown, user_of
from qa.app.web.errors import reason, with_readable_errors
from qa.app.web.exports import ExportAccessMiddleware
from qa.app.web.headers import SecurityHeadersMiddleware
from qa.app.web.page import (
    CSS,
    DELETED_MEANWHILE,
    api_history,
    chat_markdown,
    error_html,
    note_html,
    notice_html,
    sources_html,
)
from qa.app.web.scope import PageScope, filter_note
from qa.app.web.startup import BackgroundSync
from qa.indexing.errors import IndexUnavailable
from qa.indexing.sync import SyncBusyError
from qa.text.markdown import escape_markdown_html as md
from qa.text.paths import error_text
from qa.types import Answer

MAX_EXAMPLES = 4
# What the chat leaves for the rest of the first screen: header, filter, tabs, question
# row, examples (measured at 1366x768 in tests/test_first_screen_web.py).
CHAT_HEIGHT = "calc(100vh - 390px)"
# Once a conversation is in view the examples make way (the follow-ups, under the
# question box, take their place) and the chat takes their room: an overview is read
# without scrolling inside a strip. Gradio sets the height inline, hence !important.
CHAT_CSS = """
#qa-chat-col { gap: 8px; }
#qa-chat-col:has(#qa-chat [data-testid='bot']) #qa-chat {
  height: calc(100vh - 250px) !important; }
#qa-chat-col:has(#qa-chat [data-testid='bot']) #qa-examples { display: none !important; }
"""


def build_ui(assistant: Assistant, background: BackgroundSync | None = None) -> gr.Blocks:
    background = background or BackgroundSync(assistant)  # one sync at a time, with progress
    memory = ChatMemory(assistant)
    scope = PageScope(assistant, background, MAX_EXAMPLES)  # header count, examples

    def respond(
        question,
        history,
        k,
        article,
        conversation_id,
        query,
        category,
        date_from,
        date_to,
        request: gr.Request,
    ):
        user = user_of(request)
        history = list(history or [])
        # conversation id, sidebar list and its note, download, follow-ups: kept till the end
        keep = (gr.skip(),) * 5
        try:
            question = assistant.check_question(question)
        except QuestionError as exc:  # the visible answer keeps its sources
            yield history, gr.skip(), gr.skip(), *keep, shown(notice_html(error_text(exc)))
            return
        chosen = article if article and article != ALL_ARTICLES else ""
        rows = article_rows(assistant.articles())
        filters = retrieval_filters(rows, chosen, category, date_from, date_to)
        in_category = len(in_scope(rows, category))
        why = filter_note(len(rows), in_category, chosen, category, date_from, date_to)
        engine_history = chat_history(history)
        history = [
            *history,
            {"role": "user", "content": user_markdown(question)},
            {"role": "assistant", "content": "…"},
        ]
        turn = len(history) - 1  # the answer's position: its [n] links and cards use it
        hide = gr.update(visible=False)
        yield history, sources_html(None), "", *keep[:4], hide, shown("")
        text, answer = "", None
        try:
            for piece in assistant.stream(question, engine_history, int(k), filters):
                if isinstance(piece, Answer):
                    answer = piece
                    if piece.abstained and why and why not in piece.notes:
                        piece.notes.append(why)  # the filter the user set may be why
                    history[-1] = {"role": "assistant", "content": chat_markdown(piece, turn)}
                    note = background.status.answer_note()  # answered mid-sync: say so
                    yield history, sources_html(piece, turn), "", *keep, shown(note_html(note))
                else:
                    text += piece
                    history[-1] = {"role": "assistant", "content": md(text)}  # as typed
                    yield history, sources_html(None), "", *keep, gr.skip()
        except (LLMUnavailable, QuestionError, IndexUnavailable, OSError) as exc:
            history[-1] = {"role": "assistant", "content": f"⚠️ {md(error_text(exc))}"}
            yield history, error_html(error_text(exc)), "", *keep, gr.skip()
        conversation_id, position = memory.save_turn(  # errors too; follow-ups: next step
            user, conversation_id, question, answer, history[-1]["content"]
        )
        conversation = memory.conversations.get(conversation_id, user)
        done = (conversation_id, *memory.listing(user, query, conversation_id))
        gone = shown(note_html(DELETED_MEANWHILE)) if position < 0 else gr.skip()
        yield history, gr.skip(), "", *done, memory.download(conversation), hide, gone

    def open_reader(evt: gr.EventData):
        return card_article(assistant, getattr(evt, "_data", None) or {})

    def run_sync(progress=None) -> dict:
        """The sync summary, or {"error": message} when the index cannot be synced."""
        report = None if progress is None else lambda done, total: progress(done / max(total, 1))
        try:
            return background.run(report).to_dict()
        except (IndexUnavailable, SyncBusyError, OSError) as exc:  # OSError: a full disk
            return {"error": reason(exc) if isinstance(exc, OSError) else error_text(exc)}

    def sync_banner(seen: str, category: str, chat_open: str, tab_open: str, *picked):
        """The sync's progress at the top of the page, and the header counting as it
        does; once it ends: the articles lists, the header, the examples (a page opened
        during the sync had none), and an open article closed if it was removed."""
        status = background.status
        text = status.banner()
        banner = gr.update(value=text, visible=bool(text))
        rest = [gr.skip()] * (len(refresh_outputs) + 1 + MAX_EXAMPLES + 4)
        if status.running:
            return banner, seen, scope.header(), *rest
        if status.finished == seen:
            return banner, seen, gr.skip(), *rest
        # The lists follow the index; the status line is left to the Articles tab's own
        # messages ("Moved … to the trash" must not be replaced by this refresh).
        _, *lists = refresh_articles("", picked)  # the user's picks stay
        examples = scope.example_updates(category)
        closed = close_gone(assistant, chat_open, tab_open)
        return (
            banner,
            status.finished,
            scope.header(category),
            gr.skip(),
            *lists,
            *examples,
            *closed,
        )

    def api_ask(
        question: str,
        k: int = 0,
        article: str = "",
        history: list[dict] | None = None,
        date_from: str = "",
        date_to: str = "",
    ) -> dict:
        """Answer a question; returns the answer object (same as `qa ask --json`).
        ``history``: the conversation so far, as [{"role": "user"|"assistant", "content"}];
        a follow-up is rewritten from it as in the chat (see standalone_question).
        ``date_from``/``date_to``: only articles published in that range (YYYY-MM-DD)."""
        try:
            date_from, date_to = check_dates(date_from, date_to)
            filters = Filters(
                articles=[article] if article else [], date_from=date_from, date_to=date_to
            )
            turns = api_history(history)
            return assistant.ask(question, turns, k=check_k(k), filters=filters).to_dict()
        except (QuestionError, LLMUnavailable, IndexUnavailable) as exc:
            return {"error": error_text(exc)}

    def api_remove(path: str) -> dict:
        """Move an article to the trash and sync: its id (as citations name it) or its
        file (path relative to the corpus); only article files."""
        try:
            item, summary = files_ops.remove(path)
        except TrashError as exc:
            return {"error": error_text(exc)}
        return {"removed": item.to_api(), "sync": summary}

    def api_restore(key: str) -> dict:
        """Put a trashed article back (its trash id, its article id or its path) and sync."""
        try:
            item, summary = files_ops.restore(key)
        except TrashError as exc:
            return {"error": error_text(exc)}
        return {"restored": item.to_api(), "sync": summary}

    def api_ingest() -> dict:
        """Sync the corpus folder; returns the sync summary (same as `qa ingest --json`),
        or {"error": message}."""
        return run_sync()

    files_ops = ArticleFiles(assistant, run_sync)
    rows = articles_table(assistant)
    # Gradio's own temporary files (anything not discarded above) go after an hour.
    with gr.Blocks(title="News QA", delete_cache=(3600, 3600)) as demo:
        conversation_id = gr.State("")
        sidebar = build_sidebar()
        banner = gr.Markdown(
            background.status.banner(),
            visible=bool(background.status.banner()),
            elem_id="qa-sync-banner",
        )
        gr.HTML(notice_html(memory.notice), visible=bool(memory.notice), elem_id="qa-db-notice")
        seen_sync = gr.State(background.status.finished)
        ticker = gr.Timer(1.0)
        header = gr.Markdown(scope.header(), elem_id="qa-header")
        shared = build_shared_filter(assistant)
        with gr.Tab("Chat"), gr.Row():
            with gr.Column(scale=3, elem_id="qa-chat-col"):
                # Sized to the window: at 1366x768 the question box, Ask and the examples
                # are on the first screen, under the chat (taller once it holds a
                # conversation: CHAT_CSS). No floating label over the scrolled messages.
                chatbot = gr.Chatbot(
                    height=CHAT_HEIGHT,
                    min_height=220,
                    label="Conversation",
                    show_label=False,
                    elem_id="qa-chat",
                    feedback_options=("Like", "Dislike"),
                    buttons=["copy", "copy_all"],
                )
                panel = build_feedback()
                with gr.Row(equal_height=True, elem_id="qa-ask-row"):
                    question = gr.Textbox(
                        placeholder="Ask a question about the articles…",
                        label="Question",
                        show_label=False,
                        container=False,
                        max_lines=4,
                        scale=1,
                        elem_id="qa-question",
                    )
                    ask_btn = gr.Button(
                        "Ask", variant="primary", scale=0, min_width=96, elem_id="qa-ask"
                    )
                notice = gr.HTML("", visible=False, elem_id="qa-notice")
                follow = build_follow_ups()  # where the examples were, once they make way
                with gr.Row(visible=False, elem_id="qa-examples") as examples_row:
                    gr.Markdown("Try:", elem_classes=["qa-try"])
                    example_buttons = [
                        gr.Button("", size="sm", visible=False, elem_classes=["qa-example"])
                        for _ in range(MAX_EXAMPLES)
                    ]
                with gr.Accordion("Options", open=False):
                    k = gr.Slider(
                        1,
                        20,
                        value=assistant.settings.k,
                        step=1,
                        label="Passages to retrieve (k)",
                    )
                    article = gr.Dropdown(
                        [ALL_ARTICLES] + [r[0] for r in rows],
                        value=ALL_ARTICLES,
                        label="Only this article",
                    )
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(sources_html(None), elem_id="qa-sources", js_on_load=SOURCES_JS)
                chat_open = gr.State("")  # the article open below the sources
                with gr.Group(visible=False, elem_id="qa-reader-box") as reader_box:
                    reader = gr.HTML(elem_id="qa-reader")
                    close_reader = gr.Button("Close the article", size="sm", elem_id="qa-close")
        refresh_articles, refresh_outputs, picks, first_render, viewer = build_articles_tab(
            assistant, files_ops, article, shared
        )

        ask_inputs = [question, chatbot, k, article, conversation_id, sidebar.search]
        ask_inputs += shared.inputs
        ask_outputs = [chatbot, sources, question, conversation_id, sidebar.listing]
        ask_outputs += [sidebar.empty, sidebar.download, follow.row, notice]
        # The answer's event ends once it is saved (so the next question is taken at once);
        # the follow-ups are checked in a step of their own.
        for trigger, inputs in [
            (ask_btn.click, ask_inputs),
            (question.submit, ask_inputs),
            *[(b.click, [b, *ask_inputs[1:]]) for b in follow.buttons + example_buttons],
        ]:
            trigger(respond, inputs, ask_outputs, api_visibility="private").then(
                memory.follow_ups, [conversation_id], follow.outputs, api_visibility="private"
            )
        memory.wire(
            demo, sidebar, panel, follow, chatbot, sources, conversation_id, notice, reader_box
        )
        private = {"api_visibility": "private"}
        opened = [reader, reader_box, chat_open]
        sources.click(open_reader, None, opened, **private).then(None, js=SCROLL_JS)
        close_reader.click(lambda: (gr.update(visible=False), ""), None, opened[1:], **private)
        examples = [examples_row, *example_buttons]
        demo.load(scope.header, [shared.category], header, queue=False, **private)
        demo.load(*first_render, **private)
        demo.load(scope.example_updates, [shared.category], examples, **private)
        shared.category.change(  # the count and the examples of the category chosen
            lambda c: (scope.header(c), *scope.example_updates(c)),
            [shared.category],
            [header, *examples],
            **private,
        )
        ticker.tick(
            sync_banner,
            [seen_sync, shared.category, chat_open, viewer[1], *picks],
            [
                banner,
                seen_sync,
                header,
                *refresh_outputs,
                *examples,
                reader_box,
                chat_open,
                *viewer,
            ],
            api_visibility="private",
            concurrency_limit=None,
            show_progress="hidden",
            preprocess=False,  # the picks as sent: a stale one is dropped, never an error
        )
        one_sync = {"concurrency_limit": 1, "concurrency_id": "sync"}  # questions: many
        gr.api(api_ask, api_name="ask")
        gr.api(api_ingest, api_name="ingest", **one_sync)
        gr.api(api_remove, api_name="remove", **one_sync)
        gr.api(api_restore, api_name="restore", **one_sync)
    demo.qa_exports = memory.exports  # launch() serves each export to its owner only
    return demo


# System fonts only: the page is served offline, and a web font that cannot load
# renders some glyphs from another font.
SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial"]
SYSTEM_MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


def theme() -> gr.themes.Base:
    return gr.themes.Default(font=[*SYSTEM_FONTS, "sans-serif"], font_mono=SYSTEM_MONO)


def launch(
    assistant: Assistant,
    host: str,
    port: int,
    block: bool = True,
    background: BackgroundSync | None = None,
):
    """Serve the chat; returns (app, local_url) when ``block`` is False."""
    demo = with_readable_errors(build_ui(assistant, background))  # never {"error": null}
    settings = assistant.settings
    accounts = parse_accounts(settings.auth)  # QA_AUTH: user:pw[,user:pw...]
    auth = list(accounts.items()) or None
    middleware = [Middleware(SecurityHeadersMiddleware), Middleware(CrossSiteRequestMiddleware)]
    trust_forwarded_for(settings.trusted_proxies)  # the throttle counts the peer's address
    if accounts:
        throttle = LoginThrottle(settings.login_max_failures, settings.login_lockout_seconds)
        middleware.append(Middleware(LoginThrottleMiddleware, throttle=throttle))
        middleware.append(Middleware(ExportAccessMiddleware, exports=demo.qa_exports))
    # Questions run concurrently (the index is read-only while answering), also beside a
    # sync (Assistant.live); syncs one at a time.
    demo.queue(default_concurrency_limit=max(1, settings.concurrency))
    _, url, _ = demo.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        prevent_thread_lock=not block,
        css=CSS + MEMORY_CSS + READER_CSS + CHAT_CSS,
        theme=theme(),
        footer_links=["api"],
        quiet=not block,
        max_file_size=int(settings.max_upload_mb * 1024 * 1024),  # refused while uploading
        ssr_mode=False,
        # /v1: the OpenAI-compatible API, beside Gradio's routes on the same app and port
        app_kwargs={
            "routes": openai_router(assistant, accounts).routes,
            "middleware": middleware,
            # The schema of every route is not served to a visitor who has not logged in.
            **({"openapi_url": None} if accounts else {}),
        },
    )
    return demo, url
