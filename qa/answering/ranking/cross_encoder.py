"""The cross-encoder reranker: reads the question and a candidate sentence together and
scores whether the sentence answers it.

Like haystack's ``TransformersSimilarityRanker``, it scores its candidates in one batch;
here the candidates are the sentences the learned sentence model keeps (``rerank.py``),
so its verdict decides which sentences the reader reads and, through each passage's best
sentence, the passages' order. The model is the shipped reader's lowest layers with one
linear layer on [CLS], trained here (``python -m training.reranker``) on news-qa and SQuAD
questions against the sentences our own pipeline ranks beside their answer; it runs on
ONNX Runtime (``models/reranker.onnx``) with the ``tokenizers`` library. A pair is
``[CLS] question [SEP] sentence [SEP]``, cut to ``MAX_LEN`` word pieces. Its logit and the
sentence model's P are combined into one P(the sentence holds the answer) by a logistic
regression fitted on questions neither model trained on (``models/reranker.json``).
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.answering.ranking.learned import Model, ModelError, model_from_dict
from qa.text.tokens import load_tokenizer

MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "reranker.onnx"
MAX_LEN = 96  # word pieces per pair, as trained
MAX_QUESTION_TOKENS = 48
MAX_TITLE_TOKENS = 16  # a model trained with titles reads ``title [SEP] sentence``


class RerankerUnavailable(RuntimeError):
    """The reranker's model file is missing or unreadable."""


def pair_arrays(
    tok,
    question: str | list[str],
    texts: list[str],
    max_len: int = MAX_LEN,
    titles: list[str] | None = None,
) -> dict:
    """Padded int64 arrays (input_ids, attention_mask, token_type_ids) of the pairs
    (``question``, each of ``texts``; or question i with text i), each passage cut to fit
    ``max_len``. With ``titles``, text i is read after its article's title and a [SEP]
    (both in the second segment)."""
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    questions = [question] * len(texts) if isinstance(question, str) else question
    heads: dict[str, list[int]] = {}
    for q in dict.fromkeys(questions):
        heads[q] = [cls_id, *tok.encode(q, add_special_tokens=False).ids[:MAX_QUESTION_TOKENS]]
        heads[q].append(sep_id)
    prefixes: list[list[int]] = [[] for _ in texts]
    if titles is not None:
        named = {
            t: [*tok.encode(t, add_special_tokens=False).ids[:MAX_TITLE_TOKENS], sep_id]
            for t in dict.fromkeys(titles)
        }
        prefixes = [named[t] for t in titles]
    rows = []
    encoded = tok.encode_batch(texts, add_special_tokens=False)
    for q, prefix, enc in zip(questions, prefixes, encoded, strict=True):
        head = heads[q]
        body = enc.ids[: max(8, max_len - len(head) - len(prefix) - 1)]
        rows.append((head + prefix + body + [sep_id], len(head)))
    width = max(len(ids) for ids, _ in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for i, (row, n_head) in enumerate(rows):
        ids[i, : len(row)], mask[i, : len(row)] = row, 1
        types[i, n_head : len(row)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


class CrossEncoder:
    """(question, sentences) -> one score per sentence. Thread-safe; one session a process."""

    def __init__(
        self,
        path: str | Path | None = None,
        combine: dict | None = None,
        titles: bool | None = None,
    ):
        self.path = Path(path) if path else MODEL_PATH
        if not self.path.is_file():
            raise RerankerUnavailable(f"the reranker model {self.path} is missing")
        self.combine = combine if combine is not None else _combination(self.path)
        # whether the model reads each sentence after its article's title, as trained
        self.titles = bool(self.combine.get("titles", False)) if titles is None else titles
        try:
            self.model = combination_model(self.combine)
        except (ModelError, KeyError, TypeError, ValueError) as exc:
            message = f"the reranker's combination beside {self.path} has {exc}"
            raise RerankerUnavailable(message) from exc
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(
                str(self.path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # a truncated or foreign file
            message = f"the reranker model {self.path} is unreadable: {exc}"
            raise RerankerUnavailable(message) from exc
        self.tokenizer = load_tokenizer()
        self._lock = threading.Lock()

    def scores(
        self, question: str, texts: list[str], titles: list[str] | None = None
    ) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        if self.titles and titles is None:
            titles = [""] * len(texts)
        arrays = pair_arrays(
            self.tokenizer, question, texts, titles=titles if self.titles else None
        )
        with self._lock:
            (logits,) = self.session.run(None, arrays)
        return np.asarray(logits, dtype=np.float32).reshape(-1)

    def proba(
        self,
        question: str,
        texts: list[str],
        prior: list[float],
        titles: list[str] | None = None,
    ) -> np.ndarray:
        """P(each of ``texts`` holds the answer to ``question``): the cross-encoder's
        logit combined with the sentence model's P (``prior``) as fitted. ``titles``: the
        article title of each text (read by a model trained with them)."""
        p = np.clip(np.asarray(prior, dtype=np.float64), 1e-4, 1 - 1e-4)
        x = np.column_stack([self.scores(question, texts, titles), np.log(p / (1 - p))])
        return self.model.proba(x)


COMBINE_FEATURES = ["cross_logit", "sentence_logit"]


def combination_model(combine: dict) -> Model:
    """The combination as the project's linear model (``learned.py``): ``combine`` holds
    its two weights (``coef``) and ``intercept`` over ``COMBINE_FEATURES``, unscaled."""
    if len(combine["coef"]) != len(COMBINE_FEATURES):
        raise ModelError(f"{len(combine['coef'])} weights")
    n = len(COMBINE_FEATURES)
    return model_from_dict(
        {"kind": "linear", "features": COMBINE_FEATURES, "mean": [0.0] * n, "scale": [1.0] * n}
        | {"coef": combine["coef"], "intercept": combine["intercept"]}
    )


def _combination(model: Path) -> dict:
    """The fitted combination beside ``model`` (``reranker.json`` for ``reranker.onnx``)."""
    file = model.with_suffix(".json")
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        message = f"the reranker's combination {file} is unreadable: {exc}"
        raise RerankerUnavailable(message) from exc


_loading = threading.Lock()


def load_cross_encoder(path: str | None = None) -> CrossEncoder:
    """The reranker of ``path``, or the shipped one (loaded once per process)."""
    with _loading:
        return _load(path)


@lru_cache(maxsize=2)
def _load(path: str | None) -> CrossEncoder:
    return CrossEncoder(path)
