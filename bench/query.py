"""Query speed and retrieval quality on the BBC corpus, side by side in one run.

- latency (median, p95) of retrieval alone and of a full extractive answer, over the
  questions of bench/bbc_eval.jsonl repeated to at least 100 asks, with the neural reader
  and without it (the learned answerer alone), side by side, and the reader's own stage;
- the reader's load time and what it adds to the process's memory (RSS);
- retrieval hit@1 / hit@k on bench/bbc_eval.jsonl: this project's hybrid retriever
  versus the textbook pipeline (similarity search, k=4, on 1000/200 character chunks);
- the full eval metrics on the same set (the extractive default);
- latency (median) per question kind: a few overview, timeline, comparison and summary
  questions (qa/answering/question/kinds.py), each asked 3 times, next to factoids.

Usage: python -m bench.query [--skip-textbook] [--kinds-only] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.common import BBC, ROOT, median, pct
from qa.answering.ranking.learned import load_models
from qa.answering.readers.reader import Reader
from qa.answering.service import build_assistant
from qa.evaluation import metrics as m
from qa.evaluation.run import load_pairs, run_eval
from qa.indexing.corpus import load_corpus
from qa.settings import Settings


def rss_mb() -> float:
    """This process's resident memory (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def textbook_ranks(pairs, articles, embedder_path: str, work: Path) -> list[int]:
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    docs = splitter.split_documents(
        [Document(page_content=a.text, metadata={"source": a.id}) for a in articles]
    )
    store = Chroma.from_documents(
        docs,
        HuggingFaceEmbeddings(model_name=embedder_path),
        persist_directory=str(work / "textbook"),
    )
    ranks = []
    for p in pairs:
        hits = store.similarity_search(p.question, k=4)
        ranks.append(
            m.first_hit_rank(
                [(d.metadata["source"], d.page_content) for d in hits], p.answers, p.source
            )
        )
    return ranks


KIND_QUESTIONS = {
    "factoid": [
        "How much did Time Warner's quarterly profits rise?",
        "Who is the chief executive of Yukos?",
        "When does the Nintendo DS go on sale in Europe?",
    ],
    "overview": [
        "What did the articles say about Google?",
        "Tell me about Yukos",
        "News on the Mac mini",
    ],
    "timeline": [
        "What happened to Yukos?",
        "What happened with the Google share sale?",
        "Timeline of the Glazer takeover of Manchester United",
    ],
    "comparison": [
        "Compare Apple and Sony",
        "How did Google's and Yahoo's results compare?",
        "Compare Labour and the Conservatives on immigration",
    ],
    "summary": [
        "Summarise the Nintendo DS article",
        "Summarise the article about Google's toolbar",
        "Sum up the story on Apple's Mac mini",
    ],
}


def kind_latency(assistant, repeats: int = 3) -> None:
    """Median latency per question kind: of each question's first ask (new input shapes
    for the embedder), and of all asks (repeats reuse them, as a warm server does); and
    the CPU time of an ask (all threads), which other load on the machine inflates less."""
    print(f"\nlatency per question kind (each question asked {repeats} times):")
    assistant.ask("Who is the speaker of the House of Commons?")  # load everything once
    for kind, questions in KIND_QUESTIONS.items():
        ms, first, cpu, got = [], [], [], []
        for q in questions:
            for i in range(repeats):
                t, c = time.perf_counter(), time.process_time()
                answer = assistant.ask(q)
                ms.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
                if i == 0:
                    first.append(ms[-1])
            got.append(answer.kind)
            articles = len({c.article for c in answer.citations})
            print(f"    {q!r}: answered as {answer.kind}, {articles} article(s) cited")
        print(
            f"  {kind:<11} first ask p50 {median(first):7.1f} ms; all asks p50 {median(ms):7.1f} ms"
            f"  p95 {pct(ms, 0.95):7.1f} ms; CPU time p50 {median(cpu):7.1f} ms"
            f"  ({got.count(kind)}/{len(got)} answered as {kind})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="", help="reuse an index (default: a temp dir)")
    parser.add_argument("--skip-textbook", action="store_true")
    parser.add_argument("--kinds-only", action="store_true", help="only the per-kind latency")
    args = parser.parse_args()
    if args.kinds_only:
        data = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="qa-bench-"))
        kind_latency(build_assistant(Settings(corpus_dir=BBC, data_dir=data), sync=True))
        return
    load_ms = []
    for _ in range(5):
        load_models.cache_clear()
        t = time.perf_counter()
        load_models()
        load_ms.append((time.perf_counter() - t) * 1000)
    print(f"answerer model load (qa/answering/models/answerer.json): p50 {median(load_ms):.1f} ms")
    work = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    data = Path(args.data_dir) if args.data_dir else work
    off = build_assistant(Settings(corpus_dir=BBC, data_dir=data, reader=False), sync=True)
    rss_before = rss_mb()
    reader_ms = []
    for _ in range(5):
        t = time.perf_counter()
        Reader()
        reader_ms.append((time.perf_counter() - t) * 1000)
    print(f"reader model load (qa/answering/models/reader.onnx): p50 {median(reader_ms):.0f} ms")
    settings = Settings(corpus_dir=BBC, data_dir=data)
    assistant = build_assistant(settings)
    plain = build_assistant(settings.model_copy(update={"reranker": False}))
    pairs = load_pairs(ROOT / "bench" / "bbc_eval.jsonl").pairs
    answerable = [p for p in pairs if p.answers]
    k = settings.k

    asks = (pairs * (100 // len(pairs) + 1))[: max(100, len(pairs))]
    for warm in (assistant, off, plain):
        warm.ask(asks[0].question)
    retrieval_ms, answer_ms, off_ms, read_ms, plain_ms = [], [], [], [], []
    for p in asks:  # interleaved, so that both see the same machine
        t = time.perf_counter()
        assistant.retriever.search(p.question, k)
        retrieval_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        answer = assistant.ask(p.question)
        answer_ms.append((time.perf_counter() - t) * 1000)
        read_ms.append(answer.timings.get("read", 0.0))
        t = time.perf_counter()
        off.ask(p.question)
        off_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        plain.ask(p.question)
        plain_ms.append((time.perf_counter() - t) * 1000)
    print(f"latency over {len(asks)} asks on {assistant.retriever.index.n_docs} chunks:")
    print(
        f"  retrieval (embed + dense + BM25 + RRF): p50 {median(retrieval_ms):6.1f} ms  "
        f"p95 {pct(retrieval_ms, 0.95):6.1f} ms"
    )
    print(
        f"  full answer, learned answerer alone:    p50 {median(off_ms):6.1f} ms  "
        f"p95 {pct(off_ms, 0.95):6.1f} ms"
    )
    print(
        f"  full answer, with the reader:           p50 {median(answer_ms):6.1f} ms  "
        f"p95 {pct(answer_ms, 0.95):6.1f} ms  (ratio {median(answer_ms) / median(off_ms):.2f}x)"
    )
    print(
        f"  full answer, reader, no cross-encoder:  p50 {median(plain_ms):6.1f} ms  "
        f"p95 {pct(plain_ms, 0.95):6.1f} ms  (with it: {median(answer_ms) / median(plain_ms):.2f}x)"
    )
    print(
        f"  the reader's stage alone:               p50 {median(read_ms):6.1f} ms  "
        f"p95 {pct(read_ms, 0.95):6.1f} ms"
    )
    print(f"  RSS: {rss_before:.0f} MB before the reader, {rss_mb():.0f} MB after these asks")

    report = run_eval(assistant, pairs, k, progress=False)
    ours = [r["rank"] for r in report["rows"] if not r["unanswerable"]]
    without = run_eval(plain, pairs, k, progress=False)["rows"]
    fused = []
    for p in answerable:
        hits = assistant.retriever.search(p.question, k)
        fused.append(m.first_hit_rank([(h.article, h.text) for h in hits], p.answers, p.source))
    print(f"\nretrieval on {len(answerable)} answerable BBC questions:")
    print(f"  {'pipeline':<44}{'hit@1':>7}{'hit@4':>7}{'MRR':>7}")
    rows = [
        ("this project: dense+BM25 RRF alone", fused),
        (
            "this project: + sentence model alone",
            [r["rank"] for r in without if not r["unanswerable"]],
        ),
        ("this project: + cross-encoder (as shown)", ours),
    ]
    for name, ranks in rows:
        print(
            f"  {name:<44}{m.hit_at(ranks, 1):>7.3f}{m.hit_at(ranks, 4):>7.3f}{m.mrr(ranks):>7.3f}"
        )
    if not args.skip_textbook:
        articles = load_corpus(BBC).articles
        tb = textbook_ranks(answerable, articles, assistant.embedder.model_path, work)
        print(
            f"  {'textbook (similarity k=4, 1000/200)':<44}{m.hit_at(tb, 1):>7.3f}"
            f"{m.hit_at(tb, 4):>7.3f}{m.mrr(tb):>7.3f}"
        )
        if m.hit_at(tb, 1):
            print(f"  hit@1 ratio: {m.hit_at(ours, 1) / m.hit_at(tb, 1):.2f}x")
    print("\nfull eval on bench/bbc_eval.jsonl (extractive):")
    for key, value in report["metrics"].items():
        print(f"  {key:<22}{value:>9.3f}")
    kind_latency(assistant)


if __name__ == "__main__":
    main()
