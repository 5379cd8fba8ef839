"""Checks of the study's submitted metrics files (lm_metrics_<size>.json, lm_metrics_main.json).

Trusted code: the tests run it in the grader's process. A metrics file is read with
result_files.read_text (no links, at most MAX_METRICS_BYTES) and parsed as JSON; everything in it is
validated before use. Parameter counts are recomputed here from the file's config (the grader's own
closed form, not your count_parameters), and the main run's reported dev NLL and accuracy are compared
with what the grader's reference model computes from lm_params.pt.
"""
import json
import math

import torch

from hw_support import lm_data, lm_sizes, result_files
from hw_support.lm_checks import MAX_RESULT_MB, find_submitted

MAX_METRICS_BYTES = 1 << 20
MAX_EPOCHS = 2000
# the reported and the recomputed NLL of the same weights differ only by float32 arithmetic (a GPU's
# TF32 matmuls included: about 1e-3 nats at worst); 0.01 nats is far below any change training makes
NLL_AGREEMENT = 0.01
ACC_AGREEMENT = 0.005  # the dev set has about 5,000 target tokens: 25 of them may flip on near-ties
CONFIG_INTS = ("vocab_size", "block_size", "n_layer", "n_embd", "n_head")


def count_lm_parameters(V, T, L, C):
    """DecoderLM's parameters without a classifier: embeddings 2VC (tokens and LM head), positions TC,
    per block 12C^2 + 13C (LayerNorms 4C, c_attn 3C^2 + 3C, c_proj C^2 + C, MLP 8C^2 + 5C), final LN 2C."""
    return 2 * V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C


def _number(x, what):
    assert isinstance(x, (int, float)) and not isinstance(x, bool), f"{what} is not a number"
    assert math.isfinite(x), f"{what} is {x}, not a finite number"
    return float(x)


def read_metrics(submitted_files, name):
    """The validated content of the submitted metrics file `name`: {'config', 'epochs': [{step, dev_nll,
    dev_acc, ...}], ...}; an AssertionError saying what to fix otherwise."""
    if not (submitted_files or {}).get(name):
        size = name[len("lm_metrics_"):-len(".json")]
        command = "python train_lm.py" + ("" if size == lm_sizes.MAIN else f" --size {size}")
        raise AssertionError(f"{name} was not submitted: run `{command}` (it writes {name}), then "
                             "`python make_submission.py`, and upload submission.zip")
    path = find_submitted(submitted_files, name)
    text = result_files.read_text(path, MAX_METRICS_BYTES)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise AssertionError(f"{name} is not a JSON file written by train_lm.py") from None
    assert isinstance(data, dict), f"{name} should hold a JSON object, as train_lm.py writes it"
    cfg = data.get("config")
    assert isinstance(cfg, dict), f"{name} has no config (rerun train_lm.py)"
    for k in CONFIG_INTS:
        v = cfg.get(k)
        assert isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 1 << 20, f"{name}: config {k} is not a size"
    assert cfg["vocab_size"] == lm_data.VOCAB_SIZE and cfg["block_size"] >= lm_data.BLOCK_SIZE, \
        f"{name}: the config's vocabulary or block size does not fit the data (vocab_size {lm_data.VOCAB_SIZE})"
    epochs = data.get("epochs")
    assert isinstance(epochs, list) and 1 <= len(epochs) <= MAX_EPOCHS, \
        f"{name} should list the evaluations after each epoch under 'epochs'"
    clean = []
    for i, e in enumerate(epochs):
        assert isinstance(e, dict), f"{name}: epochs[{i}] is not an object"
        clean.append({k: _number(e.get(k), f"{name}: epochs[{i}].{k}") for k in ("step", "dev_nll", "dev_acc")})
    return {"config": {k: cfg[k] for k in CONFIG_INTS}, "epochs": clean, "name": name}


def check_size(metrics, size):
    """The config's parameter count (recomputed) lies in the size's range."""
    c = metrics["config"]
    n = count_lm_parameters(c["vocab_size"], c["block_size"], c["n_layer"], c["n_embd"])
    assert lm_sizes.in_range(size, n), (f"{metrics['name']}: its config has {n:,} parameters; the {size} model "
                                        f"needs {lm_sizes.describe_range(size)} (train it with --size {size})")
    return n


def check_plausible(metrics):
    """At least two evaluations, NLL positive and decreasing from the first to the last, accuracy in [0, 1]."""
    name, epochs = metrics["name"], metrics["epochs"]
    assert len(epochs) >= 2, f"{name} has {len(epochs)} evaluation(s); train for at least two epochs"
    steps = [e["step"] for e in epochs]
    assert steps == sorted(steps), f"{name}: the evaluations are not in the order of training"
    for e in epochs:
        assert 0 < e["dev_nll"] < 10 * math.log(lm_data.VOCAB_SIZE), f"{name}: dev_nll {e['dev_nll']} is not plausible"
        assert 0 <= e["dev_acc"] <= 1, f"{name}: dev_acc {e['dev_acc']} is not an accuracy in [0, 1]"
    assert epochs[-1]["dev_nll"] < epochs[0]["dev_nll"], (
        f"{name}: the dev NLL did not decrease ({epochs[0]['dev_nll']:.4f} after the first evaluation, "
        f"{epochs[-1]['dev_nll']:.4f} after the last)")


@torch.no_grad()
def nll_and_accuracy(model, sentences):
    """The reference model's mean NLL per token (nats) and top-1 accuracy on `sentences`, in float64."""
    ids = [torch.tensor(lm_data.encode(s)) for s in sentences]
    X = torch.nn.utils.rnn.pad_sequence([t[:-1] for t in ids], batch_first=True, padding_value=lm_data.PAD_ID)
    Y = torch.nn.utils.rnn.pad_sequence([t[1:] for t in ids], batch_first=True, padding_value=lm_data.PAD_ID)
    logits = model(X).double()
    keep = Y != lm_data.PAD_ID
    nll = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1),
                                            ignore_index=lm_data.PAD_ID, reduction="sum") / keep.sum()
    acc = ((logits.argmax(-1) == Y) & keep).sum() / keep.sum()
    return float(nll), float(acc)


def check_main_config(metrics, submitted_files):
    """lm_metrics_main.json describes the model in lm_params.pt (same config)."""
    obj = result_files.load_torch_file(find_submitted(submitted_files, "lm_params.pt"), MAX_RESULT_MB)
    cfg = obj.get("config") if isinstance(obj, dict) else None
    assert isinstance(cfg, dict) and all(cfg.get(k) == v for k, v in metrics["config"].items()), (
        f"{metrics['name']}'s config differs from lm_params.pt's: submit the files of one run of train_lm.py")

