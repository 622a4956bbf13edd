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
#qa-conversations label { width: 100%; max-width: 100%; min-width: 0; box-sizing: border-box;
                          white-space: nowrap; overflow: hidden; flex-wrap: nowrap; }
#qa-conversations label > span { min-width: 0; flex: 1 1 auto; overflow: hidden;
                                 white-space: nowrap; text-overflow: ellipsis; }
#qa-conversations-empty { color: #57606a; font-size: 0.85rem; }
#qa-feedback { padding: 6px 10px; gap: 6px; }
#qa-feedback button { border: 1px solid #d0d7de; }
#qa-follow-ups { gap: 6px; flex-wrap: wrap; }
#qa-follow-ups button { flex: 0 1 auto; min-width: 0; border-style: dashed; }
"""

# "Delete" asks first: its question and "Yes, delete it" are brought into view in the
# sidebar (a long list of conversations puts them below the fold). The box can render
# after the event ends on a loaded machine: look for it for up to 10 s.
CONFIRM_JS = """() => {
  let tries = 0;
  const timer = setInterval(() => {
    const yes = document.getElementById('qa-confirm-delete');
    if (yes && yes.offsetParent !== null) {
      document.getElementById('qa-confirm-delete-box').scrollIntoView({block: 'nearest'});
      clearInterval(timer);
    } else if (++tries >= 100) clearInterval(timer);
  }, 100);
}"""

# A long conversation title ends in an ellipsis (CSS above); the whole title shows on
# hover. Gradio's radio has no per-choice tooltip, so the labels get one as they render.
TITLES_JS = """() => {
  const titled = () => document.querySelectorAll('#qa-conversations label').forEach((l) => {
    const text = l.innerText.trim();
    if (l.title !== text) l.title = text;
  });
  new MutationObserver(titled).observe(document.body, {childList: true, subtree: true});
  titled();
}"""


@dataclass
class Sidebar:
    new: gr.Button
    search: gr.Textbox
    listing: gr.Radio
    empty: gr.Markdown  # "No conversation matches …"
    title: gr.Textbox
    rename: gr.Button
    delete: gr.Button
    confirm_box: gr.Group
    confirm: gr.Button
    cancel: gr.Button
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
    box: gr.Column
    note: gr.Markdown
    correction: gr.Textbox
    save: gr.Button
    dont_say: gr.Button
    close: gr.Button
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
        empty = gr.Markdown(elem_id="qa-conversations-empty")
        with gr.Accordion("This conversation", open=False, elem_id="qa-this"):
            title = gr.Textbox(
                label="Title",
                placeholder="(no conversation chosen)",
                max_lines=1,
                elem_id="qa-title",
            )
            with gr.Row():  # nothing to rename or delete until a conversation is chosen
                rename = gr.Button(
                    "Rename", size="sm", interactive=False, min_width=0, elem_id="qa-rename"
                )
                delete = gr.Button(
                    "Delete",
                    size="sm",
                    variant="stop",
                    interactive=False,
                    min_width=0,
                    elem_id="qa-delete",
                )
            with gr.Group(visible=False, elem_id="qa-confirm-delete-box") as confirm_box:
                gr.Markdown("Delete this conversation? Its feedback is kept.")
                with gr.Row():
                    confirm = gr.Button(
                        "Yes, delete it", size="sm", variant="stop", elem_id="qa-confirm-delete"
                    )
                    cancel = gr.Button("Cancel", size="sm", elem_id="qa-cancel-delete")
        download = gr.DownloadButton(DOWNLOAD, interactive=False, size="sm", elem_id="qa-download")
    return Sidebar(
        new,
        search,
        listing,
        empty,
        title,
        rename,
        delete,
        confirm_box,
        confirm,
        cancel,
        download,
        who,
    )


def build_follow_ups() -> FollowUps:
    """Buttons for the suggested follow-ups, under the chat."""
    with gr.Row(visible=False, elem_id="qa-follow-ups") as row:
        buttons = [
            gr.Button("", size="sm", visible=False, elem_classes=["qa-follow-up"])
            for _ in range(MAX_FOLLOW_UPS)
        ]
    return FollowUps(row, buttons)


def build_feedback() -> FeedbackPanel:
    """The correction box shown after a thumbs up or down (a column, not a group: its
    buttons keep their borders)."""
    with gr.Column(visible=False, variant="panel", elem_id="qa-feedback") as box:
        note = gr.Markdown(elem_id="qa-feedback-note")
        with gr.Row(equal_height=True):
            correction = gr.Textbox(
                placeholder="The answer is …",
                show_label=False,
                scale=3,
                max_lines=1,
                elem_id="qa-correction",
            )
            save = gr.Button(
                "Save correction", size="sm", scale=0, min_width=120, elem_id="qa-save"
            )
            dont_say = gr.Button(DONT_SAY, size="sm", scale=0, min_width=150, elem_id="qa-dont-say")
            close = gr.Button(
                "Close", size="sm", scale=0, min_width=60, elem_id="qa-feedback-close"
            )
    return FeedbackPanel(box, note, correction, save, dont_say, close, gr.State(-1))
