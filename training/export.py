"""The reader's ONNX export and the choice of the shipped file (``python -m training.reader``
calls it after training, or alone with ``--eval-only``).

``ship`` compares three exports of the fp32 graph on the held-out gold paragraphs and ships
the fastest one within a point of fp32's F1; ``store_fp16`` and ``quantize`` are also used by
``training.embedder``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qa.answering.readers.windows import load_tokenizer, make_windows
from training.paths import READER_ONNX, ROOT
from training.reader_figures import OnnxRunner, gold_paragraph_figures

VARIANT_QUESTIONS = 800  # the held-out questions the exports are compared on


def export_onnx(model, path: Path) -> None:
    """The model as fp32 ONNX (dynamic batch and length)."""
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
        output_names=["start_logits", "end_logits"],
        dynamic_axes={k: {0: "batch", 1: "tokens"} for k in [*names, "start_logits", "end_logits"]},
        opset_version=17,
        dynamo=False,
    )


def ship(args, fp32: Path) -> None:
    """Export the trained model three ways and ship the fastest file of at most 50 MB whose
    F1 on the held-out gold paragraphs is within a point of fp32's:
    - fp32 weights stored as fp16 (computed in fp32: the same answers, half the file);
    - int8 weights (per channel) for the matrix products, the embeddings stored as fp16;
    - int8 everywhere (embeddings too): the smallest.
    (bf16 autocast is slower than fp32 on CPUs without AVX512-BF16/AMX: measured 2x.)"""
    import time as clock

    work = fp32.parent
    gold_paragraph_figures(args, OnnxRunner(fp32), "onnx fp32")  # the figure: every question
    # The exports are compared on a sample of VARIANT_QUESTIONS (every n-th question), fp32
    # on the same sample: the whole set takes 3 minutes an export.
    f1_fp32 = gold_paragraph_figures(args, OnnxRunner(fp32), "onnx fp32", VARIANT_QUESTIONS)
    variants = {
        "fp16-stored": store_fp16(fp32, work / "reader.fp16w.onnx"),
        "int8 matmuls": store_fp16(quantize(fp32, work / "reader.q8mm.onnx", ["MatMul"]), None),
        "int8 all": quantize(fp32, work / "reader.q8.onnx", ["MatMul", "Gather"]),
    }
    best = None
    for name, path in variants.items():
        f1 = gold_paragraph_figures(args, OnnxRunner(path), f"onnx {name}", VARIANT_QUESTIONS)
        runner, windows = OnnxRunner(path), probe_windows()
        runner(windows)
        times = []
        for _ in range(10):
            t = clock.perf_counter()
            runner(windows)
            times.append(clock.perf_counter() - t)
        ms, mb = float(np.median(times) * 1000), path.stat().st_size / 1e6
        ok = f1 >= f1_fp32 - 0.01 and mb <= 50
        print(
            f"  {name}: F1 {f1:.3f} (fp32 {f1_fp32:.3f}), {mb:.1f} MB, 4 windows {ms:.0f} ms"
            f"{'' if ok else '  (not shippable)'}",
            flush=True,
        )
        if ok and (best is None or ms < best[1]):
            best = (name, ms, path)
    if best is None:
        raise SystemExit("no export keeps F1 within a point of fp32 in 50 MB")
    READER_ONNX.write_bytes(best[2].read_bytes())
    mb = READER_ONNX.stat().st_size / 1e6
    print(f"shipped {best[0]} as {READER_ONNX.relative_to(ROOT)} ({mb:.1f} MB)", flush=True)


def probe_windows():
    tok = load_tokenizer()
    text = "The committee met on Tuesday in Brussels to discuss the budget for next year. " * 4
    return make_windows(tok, "Where did the committee meet?", [text] * 4, 144, 40)[:4]


def quantize(src: Path, dst: Path, ops: list[str]) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=ops
    )
    return dst


def restore_fp32(src: Path, dst: Path) -> Path:
    """``store_fp16`` undone: each fp16-stored weight back as an fp32 initializer (the
    values the session computed with), its cast dropped. An fp32 file is copied as is."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    stored = {i.name: i for i in graph.initializer}
    for node in list(graph.node):
        if node.op_type == "Cast" and node.input[0] in stored and node.input[0].endswith("fp16"):
            weights = numpy_helper.to_array(stored[node.input[0]]).astype(np.float32)
            graph.initializer.remove(stored[node.input[0]])
            graph.initializer.append(numpy_helper.from_array(weights, node.output[0]))
            graph.node.remove(node)
    dst.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(dst))
    return dst


def store_fp16(src: Path, dst: Path | None, min_elements: int = 1 << 16) -> Path:
    """The same model with its large fp32 weights stored as fp16, each cast back to fp32
    when the session starts (ONNX Runtime folds the casts): half the file, fp32 compute."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    dst = dst or src
    model = onnx.load(str(src))
    graph = model.graph
    casts = []
    for init in list(graph.initializer):
        if init.data_type != TensorProto.FLOAT:
            continue
        weights = numpy_helper.to_array(init)
        if weights.size < min_elements:
            continue
        graph.initializer.remove(init)
        graph.initializer.append(
            numpy_helper.from_array(weights.astype(np.float16), f"{init.name}.fp16")
        )
        casts.append(
            helper.make_node("Cast", [f"{init.name}.fp16"], [init.name], to=TensorProto.FLOAT)
        )
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)
    onnx.save(model, str(dst))
    return dst
