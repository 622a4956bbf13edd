"""The Gradio chat: streaming answers with sources, saved conversations, feedback,
an Articles tab, the HTTP API, and the OpenAI-compatible API on the same port.

All answering goes through the one Assistant; this module only wires it to the page.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from qa.answering.llm import LLMUnavailable
from qa.answering.retrieval import Filters
from qa.answering.service import Assistant, QuestionError
from qa.app.auth import parse_accounts
from qa.app.chat_layout import MEMORY_CSS, build_feedback, build_follow_ups, build_sidebar
from qa.app.chat_ui import ChatMemory, message_text, user_of
from qa.app.login import LoginThrottle, LoginThrottleMiddleware
from qa.app.openai_api import openai_router
from qa.app.page import CSS, chat_markdown, error_html, sources_html
from qa.app.uploads import UploadError, delete_article, discard_upload, save_upload
from qa.indexing.errors import IndexUnavailable
from qa.indexing.sync import SyncBusyError
from qa.types import Answer

ALL_ARTICLES = "(all articles)"


def example_questions(assistant: Assistant, n: int = 4) -> list[str]:
    """Answerable questions shipped with the corpus (eval.jsonl), else none."""
    path = assistant.settings.corpus_dir / "eval.jsonl"
    out: list[str] = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if obj.get("answers") and len(out) < n:
                out.append(obj["question"])
    return out


def articles_table(assistant: Assistant) -> list[list]:
    try:
        articles = assistant.articles()
    except IndexUnavailable:  # an unreadable manifest: the next sync rewrites it
        articles = {}
    return [
        [aid, m.get("title", ""), m.get("published", ""), m.get("chunks", 0), m.get("path", "")]
        for aid, m in sorted(articles.items())
    ]


def build_ui(assistant: Assistant) -> gr.Blocks:
    sync_lock = threading.Lock()
    memory = ChatMemory(assistant)

    def history_for_engine(history: list[dict]) -> list[dict]:
        # Gradio 6 hands the messages back with their content as a list of parts.
        texts = [(m["role"], message_text(m.get("content"))) for m in history]
        return [{"role": role, "content": text} for role, text in texts if text]

    def respond(question, history, k, article, conversation_id, query, request: gr.Request):
        user = user_of(request)
        history = list(history or [])
        # conversation id, sidebar list, download, follow-ups: unchanged until the end
        keep = (gr.skip(), gr.skip(), gr.skip(), gr.skip())
        try:
            question = assistant.check_question(question)
        except QuestionError as exc:
            yield history, error_html(str(exc)), "", *keep
            return
        filters = Filters(articles=[article] if article and article != ALL_ARTICLES else [])
        engine_history = history_for_engine(history)
        history = [
            *history,
            {"role": "user", "content": question},
            {"role": "assistant", "content": "…"},
        ]
        yield history, sources_html(None), "", *keep[:3], gr.update(visible=False)
        text, answer = "", None
        try:
            for piece in assistant.stream(question, engine_history, int(k), filters):
                if isinstance(piece, Answer):
                    answer = piece
                    history[-1] = {"role": "assistant", "content": chat_markdown(piece)}
                    yield history, sources_html(piece), "", *keep
                else:
                    text += piece
                    history[-1] = {"role": "assistant", "content": text}
                    yield history, sources_html(None), "", *keep
        except (LLMUnavailable, QuestionError, IndexUnavailable, OSError) as exc:
            history[-1] = {"role": "assistant", "content": f"⚠️ {exc}"}
            yield history, error_html(str(exc)), "", *keep
        # Saved, errors too (so positions match the chat); follow-ups come in the next step.
        conversation_id, _ = memory.save_turn(
            user, conversation_id, question, answer, history[-1]["content"]
        )
        conversation = memory.conversations.get(conversation_id, user)
        yield (
            history,
            gr.skip(),
            "",
            conversation_id,
            memory.listing(user, query, conversation_id),
            memory.download(conversation),
            gr.update(visible=False),
        )

    def run_sync(progress=None) -> dict:
        """The sync summary, or {"error": message} when the index cannot be synced."""
        report = None if progress is None else lambda done, total: progress(done / max(total, 1))
        try:
            with sync_lock:
                return assistant.sync(progress=report).to_dict()
        except (IndexUnavailable, SyncBusyError) as exc:
            return {"error": str(exc)}

    def after_change(message: str):
        rows = articles_table(assistant)
        choices = [ALL_ARTICLES] + [r[0] for r in rows]
        return (
            message,
            rows,
            gr.update(choices=[r[4] for r in rows], value=None),
            gr.update(choices=choices, value=ALL_ARTICLES),
        )

    def upload(files, progress=gr.Progress()):
        if not files:
            return (*after_change("Choose a file first."), None)
        saved, problems = [], []
        for f in files if isinstance(files, list) else [files]:
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
                problems.append(str(exc))
            finally:
                discard_upload(path)
        summary = run_sync(progress) if saved else None
        lines = [f"Added {', '.join(saved)}." if saved else "Nothing added."]
        lines += problems
        if summary and "error" in summary:
            lines.append(f"Not indexed yet: {summary['error']}")
        elif summary:
            lines += [f"Skipped {e['file']}: {e['error']}" for e in summary["errors"]]
            lines.append(
                f"{summary['chunks_embedded']} chunks embedded; "
                f"{summary['articles_total']} articles indexed."
            )
        return (*after_change("\n".join(lines)), None)  # and empty the file picker

    def remove(relative_path, progress=gr.Progress()):
        if not relative_path:
            return after_change("Choose an article to remove.")
        try:
            delete_article(relative_path, assistant.settings.corpus_dir)
        except UploadError as exc:
            return after_change(str(exc))
        summary = run_sync(progress)
        if "error" in summary:
            return after_change(f"Removed {relative_path}; not synced: {summary['error']}")
        return after_change(
            f"Removed {relative_path}; {summary['articles_total']} articles indexed."
        )

    def resync(progress=gr.Progress()):
        summary = run_sync(progress)
        if "error" in summary:
            return after_change(f"Not synced: {summary['error']}")
        return after_change(
            f"Synced: {summary['added']} added, {summary['updated']} updated, "
            f"{summary['deleted']} deleted, {summary['unchanged']} unchanged; "
            f"{summary['chunks_embedded']} chunks embedded in {summary['seconds']} s."
        )

    def api_ask(question: str, k: int = 0, article: str = "") -> dict:
        """Answer a question; returns the answer object (same as `qa ask --json`)."""
        try:
            filters = Filters(articles=[article] if article else [])
            return assistant.ask(question, k=int(k) or None, filters=filters).to_dict()
        except (QuestionError, LLMUnavailable, IndexUnavailable) as exc:
            return {"error": str(exc)}

    def api_ingest() -> dict:
        """Sync the corpus folder; returns the sync summary (same as `qa ingest --json`),
        or {"error": message}."""
        return run_sync()

    rows = articles_table(assistant)
    # Gradio's own temporary files (anything not discarded above) go after an hour.
    with gr.Blocks(title="News QA", delete_cache=(3600, 3600)) as demo:
        conversation_id = gr.State("")
        sidebar = build_sidebar()
        gr.Markdown(
            "## Ask your news articles\nAnswers quote the articles and cite them; "
            "when the articles don't say, neither does the assistant."
        )
        with gr.Tab("Chat"), gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    height=460,
                    label="Conversation",
                    elem_id="qa-chat",
                    feedback_options=("Like", "Dislike"),
                )
                follow = build_follow_ups()
                panel = build_feedback()
                question = gr.Textbox(
                    placeholder="Ask a question about the articles…",
                    label="Question",
                    elem_id="qa-question",
                )
                with gr.Row():
                    ask_btn = gr.Button("Ask", variant="primary", elem_id="qa-ask")
                    clear_btn = gr.Button("New conversation", elem_id="qa-clear")
                examples = example_questions(assistant)
                if examples:
                    gr.Examples(examples=[[q] for q in examples], inputs=[question])
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
                sources = gr.HTML(sources_html(None), elem_id="qa-sources")
        with gr.Tab("Articles", elem_id="qa-articles-tab"):
            table = gr.Dataframe(
                rows,
                headers=["id", "title", "published", "chunks", "file"],
                interactive=False,
                elem_id="qa-articles",
            )
            with gr.Row():
                files = gr.File(
                    label="Add articles (.txt, .md, .html, .pdf)",
                    file_count="multiple",
                    elem_id="qa-upload",
                )
                with gr.Column():
                    remove_choice = gr.Dropdown([r[4] for r in rows], label="Remove an article")
                    remove_btn = gr.Button("Remove", variant="stop")
                    resync_btn = gr.Button("Re-sync corpus folder", elem_id="qa-resync")
            status = gr.Textbox(label="Status", interactive=False, elem_id="qa-status")

        ask_inputs = [question, chatbot, k, article, conversation_id, sidebar.search]
        ask_outputs = [chatbot, sources, question, conversation_id, sidebar.listing]
        ask_outputs += [sidebar.download, follow.row]
        # The answer's event ends once it is saved (so the next question is taken at once);
        # the follow-ups are checked in a step of their own.
        for trigger, inputs in [
            (ask_btn.click, ask_inputs),
            (question.submit, ask_inputs),
            *[(b.click, [b, *ask_inputs[1:]]) for b in follow.buttons],
        ]:
            trigger(respond, inputs, ask_outputs, api_visibility="private").then(
                memory.follow_ups, [conversation_id], follow.outputs, api_visibility="private"
            )
        clear_btn.click(
            lambda: ([], sources_html(None), "", "", gr.update(visible=False)),
            None,
            [chatbot, sources, question, conversation_id, follow.row],
            api_visibility="private",
        )
        chatbot.clear(  # the chat's own trash icon: the next question starts a new one
            lambda: (sources_html(None), "", gr.update(visible=False)),
            None,
            [sources, conversation_id, follow.row],
            api_visibility="private",
        )
        memory.wire(demo, sidebar, panel, follow, chatbot, sources, conversation_id)
        changed = [status, table, remove_choice, article]
        one_sync = {"concurrency_limit": 1, "concurrency_id": "sync"}  # questions: many
        files.upload(upload, [files], [*changed, files], api_visibility="private", **one_sync)
        remove_btn.click(remove, [remove_choice], changed, api_visibility="private", **one_sync)
        resync_btn.click(resync, None, changed, api_visibility="private", **one_sync)
        gr.api(api_ask, api_name="ask")
        gr.api(api_ingest, api_name="ingest", **one_sync)
    return demo


# System fonts only: the page is served offline, and a web font that cannot load
# renders some glyphs from another font.
SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial"]
SYSTEM_MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


def theme() -> gr.themes.Base:
    return gr.themes.Default(font=[*SYSTEM_FONTS, "sans-serif"], font_mono=SYSTEM_MONO)


def launch(assistant: Assistant, host: str, port: int, block: bool = True):
    """Serve the chat; returns (app, local_url) when ``block`` is False."""
    demo = build_ui(assistant)
    settings = assistant.settings
    accounts = parse_accounts(settings.auth)  # QA_AUTH: user:pw[,user:pw...]
    auth, middleware = list(accounts.items()) or None, []
    if accounts:
        throttle = LoginThrottle(settings.login_max_failures, settings.login_lockout_seconds)
        middleware.append(Middleware(LoginThrottleMiddleware, throttle=throttle))
    # Questions run concurrently (the index is read-only while answering); syncs one at a
    # time, and exclusive of questions (Assistant.live).
    demo.queue(default_concurrency_limit=max(1, settings.concurrency))
    _, url, _ = demo.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        prevent_thread_lock=not block,
        css=CSS + MEMORY_CSS,
        theme=theme(),
        footer_links=["api"],
        quiet=not block,
        max_file_size=int(settings.max_upload_mb * 1024 * 1024),  # refused while uploading
        ssr_mode=False,
        # /v1: the OpenAI-compatible API, beside Gradio's routes on the same app and port
        app_kwargs={"routes": openai_router(assistant, accounts).routes, "middleware": middleware},
    )
    return demo, url
