"""One typed Settings object, read from the environment (prefix ``QA_``) and ``.env``.

Nothing else in the package reads the environment: build ``Settings()`` once at the
edge (CLI, app) and pass it down.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Every knob of the assistant, with its default."""

    model_config = SettingsConfigDict(
        env_prefix="QA_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Where things live
    corpus_dir: Path = Path("corpus")
    data_dir: Path = Path(".qa")
    chroma_url: str = ""  # empty: embedded Chroma in data_dir; http://host:port: a server
    # The collection's name; empty: derived from corpus_dir (see collection_name). App
    # replicas that serve a collection another machine syncs set it.
    collection: str = ""
    # The record manager (chunk hashes of the last sync); empty: SQLite records.sqlite in
    # data_dir; any SQLAlchemy URL for a shared database (a sync job on another machine).
    records_url: str = ""
    # `qa serve` syncs the corpus folder before serving; false for replicas (a separate
    # sync job writes the index, replicas only read it).
    sync_on_start: bool = True

    # Embedding and chunking
    embedding_model: str = BUNDLED_MODEL  # or a local sentence-transformers folder
    embedding_batch_size: int = 64
    # "auto": bfloat16 matmuls where the CPU does them natively (AMX / AVX512-BF16), which
    # measured 2.4x faster here with cosine >= 0.9999 to float32; else float32.
    embedding_precision: Literal["auto", "float32", "bfloat16"] = "auto"
    sync_batch_size: int = 1024  # chunks per indexing batch (embed + upsert + record)
    # A long sync publishes what it has stored so far at most this often (seconds), so
    # that questions are answered from it meanwhile (qa/indexing/publish.py); -1: never.
    sync_publish_seconds: float = 15.0
    # Word pieces per chunk, title prefix included (model max 256). 128 measured best on the
    # BBC set (RRF hit@1 0.725 vs 0.650 at 200; see bench/query.py) and ingests faster.
    chunk_tokens: int = 128
    chunk_overlap_sentences: int = 0

    # Retrieval
    k: int = 5
    dense_candidates: int = 20
    sparse_candidates: int = 20
    rrf_k: int = 60
    mmr: bool = False
    # "latest"/"current" questions: only articles published within this many days of the
    # newest relevant one are used (qa/answering/retrieval/timefilter.py).
    recent_days: int = 7

    # Answering
    llm: str = ""  # "", "openai:<model>", "ollama:<model>", "gguf:<path>"
    llm_temperature: float = 0.0
    llm_max_tokens: int = 384
    openai_base_url: str = Field(
        "", validation_alias=AliasChoices("QA_OPENAI_BASE_URL", "OPENAI_BASE_URL")
    )
    openai_api_key: str = Field(
        "", validation_alias=AliasChoices("QA_OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    ollama_base_url: str = "http://127.0.0.1:11434"
    # The learned answerer (training/answerer.py writes it); empty: the shipped model.
    answerer_model: str = ""
    # The neural reader (training/reader.py): picks the short answer, the quoted sentence
    # and, with the learned answerer, when to abstain. Off: the learned answerer alone.
    reader: bool = True
    reader_model: str = ""  # an ONNX file; empty: the shipped qa/answering/models/reader.onnx
    reader_sentences: int = 4  # the best-scored sentences it reads, each with its neighbours
    # The cross-encoder reranker (training/reranker.py) reads the question with each
    # sentence the sentence model keeps and rescores it; off, or its files missing: the
    # sentence model's order.
    reranker: bool = True
    reranker_model: str = ""  # an ONNX file; empty: the shipped qa/answering/models/reranker.onnx
    rerank_sentences: int = 8  # the sentence model's best this many are rescored by it
    # The chunks just before and after this many of the best retrieved passages are scored
    # and read too (the answer often sits next to the chunk that matched); 0: off.
    read_neighbours: int = 2
    # A follow-up also searches the articles the last answer quoted for this many passages
    # (they join the corpus-wide ones and are scored alike); 0: off.
    followup_passages: int = 3
    # Abstain when P(answerable) is under this; empty: the threshold trained with the model.
    abstain_threshold: float | None = None
    # With an LLM: when P(answerable) is under the threshold, say "the articles don't say"
    # without asking the LLM (small models guess instead of refusing).
    llm_evidence_gate: bool = True
    max_answer_sentences: int = 2
    support_threshold: float = 0.5
    max_question_chars: int = 2000
    # The largest /v1 request body (the question and the conversation so far), in MB.
    max_request_mb: float = 1.0

    # Serving
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str = ""  # "user:password" or "alice:pw1,bob:pw2" turns on the login (page and API)
    # After this many wrong passwords in a row from one address, it waits
    # login_lockout_seconds before the next try (doubling at each further failure).
    login_max_failures: int = 5
    login_lockout_seconds: float = 30.0
    # Addresses of reverse proxies whose X-Forwarded-For names the client (comma-separated,
    # "*" for any). Empty: the header is ignored, so a client cannot pick the address the
    # login throttle counts it under.
    trusted_proxies: str = ""
    max_upload_mb: float = 10.0
    # An article file bigger than this is refused by the sync (reported in its errors).
    max_article_mb: float = 10.0
    # Questions answered at once by the app (a sync always runs alone).
    concurrency: int = 8

    # Chat memory: saved conversations and feedback. Empty: SQLite in data_dir
    # (chat.sqlite); any SQLAlchemy URL for a shared database.
    database_url: str = ""
    suggestions: int = 3  # suggested follow-ups under an answer (0: none)

    @property
    def chat_database_url(self) -> str:
        """Where conversations and feedback are stored (``database_url`` or the data dir)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'chat.sqlite').resolve()}"

    @property
    def records_database_url(self) -> str:
        """Where the record manager lives (``records_url`` or the data dir)."""
        if self.records_url:
            return self.records_url
        return f"sqlite:///{(self.data_dir / 'records.sqlite').resolve()}"

    @property
    def collection_name(self) -> str:
        """One Chroma collection per corpus folder (Chroma names: 3-63 safe chars)."""
        if self.collection:
            return self.collection
        resolved = str(self.corpus_dir.resolve())
        digest = hashlib.sha1(resolved.encode()).hexdigest()[:10]
        stem = "".join(c if c.isalnum() else "-" for c in self.corpus_dir.resolve().name)
        return f"qa-{stem[:40].strip('-') or 'corpus'}-{digest}"
