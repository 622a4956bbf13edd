"""An OpenAI-compatible API on the chat's port: ``GET /v1/models`` and
``POST /v1/chat/completions`` (JSON or server-sent events), answered by the Assistant.

The last user message is the question, the earlier user/assistant messages are the
history. The reply text is Markdown (chat clients render it): what article text could
inject is escaped, so an article's ``[link](…)`` or ``![](…)`` shows as characters, and
the ``[n]`` markers are kept; a refusal quotes the sentence nearest the question (also
``closest``, and an annotation, both ``evidence: false``); the notes end the text.
``citations`` (the fields of
``qa ask --json``) rides along at the top level of the completion (of the last chunk
when streaming), the message carries them as OpenAI ``url_citation`` annotations, and
``usage`` counts the tokens. Streamed, the text comes in pieces of a few words, each
citation first as an Open WebUI ``source`` event (a chunk without choices), and
``usage`` on a chunk of its own when the client asks (``stream_options.include_usage``).
The annotations go on the last chunk's delta only when asked for
(``stream_options.include_annotations``): Open WebUI turns each one into a second
source document (the title alone) under the citation's own. With ``QA_AUTH`` every
call needs ``Authorization: Bearer user:password`` (the ``QA_AUTH`` entry as the API
key) or HTTP Basic.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from qa.answering.llm.backends import LLMUnavailable
from qa.answering.retrieval.hybrid import Filters
from qa.answering.service import Assistant, QuestionError
from qa.app.access.auth import user_from_authorization
from qa.app.api.reply_parts import (
    annotations,
    closest_field,
    reply_content,
    source_events,
    stream_pieces,
    usage,
)
from qa.indexing.errors import IndexUnavailable
from qa.text.markdown import unescape_markdown
from qa.text.paths import error_text
from qa.types import Answer

MODEL_ID = "qa-news"
UNSUPPORTED = {  # parameters that would change the reply and are refused, not ignored
    "n": lambda v: v not in (None, 1),
    "tools": bool,
    "functions": bool,
    "response_format": lambda v: (
        v not in (None, {}) and not (isinstance(v, dict) and v.get("type") == "text")
    ),
}
IGNORED = ("max_tokens", "max_completion_tokens", "stop")  # said in "ignored_parameters"
log = logging.getLogger(__name__)


class RequestError(ValueError):
    """A request the API cannot take (400; 413 with ``status``)."""

    def __init__(self, message: str, param: str | None = None, status: int = 400):
        super().__init__(message)
        self.param, self.status = param, status


def error_response(
    status: int, message: str, kind: str, code: str | None = None, param: str | None = None
):
    """An error in OpenAI's shape: {"error": {"message", "type", "param", "code"}}."""
    headers = {"WWW-Authenticate": 'Bearer realm="qa-news"'} if status == 401 else None
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


async def read_json(request: Request, limit_mb: float) -> object:
    """The request body as JSON, read no further than ``limit_mb`` (RequestError)."""
    limit = int(limit_mb * 1024 * 1024)
    too_big = RequestError(
        f"the request body is over the {limit_mb:g} MB limit (QA_MAX_REQUEST_MB)", status=413
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_big
    try:
        return json.loads(bytes(body))
    except RecursionError:
        raise RequestError("the request body is not JSON (nested too deeply)") from None
    except ValueError as exc:  # not JSON, or not UTF-8
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise RequestError(f"the request body is not JSON ({reason})") from None


def _clean(text: str) -> str:
    """``text`` with any lone surrogate (from a JSON escape) made U+FFFD."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _text(content) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text":
                if not isinstance(part.get("text"), str):
                    raise RequestError("a text content part needs a string 'text'", "messages")
                texts.append(part["text"])
        return "\n".join(texts)
    raise RequestError("message content must be a string or a list of content parts")


def _history_text(role: str, content) -> str:
    text = _clean(_text(content))
    return unescape_markdown(text, entities=False) if role == "assistant" else text


def parse_request(body: object) -> dict:
    """question, history, k, filters, model and stream from a chat completion request."""
    if not isinstance(body, dict):
        raise RequestError("the request body must be a JSON object")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError("'messages' must be a non-empty list")
    if not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages):
        raise RequestError("every message needs a 'role'")
    if messages[-1]["role"] != "user":
        raise RequestError("the last message must be the user's question")
    history = [  # an earlier reply of ours comes back Markdown-escaped
        {"role": m["role"], "content": _history_text(m["role"], m.get("content"))}
        for m in messages[:-1]
        if m["role"] in ("user", "assistant")
    ]
    k = body.get("k")
    if k is not None and (not isinstance(k, int) or not 1 <= k <= 50):
        raise RequestError("'k' must be an integer from 1 to 50")
    article = body.get("article") or ""
    if not isinstance(article, str):
        raise RequestError("'article' must be an article id")
    options = body.get("stream_options") or {}
    if not isinstance(options, dict):
        raise RequestError("'stream_options' must be an object")
    for name, refused in UNSUPPORTED.items():
        if refused(body.get(name)):
            raise RequestError(f"'{name}' is not supported: one extractive answer, as text", name)
    return {
        "question": _text(messages[-1].get("content")),
        "history": history,
        "k": k,
        "filters": Filters(articles=[article] if article else []),
        "model": str(body.get("model") or MODEL_ID),
        "stream": bool(body.get("stream")),
        "include_usage": bool(options.get("include_usage")),
        "include_annotations": bool(options.get("include_annotations")),
        "prompt": [_clean(_text(m.get("content"))) for m in messages],  # what usage counts
        "ignored": [name for name in IGNORED if body.get(name) is not None],
    }


def _extras(answer: Answer) -> dict:
    """What rides along with the reply: citations as in ``qa ask --json``, and more."""
    return {
        "citations": [asdict(c) for c in answer.citations],
        "abstained": answer.abstained,
        "short_answer": answer.short_answer,
        # P(short_answer is the exact answer); the chat shows it (in bold) only when sure
        "short_answer_confidence": answer.short_answer_confidence,
        "short_answer_shown": bool(answer.shown_short_answer),
        "standalone_question": answer.standalone_question,
        "kind": answer.kind,
        "groups": [asdict(g) for g in answer.groups],
        "notes": list(answer.notes),  # e.g. the date window applied, undated left out
        "excluded_undated": answer.excluded_undated,
        "closest": closest_field(answer),  # a refusal's nearest sentence: not evidence
    }


def completion(answer: Answer, model: str, prompt: list[str] | None = None) -> dict:
    """A ``chat.completion`` object for the answer (``prompt``: the request's message
    texts, for ``usage``; by default the question)."""
    content = reply_content(answer)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": content,
                    "annotations": annotations(content, answer),
                },
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": usage([answer.question] if prompt is None else prompt, content),
        **_extras(answer),
    }


def stream_events(assistant: Assistant, request: dict) -> Iterator[str]:
    """Server-sent events: the role; once the answer is ready, one Open WebUI
    ``source`` event per citation, the text in pieces of a few words, a last chunk with
    the citations (and the annotations, when asked for); then ``usage`` when asked for.

    The text is sent once its citations are checked (with an LLM the check renumbers
    the markers, so the raw tokens would not match the citations).
    """
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": request["model"],
        **({"usage": None} if request["include_usage"] else {}),  # as OpenAI does
    }

    def data(chunk: dict) -> str:
        return f"data: {json.dumps({**base, **chunk})}\n\n"

    def event(delta: dict, finish: str | None = None, **extra) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return data({"choices": [choice], **extra})

    yield event({"role": "assistant", "content": ""})
    try:
        for piece in assistant.stream(
            request["question"], request["history"], request["k"], request["filters"]
        ):
            if isinstance(piece, Answer):
                content = reply_content(piece)
                for source in source_events(piece.citations):  # Open WebUI's sources
                    yield data({"choices": [], "event": source})
                for text in stream_pieces(content):
                    yield event({"content": text})
                notes = annotations(content, piece) if request["include_annotations"] else []
                extras = {**_extras(piece), **_ignored(request)}
                yield event({"annotations": notes} if notes else {}, "stop", **extras)
                if request["include_usage"]:
                    yield data({"choices": [], "usage": usage(request["prompt"], content)})
    except (QuestionError, LLMUnavailable, IndexUnavailable, OSError) as exc:
        # The index (a Chroma server down) or the LLM: the same one line as in the chat.
        kind = "invalid_request_error" if isinstance(exc, QuestionError) else "server_error"
        yield f"data: {json.dumps({'error': _error(error_text(exc), kind)})}\n\n"
    except Exception as exc:  # never a dropped connection without a word and [DONE]
        log.exception("a streamed answer failed")
        yield f"data: {json.dumps({'error': _error(_failure(exc), 'server_error')})}\n\n"
    yield "data: [DONE]\n\n"


def _error(message: str, kind: str) -> dict:
    return {"message": message, "type": kind, "param": None, "code": None}


def _failure(exc: BaseException) -> str:
    """One line for an unexpected failure (the traceback goes to the log)."""
    text = error_text(exc)[:300]
    return f"the answer failed ({exc.__class__.__name__}{': ' + text if text else ''})"


def _ignored(request: dict) -> dict:
    """Says which parameters the reply did not follow (an extractive answer is whole)."""
    return {"ignored_parameters": request["ignored"]} if request.get("ignored") else {}


def openai_router(assistant: Assistant, accounts: dict[str, str]) -> APIRouter:
    """The /v1 routes; ``accounts`` from ``QA_AUTH`` (empty: open)."""
    router = APIRouter(prefix="/v1")

    def unauthorized():
        return error_response(
            401,
            "Incorrect API key: use the QA_AUTH entry 'user:password' as the key.",
            "invalid_request_error",
            "invalid_api_key",
        )

    @router.get("/models")
    def models(request: Request):
        """The one model: the assistant over this corpus."""
        if user_from_authorization(accounts, request.headers.get("authorization")) is None:
            return unauthorized()
        return {
            "object": "list",
            "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "qa-news"}],
        }

    @router.post("/chat/completions")
    async def chat_completions(request: Request):
        """Answer the last user message from the articles, with citations."""
        if user_from_authorization(accounts, request.headers.get("authorization")) is None:
            return unauthorized()
        try:
            parsed = parse_request(await read_json(request, assistant.settings.max_request_mb))
            parsed["question"] = assistant.check_question(parsed["question"])
        except RequestError as exc:
            return error_response(
                exc.status, error_text(exc), "invalid_request_error", param=exc.param
            )
        except QuestionError as exc:
            return error_response(400, error_text(exc), "invalid_request_error", param="messages")
        if parsed["stream"]:
            return StreamingResponse(
                stream_events(assistant, parsed),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        try:
            answer = await run_in_threadpool(
                assistant.ask, parsed["question"], parsed["history"], parsed["k"], parsed["filters"]
            )
            return {**completion(answer, parsed["model"], parsed["prompt"]), **_ignored(parsed)}
        except (LLMUnavailable, IndexUnavailable, OSError) as exc:
            return error_response(503, error_text(exc), "server_error")
        except QuestionError as exc:
            return error_response(400, error_text(exc), "invalid_request_error", param="messages")
        except Exception as exc:  # the OpenAI shape and one line, never a bare 500
            log.exception("an answer failed")
            return error_response(500, _failure(exc), "server_error")

    return router
