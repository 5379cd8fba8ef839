"""Checks shared by Part 4's study tests (`next_token_accuracy`, `mean_nll`, `pearson`,
`top_k_continuations`): references computed in float64 in the grader's process, and a tiny language
model whose weights the tests choose.

The tiny model is the given DecoderLM with no transformer blocks (n_layer=0): its logits at a position
depend on that token and its position only (token + positional embedding -> LayerNorm -> LM head),
so top_k_continuations can be checked without your TransformerBlock, and the reference here computes
the same logits from the same weights.
"""
import math
import random

import torch


def as_float(got, what):
    """A student's scalar result as a Python float (a float, an int or a one-element tensor)."""
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    assert isinstance(got, (int, float)) and not isinstance(got, bool), \
        f"{what} should return a Python float, got {type(got).__name__}"
    got = float(got)
    assert math.isfinite(got), f"{what} returned {got}, not a finite number"
    return got


# ------------------------------------------------------------------------ accuracy and NLL

def reference_accuracy(logits, targets, pad_id):
    keep = targets != pad_id
    return float(((logits.argmax(-1) == targets) & keep).sum()) / float(keep.sum())


def reference_nll(logits, targets, pad_id):
    nll = torch.nn.functional.cross_entropy(logits.double().reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                            ignore_index=pad_id, reduction="sum")
    return float(nll) / float((targets != pad_id).sum())


def padded_batch(lengths, T, V, pad_id, gen, scale=2.0):
    """Random logits (B, T, V) and targets (B, T) right-padded with pad_id after each row's length.
    Real targets are never pad_id; logits are scaled so that the argmax is right about 1 time in 3."""
    B = len(lengths)
    targets = torch.randint(0, V - 1, (B, T), generator=gen)
    targets = targets + (targets >= pad_id).long()  # skip pad_id
    logits = torch.randn(B, T, V, generator=gen) * scale
    hint = torch.zeros(B, T, V).scatter(-1, targets.unsqueeze(-1), 2.0 * scale)  # the right token often wins
    logits = logits + hint * (torch.rand(B, T, 1, generator=gen) < 0.4)
    for i, n in enumerate(lengths):
        targets[i, n:] = pad_id
    return logits, targets


# ------------------------------------------------------------------------ Pearson

def reference_pearson(xs, ys):
    x = torch.tensor(xs, dtype=torch.float64)
    y = torch.tensor(ys, dtype=torch.float64)
    dx, dy = x - x.mean(), y - y.mean()
    return float((dx * dy).sum() / torch.sqrt((dx * dx).sum() * (dy * dy).sum()))


def random_pairs(n, rho, rng, offset=(0.0, 0.0), scale=(1.0, 1.0)):
    """n pairs (x, y) of Python floats with correlation about rho."""
    xs, ys = [], []
    for _ in range(n):
        a, b = rng.gauss(0, 1), rng.gauss(0, 1)
        xs.append(offset[0] + scale[0] * a)
        ys.append(offset[1] + scale[1] * (rho * a + math.sqrt(max(0.0, 1 - rho * rho)) * b))
    return xs, ys


# ------------------------------------------------------------------------ top-k continuations

def tiny_lm_state(V, block_size, C, seed, spread=1.6):
    """Random weights of DecoderLM(V, block_size, n_layer=0, C, n_head=1): {name: tensor}."""
    g = torch.Generator().manual_seed(seed)
    return {
        "wte.weight": torch.randn(V, C, generator=g),
        "wpe.weight": torch.randn(block_size, C, generator=g) * 0.7,
        "ln_f.weight": 1.0 + 0.2 * torch.randn(C, generator=g),
        "ln_f.bias": 0.1 * torch.randn(C, generator=g),
        "lm_head.weight": torch.randn(V, C, generator=g) * spread / math.sqrt(C),
    }


def tiny_lm(lm, state):
    """The student's DecoderLM with no blocks, holding `state` (built in the student's process)."""
    V, C = state["wte.weight"].shape
    block_size = state["wpe.weight"].shape[0]
    model = lm.DecoderLM(V, block_size, 0, C, 1)
    model.load_state_dict(state)
    model.eval()
    return model


def tiny_lm_logits(state, idx):
    """The tiny model's logits (T, V) in float64 for a list of token ids (at most block_size of them)."""
    s = {k: v.double() for k, v in state.items()}
    x = s["wte.weight"][torch.tensor(idx)] + s["wpe.weight"][:len(idx)]
    x = torch.nn.functional.layer_norm(x, (x.shape[-1],), s["ln_f.weight"], s["ln_f.bias"])
    return x @ s["lm_head.weight"].T


def reference_continuations(state, prompt, n_steps, k):
    """What top_k_continuations should return, computed in float64 from `state`."""
    block_size = state["wpe.weight"].shape[0]
    ids, out = list(prompt), []
    for _ in range(n_steps):
        probs = torch.softmax(tiny_lm_logits(state, ids[-block_size:])[-1], dim=-1)
        top = torch.topk(probs, k)
        out.append([(int(i), float(p)) for i, p in zip(top.indices, top.values)])
        ids.append(out[-1][0][0])
    return out


def normalise_continuations(got, n_steps, k, what):
    """The student's result as [[(int, float)] * k] * n_steps, with a clear message when its form is wrong."""
    assert isinstance(got, (list, tuple)), f"{what} should return a list (one entry per step), got {type(got).__name__}"
    assert len(got) == n_steps, f"{what} returned {len(got)} steps, expected n_steps = {n_steps}"
    out = []
    for s, step in enumerate(got):
        assert isinstance(step, (list, tuple)) and len(step) == k, \
            f"{what}: step {s} should be a list of k = {k} pairs (token_id, probability)"
        pairs = []
        for pair in step:
            assert isinstance(pair, (list, tuple)) and len(pair) == 2, \
                f"{what}: step {s} holds {str(pair)[:60]}, not a pair (token_id, probability)"
            pairs.append((int(pair[0]), as_float(pair[1], what)))
        out.append(pairs)
    return out


def check_continuations(got, expected, what, show, atol=1e-5):
    """Token ids exactly, probabilities within atol."""
    for s, (g, e) in enumerate(zip(got, expected)):
        if [i for i, _ in g] != [i for i, _ in e]:
            msg = f"{what}: at step {s} the top tokens are wrong"
            if show:
                msg += f" (expected ids {[i for i, _ in e]}, got {[i for i, _ in g]})"
            raise AssertionError(msg + "; did each step append the most likely token and run on the whole "
                                       "sequence so far (cropped to block_size)?")
        err = max(abs(gp - ep) for (_, gp), (_, ep) in zip(g, e))
        if err > atol:
            msg = f"{what}: at step {s} the probabilities are off by up to {err:.3g}"
            if show:
                msg += f" (expected {[round(p, 4) for _, p in e]}, got {[round(p, 4) for _, p in g]})"
            raise AssertionError(msg + "; they are the softmax of the last logits over the whole vocabulary")


def shuffled(seq, seed):
    rng = random.Random(seed)
    out = list(seq)
    rng.shuffle(out)
    return out
