"""Ingest speed on the BBC corpus, side by side in one run.

1. the raw encoder alone on exactly the texts this project embeds (the ceiling);
2. this project's full ingest (load, chunk, embed, store, record manager);
3. a second sync of the unchanged corpus (must embed nothing);
4. the textbook LangChain pipeline: RecursiveCharacterTextSplitter(1000, 200) +
   HuggingFaceEmbeddings + Chroma.from_documents, on the same articles.

Usage: python -m bench.ingest [--limit N]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.common import BBC, timer
from qa.answering.service import build_assistant
from qa.indexing.chunking import embedding_prefix
from qa.indexing.corpus import load_corpus
from qa.indexing.sync import article_documents
from qa.settings import Settings


def limited_corpus(limit: int | None, workdir: Path) -> Path:
    if not limit:
        return BBC
    import shutil

    dest = workdir / "bbc"
    files = sorted(BBC.rglob("*.txt"))[:limit]
    for f in files:
        (dest / f.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(f, dest / f.parent.name / f.name)
    return dest


def textbook_ingest(articles, model_path: str, work: Path, t: dict) -> list:
    """The textbook LangChain pipeline, timed into t["textbook"]; returns its chunks."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    with timer(t, "textbook"):
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        lc_docs = splitter.split_documents(
            [Document(page_content=a.text, metadata={"source": a.id}) for a in articles]
        )
        hf = HuggingFaceEmbeddings(model_name=model_path)
        Chroma.from_documents(lc_docs, hf, persist_directory=str(work / "textbook"))
    return lc_docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N articles")
    parser.add_argument("--skip-textbook", action="store_true", help="skip the slow baseline")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    corpus = limited_corpus(args.limit, work)
    t: dict[str, float] = {}

    settings = Settings(corpus_dir=corpus, data_dir=work / "data")
    with timer(t, "model_load"):
        assistant = build_assistant(settings)
    embedder = assistant.embedder
    loaded = load_corpus(corpus)
    mb = sum(len(a.text.encode("utf-8")) for a in loaded.articles) / 1e6
    docs = [d for a in loaded.articles for d in article_documents(a, embedder, settings)]
    texts = [
        embedding_prefix(d.metadata["title"], d.metadata["published"]) + d.page_content
        for d in docs
    ]
    print(
        f"{len(loaded.articles)} articles, {mb:.2f} MB of text, {len(docs)} chunks "
        f"(model load {t['model_load']:.1f} s; encoder matmuls in "
        f"{'bfloat16' if embedder.bf16 else 'float32'}, the textbook's in float32)",
        flush=True,
    )

    with timer(t, "raw"):
        embedder.encode_documents(texts)
    with timer(t, "full"):
        summary = assistant.sync()
    assert summary.chunks_embedded == len(docs), summary
    with timer(t, "resync"):
        again = assistant.sync()
    assert again.chunks_embedded == 0, again

    lc_docs = (
        textbook_ingest(loaded.articles, embedder.model_path, work, t)
        if not (args.skip_textbook)
        else []
    )

    def rate(key: str) -> float:
        return mb / (t[key] / 60)

    print()
    print(f"{'pipeline':<34}{'seconds':>9}{'chunks':>8}{'MB/min':>9}")
    rows = [
        ("raw encoder (same texts)", "raw", len(docs)),
        ("this project: full ingest", "full", len(docs)),
        ("this project: re-sync unchanged", "resync", 0),
    ]
    if lc_docs:
        rows.append(("textbook LangChain 1000/200", "textbook", len(lc_docs)))
    for name, key, n in rows:
        print(f"{name:<34}{t[key]:>9.1f}{n:>8}{rate(key):>9.2f}")
    print()
    print(f"full ingest / raw encoder time: {t['full'] / t['raw']:.2f}x (target <= 1.3x)")
    if lc_docs:
        print(f"full ingest MB/min / textbook MB/min: {rate('full') / rate('textbook'):.2f}x")
    print(f"re-sync of unchanged corpus: {t['resync']:.1f} s, 0 chunks embedded")


if __name__ == "__main__":
    main()
