"""Every failure of a page event or a Gradio API call reaches the client as one
readable line (Gradio would send ``{"error": null}`` for any exception but its own
``gr.Error``): the full traceback goes to the log, the line to the client."""

from __future__ import annotations

import functools
import inspect
import logging

from qa.text.paths import without_paths

log = logging.getLogger(__name__)


def reason(exc: BaseException) -> str:
    """``exc`` as one short line (its class named when it says little; an OSError by its
    reason and file name, without the server's absolute path; a database error by the
    database's own words, without the SQL)."""
    orig = getattr(exc, "orig", None)  # SQLAlchemy wraps the driver's error
    exc = orig if isinstance(orig, BaseException) else exc
    text = " ".join(str(exc).split())[:300]
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
        if exc.filename:
            text += f" ({str(exc.filename).rstrip('/').rsplit('/', 1)[-1]})"
    if not text or isinstance(exc, (KeyError, TypeError, AttributeError)):
        text = f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
    return without_paths(text)


def one_line(exc: BaseException) -> str:
    """What the client is told of an unexpected failure."""
    return f"Something went wrong: {reason(exc)}"


def _reraise(exc: Exception):
    import gradio as gr

    if isinstance(exc, gr.Error):
        raise exc
    log.exception("a page event failed")
    raise gr.Error(one_line(exc)) from exc


def readable_errors(fn):
    """``fn`` (a plain, async, generator or async generator function) whose exceptions
    become ``gr.Error`` with one line; its signature is kept (Gradio reads it)."""
    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def agen(*args, **kwargs):
            try:
                async for item in fn(*args, **kwargs):
                    yield item
            except Exception as exc:
                _reraise(exc)

        return agen
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except Exception as exc:
                _reraise(exc)

        return gen
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def coro(*args, **kwargs):
            try:
                return await fn(*args, **kwargs)
            except Exception as exc:
                _reraise(exc)

        return coro

    @functools.wraps(fn)
    def plain(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            _reraise(exc)

    return plain


def with_readable_errors(demo):
    """Wrap every Python function of ``demo``'s events with ``readable_errors``."""
    for block_fn in demo.fns.values():
        if block_fn.fn is not None and not getattr(block_fn.fn, "qa_readable", False):
            block_fn.fn = readable_errors(block_fn.fn)
            block_fn.fn.qa_readable = True
    return demo
