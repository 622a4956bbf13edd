"""The page components of the chat's memory: the conversations sidebar, the follow-up
buttons and the feedback panel (chat_ui.py gives them their values and events)."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

DONT_SAY = "The articles don't say"
DOWNLOAD = "Download as Markdown"
MAX_FOLLOW_UPS = 3
MEMORY_CSS = """
#qa-conversations .wrap { flex-direction: column; gap: 4px; }
#qa-conversations label { width: 100%; white-space: nowrap; overflow: hidden;
                          text-overflow: ellipsis; }
#qa-feedback { padding: 6px 10px; }
#qa-follow-ups { gap: 6px; flex-wrap: wrap; }
#qa-follow-ups button { flex: 0 1 auto; min-width: 0; border-style: dashed; }
"""


@dataclass
class Sidebar:
    new: gr.Button
    search: gr.Textbox
    listing: gr.Radio
    title: gr.Textbox
    rename: gr.Button
    delete: gr.Button
    confirm: gr.Button
    download: gr.DownloadButton
    who: gr.Markdown


@dataclass
class FollowUps:
    row: gr.Row
    buttons: list[gr.Button]

    @property
    def outputs(self) -> list:
        return [self.row, *self.buttons]


@dataclass
class FeedbackPanel:
    box: gr.Group
    note: gr.Markdown
    correction: gr.Textbox
    save: gr.Button
    dont_say: gr.Button
    target: gr.State  # position of the answer the panel is about


def build_sidebar() -> Sidebar:
    """The conversations sidebar (its events are wired in chat_ui.py)."""
    with gr.Sidebar(open=True, elem_id="qa-sidebar"):
        gr.Markdown("### Conversations")
        who = gr.Markdown(elem_id="qa-user")  # "Signed in as …" under QA_AUTH
        new = gr.Button("+ New conversation", elem_id="qa-new", size="sm")
        search = gr.Textbox(
            placeholder="Search conversations…",
            show_label=False,
            elem_id="qa-search",
            max_lines=1,
        )
        listing = gr.Radio([], show_label=False, elem_id="qa-conversations", container=False)
        with gr.Accordion("This conversation", open=False, elem_id="qa-this"):
            title = gr.Textbox(label="Title", max_lines=1, elem_id="qa-title")
            with gr.Row():
                rename = gr.Button("Rename", size="sm", elem_id="qa-rename")
                delete = gr.Button("Delete", size="sm", variant="stop", elem_id="qa-delete")
            confirm = gr.Button(
                "Yes, delete it",
                size="sm",
                variant="stop",
                visible=False,
                elem_id="qa-confirm-delete",
            )
        download = gr.DownloadButton(DOWNLOAD, interactive=False, size="sm", elem_id="qa-download")
    return Sidebar(new, search, listing, title, rename, delete, confirm, download, who)


def build_follow_ups() -> FollowUps:
    """Buttons for the suggested follow-ups, under the chat."""
    with gr.Row(visible=False, elem_id="qa-follow-ups") as row:
        buttons = [
            gr.Button("", size="sm", visible=False, elem_classes=["qa-follow-up"])
            for _ in range(MAX_FOLLOW_UPS)
        ]
    return FollowUps(row, buttons)


def build_feedback() -> FeedbackPanel:
    """The correction box shown after a thumbs up or down."""
    with gr.Group(visible=False, elem_id="qa-feedback") as box:
        note = gr.Markdown(elem_id="qa-feedback-note")
        with gr.Row(equal_height=True):
            correction = gr.Textbox(
                placeholder="The answer is …",
                show_label=False,
                scale=3,
                max_lines=1,
                elem_id="qa-correction",
            )
            save = gr.Button("Save correction", size="sm", scale=1, elem_id="qa-save")
            dont_say = gr.Button(DONT_SAY, size="sm", scale=1, elem_id="qa-dont-say")
    return FeedbackPanel(box, note, correction, save, dont_say, gr.State(-1))
