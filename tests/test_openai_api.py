"""The OpenAI-compatible API: accounts from QA_AUTH, request parsing, and the real
`openai` client against the running app (same process and port as the chat)."""

import base64
import json
import re
import shutil
import urllib.error
import urllib.request
from dataclasses import fields

import pytest
from conftest import SEED
from test_web import start_app

from qa.app.access.auth import AuthConfigError, parse_accounts, user_from_authorization
from qa.app.api.openai_api import RequestError, parse_request
from qa.app.api.reply_parts import source_events, stream_pieces, url_citations
from qa.types import Citation

MATVIENKO = "Who is the speaker of Russia's upper house?"
ISIL = "What did the articles say about ISIL?"  # an overview: two cited sentences
MARKER = re.compile(r"\[\d+\]")
CITATION_FIELDS = {f.name for f in fields(Citation)}  # what `qa ask --json` gives


def test_qa_auth_holds_one_or_several_accounts():
    assert parse_accounts("") == {}
    assert parse_accounts("admin:secret") == {"admin": "secret"}
    assert parse_accounts("alice:pw1, bob:p:w2") == {"alice": "pw1", "bob": "p:w2"}
    for bad in ("alice", "alice:", ":pw", "alice:pw1,alice:pw2"):
        with pytest.raises(AuthConfigError):
            parse_accounts(bad)


def test_the_api_key_is_the_qa_auth_entry_or_basic_auth():
    accounts = {"alice": "pw1", "bob": "pw2"}
    basic = "Basic " + base64.b64encode(b"bob:pw2").decode()
    assert user_from_authorization(accounts, "Bearer alice:pw1") == "alice"
    assert user_from_authorization(accounts, basic) == "bob"
    for wrong in (None, "", "Bearer alice:pw2", "Bearer alice", "Bearer pw1", "Basic !!", "pw1"):
        assert user_from_authorization(accounts, wrong) is None, wrong
    assert user_from_authorization({}, None) == ""  # no QA_AUTH: open


def test_requests_map_to_a_question_and_its_history():
    got = parse_request(
        {
            "model": "qa-news",
            "messages": [
                {"role": "system", "content": "You are helpful."},
                {"role": "user", "content": "Who is the speaker?"},
                {"role": "assistant", "content": "“Matvienko …” [1]"},
                {"role": "user", "content": [{"type": "text", "text": "Who did she meet?"}]},
            ],
            "stream": True,
            "k": 3,
        }
    )
    assert got["question"] == "Who did she meet?"
    assert got["history"] == [
        {"role": "user", "content": "Who is the speaker?"},
        {"role": "assistant", "content": "“Matvienko …” [1]"},
    ]
    assert got["stream"] and got["k"] == 3 and got["model"] == "qa-news"
    for bad in (
        [],
        {"messages": []},
        {"messages": [{"content": "no role"}]},
        {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]},
        {"messages": [{"role": "user", "content": 3}]},
        {"messages": [{"role": "user", "content": "q"}], "k": 0},
    ):
        with pytest.raises(RequestError):
            parse_request(bad)


def test_the_reply_is_streamed_in_pieces_that_keep_markers_whole():
    text = (
        "“Valentina Matvienko, Russia’s upper house speaker, held a meeting.” [1] "
        "After it she said \\(again\\) that “Moscow will help” [2][3]. Done [4]"
    )
    pieces = stream_pieces(text, words=4)
    assert "".join(pieces) == text and len(pieces) >= 5
    assert all(len(p.split()) <= 4 + len(MARKER.findall(p)) for p in pieces)
    # No marker is cut: each piece holds whole markers, and together all of them.
    assert [m for p in pieces for m in MARKER.findall(p)] == MARKER.findall(text)
    assert "meeting.” [1] " in pieces  # a marker goes with what it cites
    assert pieces[-1] == "Done [4]"
    assert stream_pieces("") == [] and stream_pieces(" \n") == [" \n"]


def test_each_citation_is_one_annotation_and_one_source_event_in_order():
    def cite(n, start, end):
        return Citation(n, "world/7", "Talks", "2005-03-01", "c1", start, end, f"quote {n}")

    content = "“A.” [1] “B.” [2] “A again.” [1] “B.” [3]"
    citations = [cite(1, 10, 20), cite(2, 30, 40), cite(3, 30, 40)]  # 3 quotes 2's span
    notes = [a["url_citation"] for a in url_citations(content, citations)]
    assert [content[a["start_index"] : a["end_index"]] for a in notes] == ["[1]", "[2]", "[3]"]
    assert [a["quote"] for a in notes] == ["quote 1", "quote 2", "quote 3"]
    events = source_events(citations)
    assert {e["type"] for e in events} == {"source"}
    assert [e["data"]["document"] for e in events] == [["quote 1"], ["quote 2"], ["quote 3"]]
    ids = [e["data"]["metadata"][0]["source"] for e in events]
    assert len(set(ids)) == 3 and ids == [a["url"] for a in notes]  # Open WebUI: n-th id = [n]
    assert ids[0] == "qa-news:world/7#10-20"


@pytest.mark.browser
def test_the_openai_client_talks_to_the_running_app(tmp_path):
    import openai

    seed_text = SEED.read_text(encoding="utf-8")
    for url, _ in start_app(tmp_path, QA_AUTH="alice:pw1,bob:pw2"):
        client = openai.OpenAI(base_url=f"{url}v1", api_key="alice:pw1", max_retries=0)
        assert [m.id for m in client.models.list()] == ["qa-news"]

        # Not streaming: the answer text with its [n] markers, and the citations.
        done = client.chat.completions.create(
            model="qa-news", messages=[{"role": "user", "content": MATVIENKO}]
        )
        text = done.choices[0].message.content
        assert "Valentina Matvienko" in text and "[1]" in text
        assert done.choices[0].finish_reason == "stop"
        citations = done.model_extra["citations"]
        assert set(citations[0]) == CITATION_FIELDS
        c = citations[0]
        assert (
            "Valentina Matvienko" in c["quote"] and seed_text[c["start"] : c["end"]] == c["quote"]
        )

        # Streaming (server-sent events): the same text; the citations on the last chunk.
        chunks = list(
            client.chat.completions.create(
                model="qa-news", messages=[{"role": "user", "content": MATVIENKO}], stream=True
            )
        )
        streamed = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
        assert streamed == text
        assert chunks[0].choices[0].delta.role == "assistant"
        assert chunks[-1].choices[0].finish_reason == "stop"
        assert chunks[-1].model_extra["citations"] == citations

        # Earlier messages are the history: a follow-up is understood in context.
        follow = client.chat.completions.create(
            model="qa-news",
            messages=[
                {"role": "user", "content": MATVIENKO},
                {"role": "assistant", "content": text},
                {"role": "user", "content": "Who did she meet?"},
            ],
        )
        assert follow.model_extra["standalone_question"] != "Who did she meet?"
        assert "Muslimyar" in follow.choices[0].message.content

        # The articles don't say: no citations, marked as an abstention.
        refusal = client.chat.completions.create(
            model="qa-news",
            messages=[{"role": "user", "content": "Who won the 2014 FIFA World Cup?"}],
        )
        assert refusal.model_extra["abstained"] and refusal.model_extra["citations"] == []

        # A wrong bearer token, or none, gets 401; a bad request gets 400.
        wrong = openai.OpenAI(base_url=f"{url}v1", api_key="alice:pw2", max_retries=0)
        with pytest.raises(openai.AuthenticationError) as caught:
            wrong.chat.completions.create(
                model="qa-news", messages=[{"role": "user", "content": MATVIENKO}]
            )
        assert caught.value.status_code == 401
        with pytest.raises(openai.AuthenticationError):
            wrong.models.list()
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{url}v1/models", timeout=30)
        assert caught.value.code == 401
        with pytest.raises(openai.BadRequestError):
            client.chat.completions.create(
                model="qa-news", messages=[{"role": "user", "content": "   "}]
            )

        # HTTP Basic works too (bob), and the chat page itself still asks for a login.
        request = urllib.request.Request(
            f"{url}v1/models",
            headers={"Authorization": "Basic " + base64.b64encode(b"bob:pw2").decode()},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.load(response)["data"][0]["id"] == "qa-news"
        with urllib.request.urlopen(url, timeout=30) as response:
            assert '"auth_required":true' in response.read().decode()


def _tokens(*texts: str) -> int:
    from qa.answering.readers.windows import load_tokenizer

    tok = load_tokenizer()
    return sum(len(tok.encode(t, add_special_tokens=False).ids) for t in texts)


@pytest.mark.browser
def test_v1_streams_in_pieces_with_usage_and_a_source_per_citation(tmp_path):
    """Issue 21 point 5: the real `openai` client (and LangChain's ChatOpenAI) against
    the running app: the stream is several content chunks equal to the non-streamed
    reply, usage is counted, and each [n] is one annotation and one Open WebUI source
    event, in order, quoting the cited passage."""
    import openai
    from langchain_openai import ChatOpenAI

    seed_text = SEED.read_text(encoding="utf-8")
    for url, _ in start_app(tmp_path):
        client = openai.OpenAI(base_url=f"{url}v1", api_key="none", max_retries=0)
        asked = [{"role": "user", "content": ISIL}]
        done = client.chat.completions.create(model="qa-news", messages=asked)
        text = done.choices[0].message.content
        citations = done.model_extra["citations"]
        assert [c["n"] for c in citations] == list(range(1, len(citations) + 1))
        assert len(citations) >= 2
        assert done.usage.prompt_tokens == _tokens(ISIL)
        assert done.usage.completion_tokens == _tokens(text)
        assert done.usage.total_tokens == _tokens(ISIL) + _tokens(text)

        # Non-streamed: one url_citation per [n], in order, at its marker, quoting it.
        notes = done.choices[0].message.annotations
        assert [a.type for a in notes] == ["url_citation"] * len(citations)
        for a, c in zip(notes, citations, strict=True):
            assert text[a.url_citation.start_index : a.url_citation.end_index] == f"[{c['n']}]"
            assert a.url_citation.title == c["title"]
            assert a.url_citation.model_extra["quote"] == c["quote"]
            assert seed_text[c["start"] : c["end"]] == c["quote"]

        # Streamed: several content chunks that add up to the same text, no marker cut.
        chunks = list(
            client.chat.completions.create(
                model="qa-news",
                messages=asked,
                stream=True,
                stream_options={"include_usage": True, "include_annotations": True},
            )
        )
        contents = [ch.choices[0].delta.content for ch in chunks if ch.choices]
        contents = [c for c in contents if c]
        assert len(contents) >= 3 and "".join(contents) == text
        assert [m for c in contents for m in MARKER.findall(c)] == MARKER.findall(text)

        # Open WebUI's source events: one per [n], in order, the quote as the document.
        events = [ch.model_extra["event"] for ch in chunks if "event" in ch.model_extra]
        assert [e["type"] for e in events] == ["source"] * len(citations)
        assert [e["data"]["document"] for e in events] == [[c["quote"]] for c in citations]
        ids = [e["data"]["metadata"][0]["source"] for e in events]
        assert len(set(ids)) == len(ids) == len(citations)

        # The last choice: the annotations (the same ids) and the citations; then usage.
        final = [ch for ch in chunks if ch.choices and ch.choices[0].finish_reason][-1]
        assert final.choices[0].finish_reason == "stop"
        assert final.model_extra["citations"] == citations
        streamed_notes = final.choices[0].delta.model_extra["annotations"]
        assert streamed_notes == [a.model_dump(exclude_none=True) for a in notes]
        assert [a["url_citation"]["url"] for a in streamed_notes] == ids
        assert chunks[-1].choices == [] and chunks[-1].usage == done.usage
        assert all(ch.usage is None for ch in chunks[:-1])

        # LangChain: the text and the usage; the citations through its own openai client.
        llm = ChatOpenAI(base_url=f"{url}v1", api_key="none", model="qa-news", max_retries=0)
        reply = llm.invoke(ISIL)
        assert reply.content == text
        assert reply.usage_metadata["total_tokens"] == done.usage.total_tokens
        raw = llm.client.create(model="qa-news", messages=asked)
        assert raw.choices[0].message.annotations == notes
        assert raw.model_extra["citations"] == citations


@pytest.mark.server
@pytest.mark.browser
def test_v1_says_in_one_line_that_the_chroma_server_is_down(tmp_path):
    """Issue 20 item 4: an OpenAI-shaped error (503), and an error event then [DONE]
    when streaming, with the line the chat and /ask give; a real Chroma server."""
    import httpx
    import openai
    from conftest import free_port, start_chroma_server

    port = free_port()
    chroma = f"http://127.0.0.1:{port}"
    server = start_chroma_server(tmp_path / "server", port)
    try:
        for url, _ in start_app(tmp_path, QA_CHROMA_URL=chroma):
            client = openai.OpenAI(base_url=f"{url}v1", api_key="none", max_retries=0)
            asked = [{"role": "user", "content": MATVIENKO}]
            assert client.chat.completions.create(model="qa-news", messages=asked).model_extra[
                "citations"
            ]
            server.terminate()
            server.wait(10)
            with pytest.raises(openai.InternalServerError) as caught:
                client.chat.completions.create(model="qa-news", messages=asked)
            assert caught.value.status_code == 503
            message = caught.value.body["message"]
            assert chroma in message and "chroma run" in message and "\n" not in message
            assert caught.value.body["type"] == "server_error"
            with pytest.raises(openai.APIError) as streamed:
                list(client.chat.completions.create(model="qa-news", messages=asked, stream=True))
            assert chroma in streamed.value.message and "chroma run" in streamed.value.message
            raw = httpx.post(
                f"{url}v1/chat/completions",
                json={"model": "qa-news", "messages": asked, "stream": True},
                timeout=120,
            ).text
            events = [line for line in raw.splitlines() if line.startswith("data: ")]
            assert json.loads(events[-2][6:])["error"]["message"] == message
            assert events[-1] == "data: [DONE]"
    finally:
        server.terminate()
        server.wait(10)


def kenteris_corpus(folder):
    """The BBC sport articles about Kenteris, Thanou and their coach Christos Tzekos."""
    from conftest import BBC

    (folder / "sport").mkdir(parents=True, exist_ok=True)
    for path in sorted((BBC / "sport").glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "Kenteris" in text or "Tzekos" in text:
            shutil.copy(path, folder / "sport" / path.name)
    return folder


@pytest.mark.slow
def test_v1_resolves_he_as_the_chat_does(tmp_path, assistant_for):
    """Issue 21 point 1: over /v1 "Who was Christos Tzekos?" then "How long was he banned
    for?" became "... (Greek Federation)"; the chat resolved "he". One engine, one rewrite:
    the real openai client and the chat's own history give the same standalone question."""
    import openai

    from qa.app.web.chat_ui import chat_history, user_markdown
    from qa.app.web.page import chat_markdown

    first, then = "Who was Christos Tzekos?", "How long was he banned for?"
    kenteris_corpus(tmp_path / "corpus")
    for url, _ in start_app(tmp_path, seed=False):
        client = openai.OpenAI(base_url=f"{url}v1", api_key="none", max_retries=0)
        asked = [{"role": "user", "content": first}]
        reply = client.chat.completions.create(model="qa-news", messages=asked)
        assert reply.model_extra["citations"]  # the first answer quotes the articles
        asked += [
            {"role": "assistant", "content": reply.choices[0].message.content},
            {"role": "user", "content": then},
        ]
        follow = client.chat.completions.create(model="qa-news", messages=asked)
        over_v1 = follow.model_extra["standalone_question"]

    # The chat: the same questions, its messages as the page holds them (Markdown).
    chat = assistant_for(kenteris_corpus(tmp_path / "chat-corpus"))
    answer = chat.ask(first)
    shown = [
        {"role": "user", "content": user_markdown(first)},
        {"role": "assistant", "content": chat_markdown(answer, 1)},
    ]
    in_chat = chat.ask(then, history=chat_history(shown)).standalone_question
    assert over_v1 == in_chat
    assert "Tzekos" in over_v1 and "Greek" not in over_v1
    assert "banned" in follow.choices[0].message.content
