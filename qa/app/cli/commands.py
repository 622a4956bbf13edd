"""Command line: ``qa ingest | ask | eval | serve | feedback export``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from pathlib import Path

EXIT_USAGE = 2


def _offline_env() -> None:
    # Set before any model or Chroma import: no hub, no telemetry.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _settings(args):
    from qa.settings import Settings

    overrides = {}
    if getattr(args, "corpus", None):
        overrides["corpus_dir"] = Path(args.corpus)
    return Settings(**overrides)


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def cmd_ingest(args) -> int:
    from qa.answering.service import build_assistant

    settings = _settings(args)
    assistant = build_assistant(settings, sync=False, rebuild=args.rebuild)
    progress = None if args.json else _tqdm_progress()
    summary = assistant.sync(rebuild=args.rebuild, progress=progress)
    if args.json:
        _print_json(summary.to_dict())
        return 0
    print(
        f"{_n(summary.articles_total, 'article')}, {_n(summary.chunks_total, 'chunk')} "
        "in the index "
        f"({summary.added} added, {summary.updated} updated, {summary.deleted} deleted, "
        f"{summary.unchanged} unchanged; {_n(summary.chunks_embedded, 'chunk')} embedded; "
        f"{summary.duplicate_pairs} near-duplicate pairs) in {summary.seconds:.1f} s"
    )
    for err in summary.errors:
        print(f"skipped {err['file']}: {err['error']}", file=sys.stderr)
    for warn in summary.warnings:
        print(f"warning {warn['file']}: {warn['warning']}", file=sys.stderr)
    return 0


def _interactive() -> bool:
    """Whether progress bars are wanted: on a terminal, not in a log."""
    return sys.stderr.isatty()


def _tqdm_progress():
    """One sync progress bar on a terminal; None (no bar) in a log."""
    if not _interactive():
        return None
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="chunk", desc="sync", file=sys.stderr)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def cmd_ask(args) -> int:
    from qa.answering.question.check import QuestionError, check_dates, check_k, check_question

    settings = _settings(args)
    try:  # checked before anything heavy loads, so a bad question fails fast
        question = check_question(" ".join(args.question), settings.max_question_chars)
        args.date_from, args.date_to = check_dates(args.date_from, args.date_to)
        args.k = check_k(args.k)
    except QuestionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.server:
        return _ask_server(args, question)
    loading = _load_models_meanwhile(settings)
    try:
        from qa.answering.retrieval.hybrid import Filters
        from qa.answering.service import build_assistant

        assistant = build_assistant(settings, sync=args.sync)
    finally:
        loading.join()
    filters = Filters(
        articles=args.article or [], date_from=args.date_from or "", date_to=args.date_to or ""
    )
    try:
        answer = assistant.ask(question, k=args.k, filters=filters)
    except QuestionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return _print_answer(answer, args.json)


def _load_models_meanwhile(settings):
    """A thread that loads the query encoder and the reader (ONNX Runtime sessions) while
    this one imports the rest of the engine: ONNX Runtime builds a session without holding
    the GIL, so on two cores the two overlap. ``build_assistant`` then finds them loaded
    (each loader runs once per process), or loads them itself and says what failed."""
    import threading

    import onnxruntime  # noqa: F401  (imported here, not by two threads at once)
    import tokenizers  # noqa: F401

    from qa.answering.readers.reader import load_reader
    from qa.indexing.embeddings import load_embedder
    from qa.indexing.onnx_embedder import OnnxEmbedder  # noqa: F401

    def load() -> None:
        try:
            load_embedder(
                settings.embedding_model,
                settings.embedding_batch_size,
                settings.embedding_precision,
            )
            if settings.reader:
                load_reader(settings.reader_model or None)
        except Exception:  # build_assistant loads again and reports it
            pass

    thread = threading.Thread(target=load, name="qa-load-models", daemon=True)
    thread.start()
    return thread


def _ask_server(args, question: str) -> int:
    """Ask the app at ``--server`` (its /ask API): one line on stderr when it cannot."""
    from qa.app.cli.remote import ServerError, ask_server

    refused = [f for f, on in (("--corpus", args.corpus), ("--sync", args.sync)) if on]
    if len(args.article or []) > 1:
        refused.append("more than one --article")
    if refused:
        print(
            f"error: {' and '.join(refused)} cannot go with --server (the app answers "
            "from its own index)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        data = ask_server(
            args.server,
            question,
            k=args.k,
            article=(args.article or [""])[0],
            date_from=args.date_from or "",
            date_to=args.date_to or "",
            api_key=args.api_key or "",
        )
    except ServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if "error" in data:
        print(f"error: the app at {args.server} says: {data['error']}", file=sys.stderr)
        return 1
    from qa.types import Answer

    return _print_answer(Answer.from_dict(data), args.json)


def _print_answer(answer, as_json: bool) -> int:
    if as_json:
        _print_json(answer.to_dict())
        return 0
    from qa.app.cli.terminal import print_answer

    print_answer(answer)
    return 0


def cmd_eval(args) -> int:
    from qa.answering.service import build_assistant
    from qa.evaluation.report import print_report, write_report
    from qa.evaluation.run import load_pairs, run_eval

    settings = _settings(args)
    qa_file = Path(args.qa_file) if args.qa_file else settings.corpus_dir / "eval.jsonl"
    if not qa_file.is_file():
        raise FileNotFoundError(f"Q&A file {qa_file} does not exist")
    loaded = load_pairs(qa_file)
    if not loaded.pairs:
        raise ValueError(f"no usable question in {qa_file}")
    assistant = build_assistant(settings, sync=True)  # reuses an up-to-date index
    k = args.k or settings.k
    report = run_eval(assistant, loaded.pairs, k, progress=not args.json and _interactive())
    if args.out:
        paths = write_report(report, loaded.errors, Path(args.out))
        if not args.json:
            print("wrote " + ", ".join(str(p) for p in paths))
    if args.json:
        _print_json({**report, "errors": loaded.errors})
    else:
        print_report(report, loaded.errors)
    return 0


STOP_GRACE_SECONDS = 10.0  # a stop's wait for the exit to finish (threads, atexit)
_STOPPING = threading.Event()  # set by SIGTERM (the sync may have swallowed its interrupt)


def _stop(signum, frame) -> None:
    """SIGTERM: exit as Ctrl-C does (Gradio closes the server; atexit removes the users'
    exports). The start-up sync can swallow the interrupt or hold the exit (a test's app
    stopped during it was still serving an hour later), so after a grace the exports are
    removed and the process exits anyway: an interrupted sync is completed by the next."""
    _STOPPING.set()
    threading.Thread(target=_exit_after_grace, name="qa-stop", daemon=True).start()
    raise KeyboardInterrupt


def _exit_after_grace() -> None:
    import time

    from qa.app.web.exports import remove_export_folders

    time.sleep(STOP_GRACE_SECONDS)
    remove_export_folders()
    sys.stdout.flush()
    os._exit(130)


def cmd_serve(args) -> int:
    import signal
    import time

    from qa.answering.service import build_assistant
    from qa.app.web.blocks import launch
    from qa.app.web.startup import BackgroundSync

    signal.signal(signal.SIGTERM, _stop)  # a stop also removes the users' exports (atexit)
    settings = _settings(args)
    started = time.perf_counter()
    assistant = build_assistant(settings)
    host = args.host or settings.host
    port = args.port or settings.port
    # The page is served at once; the sync runs meanwhile and the page shows its progress
    # (answers come from what is indexed so far).
    background = BackgroundSync(assistant)
    demo, _ = launch(assistant, host, port, block=False, background=background)
    if not settings.sync_on_start:  # a replica: a separate sync job writes the index
        print(f"Serving the index of {settings.collection_name} as synced by the sync job.")
        print(f"Serving the chat at http://{host}:{port}", flush=True)
    else:
        print(f"Serving the chat at http://{host}:{port} (syncing the corpus)", flush=True)
        _sync_while_serving(background, started)
    if not _STOPPING.is_set():
        demo.block_thread()
    return 130 if _STOPPING.is_set() else 0


def _sync_while_serving(background, started: float) -> None:
    import time

    from qa.indexing.errors import IndexUnavailable
    from qa.indexing.sync import SyncBusyError

    try:
        summary = background.run(progress=_tqdm_progress())
    except (IndexUnavailable, SyncBusyError, RuntimeError, OSError) as exc:
        # Shown on the page too; the app keeps serving what is indexed.
        print(f"error: sync failed: {exc}; serving the index as it is", file=sys.stderr)
    else:
        print(
            f"Synced {_n(summary.articles_total, 'article')} ({summary.chunks_embedded} chunks "
            f"embedded) in {time.perf_counter() - started:.1f} s; "
            f"skipped {len(summary.errors)} file(s).",
            flush=True,
        )
        for err in summary.errors:
            print(f"skipped {err['file']}: {err['error']}", file=sys.stderr)


def cmd_feedback_export(args) -> int:
    from collections import Counter

    from qa.app.records.conversations import ConversationStore
    from qa.app.records.feedback import FeedbackStore, earlier_questions, export_rows

    settings = _settings(args)
    url = settings.chat_database_url
    earlier = earlier_questions(ConversationStore(url))
    rows, skipped = export_rows(FeedbackStore(url).all(), earlier)
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {len(rows)} eval rows to {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    for reason, n in Counter(s["reason"] for s in skipped).items():
        print(f"skipped {n} feedback record(s): {reason}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="sync the corpus folder into the index")
    p.add_argument("--corpus", help="corpus folder (default: QA_CORPUS_DIR or corpus/)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and rebuild it")
    p.add_argument("--json", action="store_true", help="print one JSON summary")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="answer a question from the articles, with citations")
    p.add_argument("question", nargs="+", help="the question")
    p.add_argument("--corpus", help="corpus folder (default: QA_CORPUS_DIR or corpus/)")
    p.add_argument("--k", type=int, default=None, help="passages to retrieve")
    p.add_argument("--article", action="append", help="only this article id (repeatable)")
    p.add_argument("--date-from", help="only articles published on or after (YYYY-MM-DD)")
    p.add_argument("--date-to", help="only articles published on or before (YYYY-MM-DD)")
    p.add_argument("--sync", action="store_true", help="sync the corpus first")
    p.add_argument("--json", action="store_true", help="print the answer object as JSON")
    p.add_argument("--server", metavar="URL", help="ask the app running at URL (qa serve) instead")
    p.add_argument("--api-key", help="with --server: user:password when the app has QA_AUTH")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="score the assistant on question/answer pairs")
    p.add_argument("qa_file", nargs="?", help="JSONL file (default: <corpus>/eval.jsonl)")
    p.add_argument("--corpus", help="corpus folder to index and answer from")
    p.add_argument("--k", type=int, default=None, help="passages to retrieve")
    p.add_argument("--json", action="store_true", help="print one JSON report")
    p.add_argument("--out", help="write report.json, report.md and metrics.png here")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("serve", help="sync the corpus and serve the chat (Gradio)")
    p.add_argument("--corpus", help="corpus folder (default: QA_CORPUS_DIR or corpus/)")
    p.add_argument("--host", help="address to bind (default: QA_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: QA_PORT or 7860)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("feedback", help="the chat's feedback")
    fsub = p.add_subparsers(dest="feedback_command", required=True)
    p = fsub.add_parser(
        "export", help="write feedback as eval rows (JSONL) that `qa eval FILE` runs"
    )
    p.add_argument("--out", help="write to this file (default: standard output)")
    p.set_defaults(func=cmd_feedback_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    _offline_env()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM while serving: exit, atexit cleans up
        return 130


def _n(count: int, word: str) -> str:
    """ "1 article", "2 articles"."""
    return f"{count} {word}{'' if count == 1 else 's'}"
