"""The chat's memory on the page: what the conversations sidebar (open, search, rename,
delete, download as Markdown), the feedback on answers (thumbs and corrections) and the
suggested follow-ups show, and their events. The components are in chat_layout.py;
web.py builds the page and calls both."""

from __future__ import annotations

import sys

import gradio as gr

from qa.answering.builders.suggest import suggest_followups
from qa.answering.service import Assistant
from qa.app.records.conversations import Conversation, ConversationStore
from qa.app.records.database import check_chat_database
from qa.app.records.feedback import DOWN, UP, FeedbackStore, index_generation
from qa.app.records.transcript import conversation_markdown, markdown_filename
from qa.app.web.chat_layout import (
    CONFIRM_JS,
    DONT_SAY,
    DOWNLOAD,
    MAX_FOLLOW_UPS,
    TITLES_JS,
    FeedbackPanel,
    FollowUps,
    Sidebar,
)
from qa.app.web.exports import ExportFiles
from qa.app.web.page import SCROLL_TO_HASH_JS, chat_markdown, note_html, sources_html
from qa.text.markdown import escape_markdown_html as md
from qa.text.markdown import unescape_markdown
from qa.text.paths import without_paths
from qa.types import Answer


def message_text(content) -> str:
    """A chat message's text, whether Gradio gives a string or a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict)]
        return "\n".join(p for p in parts if isinstance(p, str) and p)
    return ""


def user_markdown(question: str) -> str:
    """A question as the chat shows it: its characters, not Markdown (a suggested
    follow-up can carry an article's text)."""
    return md(question)


def chat_text(role: str, content) -> str:
    """The text of a chat message as the engine takes it (a question unescaped)."""
    text = message_text(content)
    return unescape_markdown(text) if role == "user" else text


def chat_history(messages: list[dict]) -> list[dict]:
    """The chat's messages as the engine takes a conversation ({role, content} text;
    Gradio 6 hands the content back as a list of parts). The engine reads the answers'
    cited sentences from them as from ``/v1``'s (followup.py), so both rewrite alike."""
    texts = [(m["role"], chat_text(m["role"], m.get("content"))) for m in messages]
    return [{"role": role, "content": text} for role, text in texts if text]


def user_of(request: gr.Request | None) -> str:
    """The logged-in user (``QA_AUTH``), or ``""`` without a login."""
    return (getattr(request, "username", None) or "") if request is not None else ""


def shown(html: str) -> gr.update:
    """A line under the question box: shown with something to say, else out of the way
    (the first screen has no room for an empty line)."""
    return gr.update(value=html, visible=bool(html))


def empty_listing_text(query: str, found: bool) -> str:
    """Said under the sidebar's list when it is empty: a search that finds nothing says
    so (escaped: the query is the user's text)."""
    if found:
        return ""
    if query.strip():
        return f"No conversation matches “{md(query.strip())}”."
    return "No saved conversations yet."


class ChatMemory:
    """Saved conversations and feedback for one Assistant: page values and events."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        url = assistant.settings.chat_database_url
        # A damaged chat database is set aside, said in the log and on the page (no path).
        if notice := check_chat_database(url):
            print(f"warning: {notice}", file=sys.stderr, flush=True)
        self.notice = notice and without_paths(notice)
        self.conversations = ConversationStore(url)
        self.feedback = FeedbackStore(url)
        self.exports = ExportFiles()  # deleted with their conversation; owner only

    # -- what the page shows -------------------------------------------------------

    def chat_messages(self, conversation: Conversation, user: str) -> gr.update:
        """The chatbot value (and the thumbs given) for a saved conversation."""
        messages, thumbs = [], []
        ratings = self.feedback.ratings(user, conversation.id)
        for m in conversation.messages:
            if m.role == "user":
                messages.append({"role": "user", "content": user_markdown(m.content)})
                continue
            text = chat_markdown(m.answer, m.position) if m.answer else m.content
            messages.append({"role": "assistant", "content": text})
            rating = ratings.get(m.position, 0)
            thumbs.append("Like" if rating == UP else "Dislike" if rating == DOWN else None)
        return gr.update(value=messages, feedback_value=thumbs)

    def listing(self, user: str, query: str = "", selected: str | None = None) -> tuple:
        """The sidebar's list of the user's conversations (latest first), and the line
        under it that says when a search finds none."""
        found = self.conversations.list(user, query or "")
        choices = [(c.title, c.id) for c in found]
        ids = {c.id for c in found}
        radio = gr.update(choices=choices, value=selected if selected in ids else None)
        return radio, empty_listing_text(query or "", bool(found))

    def download(self, conversation: Conversation | None) -> gr.update:
        """The Markdown file of the conversation for the download button."""
        if conversation is None or not conversation.messages:
            return gr.update(value=None, interactive=False, label=DOWNLOAD)
        path = self.exports.write(  # one file per conversation, rewritten
            conversation.id,
            conversation.user,
            markdown_filename(conversation),
            conversation_markdown(conversation),
        )
        n = sum(1 for m in conversation.messages if m.role == "user")
        label = f"{DOWNLOAD} ({n} question{'s' if n != 1 else ''})"
        return gr.update(value=str(path), interactive=True, label=label)

    # -- saving a turn -------------------------------------------------------------

    def save_turn(
        self,
        user: str,
        conversation_id: str,
        question: str,
        answer: Answer | None,
        text: str,
    ) -> tuple[str, int]:
        """Save a turn: (conversation id, the answer's position); ("", -1): deleted."""
        if conversation_id and self.conversations.get(conversation_id, user) is None:
            return "", -1  # deleted while the answer was written: not brought back
        conversation_id = conversation_id or self.conversations.create(user, question)
        position = self.conversations.add_turn(conversation_id, user, question, answer, text)
        return conversation_id, position

    def suggestions(
        self,
        user: str,
        conversation_id: str,
        position: int,
        answer: Answer,
        asked: list[str],
        history: list[dict] | None = None,
    ) -> list[str]:
        """Checked follow-ups for the answer (asked after ``history``), remembered with it."""
        n = min(self.assistant.settings.suggestions, MAX_FOLLOW_UPS)
        found = suggest_followups(self.assistant, answer, asked, n=n, history=history)
        if found:
            self.conversations.set_suggestions(conversation_id, user, position, found)
        return found

    def follow_ups(self, conversation_id: str, request: gr.Request):
        """The follow-up buttons under the conversation's last answer (worked out once,
        then remembered); the page is left alone if a newer turn was saved meanwhile."""
        user = user_of(request)
        hidden = (gr.update(visible=False),) + (gr.update(visible=False),) * MAX_FOLLOW_UPS
        conversation = self.conversations.get(conversation_id or "", user)
        if conversation is None or not conversation.messages:
            return hidden
        last = conversation.messages[-1]
        if last.answer is None:
            return hidden
        asked = [m.content for m in conversation.messages if m.role == "user"]
        history = chat_history(
            [{"role": m.role, "content": m.content} for m in conversation.messages]
        )
        found = last.suggestions or self.suggestions(
            user, conversation.id, last.position, last.answer, asked, history
        )
        latest = self.conversations.get(conversation.id, user)
        if latest is None or latest.messages[-1].position != last.position:
            return (gr.skip(),) * (1 + MAX_FOLLOW_UPS)
        buttons = [
            gr.update(value=found[i], visible=True) if i < len(found) else gr.update(visible=False)
            for i in range(MAX_FOLLOW_UPS)
        ]
        return (gr.update(visible=bool(found)), *buttons)

    # -- events ----------------------------------------------------------------------

    def wire(
        self,
        demo,
        sidebar: Sidebar,
        panel: FeedbackPanel,
        follow: FollowUps,
        chatbot,
        sources,
        conv_id,
        notice,
        reader_box,
    ):
        """Connect the sidebar, the thumbs and the correction box to the stores;
        ``notice`` (the line under the question box) says what a correction saved, and
        ``reader_box`` (an article opened from a source) closes as its conversation goes."""
        memory = self

        def refresh(query, conversation_id, request: gr.Request):
            return memory.listing(user_of(request), query, conversation_id)

        def chosen(conversation_id, request: gr.Request):
            """The conversation in view: its title; Rename and Delete only with one."""
            conversation = memory.conversations.get(conversation_id or "", user_of(request))
            can = gr.update(interactive=conversation is not None)
            title = conversation.title if conversation else ""
            return title, can, can, gr.update(visible=False)

        def open_conversation(conversation_id, request: gr.Request):
            user = user_of(request)
            conversation = memory.conversations.get(conversation_id or "", user)
            if conversation is None:
                return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            answers = [m for m in conversation.messages if m.answer is not None]
            last = answers[-1] if answers else None
            return (
                memory.chat_messages(conversation, user),
                sources_html(last.answer, last.position) if last else sources_html(None),
                conversation.id,
                conversation.title,
                memory.download(conversation),
                gr.update(visible=False),
            )

        def new_conversation(query, request: gr.Request):
            return (
                gr.update(value=[], feedback_value=[]),
                sources_html(None),
                "",
                "",
                memory.download(None),
                gr.update(visible=False),
                *memory.listing(user_of(request), query, None),
            )

        def rename(conversation_id, title, query, request: gr.Request):
            user = user_of(request)
            memory.conversations.rename(conversation_id or "", user, title or "")
            conversation = memory.conversations.get(conversation_id or "", user)
            return (
                *memory.listing(user, query, conversation_id),
                conversation.title if conversation else "",
                memory.download(conversation),
            )

        def delete(conversation_id, query, request: gr.Request):
            if memory.conversations.delete(conversation_id or "", user_of(request)):
                memory.exports.delete(conversation_id)  # its download goes with it
            return (*new_conversation(query, request), gr.update(visible=False))

        def show_sources(conversation_id, selected: gr.SelectData, request: gr.Request):
            conversation = memory.conversations.get(conversation_id or "", user_of(request))
            index = selected.index if isinstance(selected.index, int) else -1
            found = conversation.answer_at(index) if conversation else None
            return sources_html(found[1], index) if found else gr.skip()

        def rate(conversation_id, liked: gr.LikeData, request: gr.Request):
            position = liked.index if isinstance(liked.index, int) else -1
            rating = UP if liked.liked is True else DOWN if liked.liked is False else None
            saved = memory.record(user_of(request), conversation_id, position, rating=rating)
            if saved is None:
                return gr.update(visible=False), -1, gr.skip()
            # Words, not emoji: offline, a machine without an emoji font shows a box.
            thanks = (
                "Thanks: marked as a good answer."
                if rating == UP
                else ("Thanks: marked as a poor answer.")
            )
            return (
                gr.update(visible=True),
                position,
                f"{thanks} Optionally, correct the answer to “{md(saved.question)}”: "
                f"type the right answer, or press “{DONT_SAY}”.",
                shown(""),
            )

        def correct(conversation_id, position, text, request: gr.Request):
            """Store the correction; the box closes and the line under it says what was
            saved (the box stays open with a hint when there is nothing to save)."""
            if not (text or "").strip():
                return "Type the right answer first.", gr.skip(), gr.skip(), gr.skip()
            saved = memory.record(user_of(request), conversation_id, position, correction=text)
            if saved is None:
                return "This answer is not saved; nothing to correct.", *(gr.skip(),) * 3
            said = (
                "the articles don't say"
                if saved.unanswerable
                else f"the answer is “{saved.correction}”"
            )
            saved_note = shown(note_html(f"Saved: {said}. Thanks."))
            return gr.skip(), "", gr.update(visible=False), saved_note

        def dont_say(conversation_id, position, request: gr.Request):
            return correct(conversation_id, position, DONT_SAY, request)

        def signed_in(query, conversation_id, request: gr.Request):
            user = user_of(request)
            who = f"Signed in as **{md(user)}** · [Log out](logout)" if user else ""
            return *memory.listing(user, query, conversation_id), who

        listing_out = [sidebar.listing, sidebar.empty]
        private = {"api_visibility": "private"}
        # The sidebar's list is the page's first event, outside the queue, so it is
        # filled as the page appears (not after the examples and the articles list).
        demo.load(
            signed_in,
            [sidebar.search, conv_id],
            [*listing_out, sidebar.who],
            queue=False,
            show_progress="hidden",
            **private,
        )
        demo.load(None, js=TITLES_JS)
        sidebar.search.change(refresh, [sidebar.search, conv_id], listing_out, **private)
        opened = [chatbot, sources, conv_id, sidebar.title, sidebar.download, panel.box]
        sidebar.listing.input(open_conversation, [sidebar.listing], opened, **private).then(
            memory.follow_ups, [conv_id], follow.outputs, **private
        )
        # "+ New conversation", and the chat's own trash icon, which does the same: the
        # conversation stays saved in the list, the next question starts a new one.
        for start_new in (sidebar.new.click, chatbot.clear):
            start_new(new_conversation, [sidebar.search], [*opened, *listing_out], **private).then(
                memory.follow_ups, [conv_id], follow.outputs, **private
            )
        conv_id.change(
            chosen,
            [conv_id],
            [sidebar.title, sidebar.rename, sidebar.delete, sidebar.confirm_box],
            **private,
        )
        sidebar.rename.click(
            rename,
            [conv_id, sidebar.title, sidebar.search],
            [*listing_out, sidebar.title, sidebar.download],
            api_visibility="private",
        )
        sidebar.delete.click(
            lambda cid: gr.update(visible=bool(cid)),
            [conv_id],
            [sidebar.confirm_box],
            api_visibility="private",
        ).then(None, js=CONFIRM_JS)  # the question and its answer brought into view
        sidebar.cancel.click(
            lambda: gr.update(visible=False), None, [sidebar.confirm_box], **private
        )
        sidebar.confirm.click(
            delete,
            [conv_id, sidebar.search],
            [*opened, *listing_out, sidebar.confirm_box],
            **private,
        ).then(memory.follow_ups, [conv_id], follow.outputs, **private)
        leaving = (sidebar.listing.input, sidebar.new.click, chatbot.clear, sidebar.confirm.click)
        for leave in leaving:  # another conversation, a new one, or this one deleted
            leave(lambda: gr.update(visible=False), None, [reader_box], **private)
        chatbot.select(show_sources, [conv_id], [sources], api_visibility="private").then(
            None, js=SCROLL_TO_HASH_JS
        )
        chatbot.like(
            rate,
            [conv_id],
            [panel.box, panel.target, panel.note, notice],
            api_visibility="private",
        )
        corrected = [panel.note, panel.correction, panel.box, notice]
        for trigger in (panel.save.click, panel.correction.submit):
            trigger(correct, [conv_id, panel.target, panel.correction], corrected, **private)
        panel.dont_say.click(dont_say, [conv_id, panel.target], corrected, **private)
        panel.close.click(lambda: gr.update(visible=False), None, [panel.box], **private)

    def record(self, user: str, conversation_id: str, position: int, **what):
        """Store feedback on the saved answer at ``position``; None if there is none."""
        conversation = self.conversations.get(conversation_id or "", user)
        found = conversation.answer_at(position) if conversation else None
        if found is None:
            return None
        question, answer = found
        generation = index_generation(self.assistant.settings)
        return self.feedback.record(
            user, conversation_id, position, question, answer, generation, **what
        )
