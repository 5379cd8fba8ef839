"""Part 5's test helpers on the grader's side (no transformers): the release tokenizer run with the
`tokenizers` library (ids identical to AutoTokenizer's), small RoBERTa configs and random batches, and
reference optimizer steps and evaluations computed with hw_support.roberta_ref.

Shapes: a batch is {"input_ids": (B, T) long, "attention_mask": (B, T) long, "labels": (B,) long}.
"""
import math
import os
import random

import torch

from hw_support import roberta_ref

TOKENIZER_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ft_tokenizer.json")
PAD_ID = 1  # RoBERTa's <pad>
TINY = {"vocab_size": 40, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
        "intermediate_size": 32, "max_position_embeddings": 24, "type_vocab_size": 1, "pad_token_id": PAD_ID,
        "bos_token_id": 0, "eos_token_id": 2, "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
        "classifier_dropout": None, "layer_norm_eps": 1e-5, "num_labels": 2}
WORDS = ("the movie film plot acting food service book story music was is seemed felt not never but and "
         "very really quite so good great excellent bad terrible awful superb dismal splendid lousy a , .").split()


def tokenizer_json():
    with open(TOKENIZER_FILE, encoding="utf-8") as f:
        return f.read()


def encode(texts, max_length):
    """What tokenizer(texts, padding=True, truncation=True, max_length=max_length) gives: (ids, mask) lists."""
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(TOKENIZER_FILE)
    tok.enable_truncation(max_length)
    tok.enable_padding(pad_id=PAD_ID, pad_token="<pad>")
    enc = tok.encode_batch(list(texts))
    return torch.tensor([e.ids for e in enc], dtype=torch.long), torch.tensor([e.attention_mask for e in enc], dtype=torch.long)


def expected_batch(examples, max_length):
    ids, mask = encode([ex["text"] for ex in examples], max_length)
    return {"input_ids": ids, "attention_mask": mask,
            "labels": torch.tensor([ex["label"] for ex in examples], dtype=torch.long)}


def sentences(n, seed, low=2, high=14):
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))) for _ in range(n)]


def examples(n, seed, low=2, high=14):
    rng = random.Random(seed + 1)
    return [{"text": t, "label": rng.randint(0, 1)} for t in sentences(n, seed, low, high)]


def tiny_config(**changes):
    return dict(TINY, **changes)


def random_batches(seed, sizes, vocab_size=TINY["vocab_size"], low=3, high=12, labels=None):
    """Batches of token ids (<s> first, </s> last, right-padded with PAD_ID) of the given sizes."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for B in sizes:
        lengths = torch.randint(low, high + 1, (B,), generator=g)
        T = int(lengths.max())
        ids = torch.full((B, T), PAD_ID, dtype=torch.long)
        mask = torch.zeros(B, T, dtype=torch.long)
        for i, n in enumerate(lengths.tolist()):
            ids[i, :n] = torch.randint(3, vocab_size, (n,), generator=g)
            ids[i, 0], ids[i, n - 1] = 0, 2
            mask[i, :n] = 1
        y = torch.randint(0, 2, (B,), generator=g) if labels is None else labels(ids, g)
        out.append({"input_ids": ids, "attention_mask": mask, "labels": y})
    return out


def _leaves(state):
    return {k: v.detach().clone().double().requires_grad_(True) for k, v in state.items()}


def reference_steps(state, cfg, batches, optimizer, lr, **kwargs):
    """(losses, states after each step) of one torch.optim.<optimizer> step per batch, gradients fresh
    at every step; in float64 (the student's float32 run must agree to float32 precision)."""
    cfg = roberta_ref.check_config(cfg)
    params = _leaves(state)
    opt = getattr(torch.optim, optimizer)(list(params.values()), lr=lr, **kwargs)
    losses, states = [], []
    for batch in batches:
        opt.zero_grad()
        loss, _ = roberta_ref.loss_and_logits(params, cfg, batch)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        states.append({k: v.detach().float().clone() for k, v in params.items()})
    return losses, states


def reference_evaluate(state, cfg, batches):
    """(mean loss per example, mean of the batches' losses, accuracy), no dropout."""
    cfg = roberta_ref.check_config(cfg)
    params = {k: v.double() for k, v in state.items()}
    total, batch_means, correct, n = 0.0, [], 0, 0
    with torch.no_grad():
        for batch in batches:
            loss, logits = roberta_ref.loss_and_logits(params, cfg, batch)
            total += loss.item() * len(batch["labels"])
            batch_means.append(loss.item())
            correct += int((logits.argmax(-1) == batch["labels"]).sum())
            n += len(batch["labels"])
    return total / n, sum(batch_means) / len(batch_means), correct / n


def max_difference(got, expected):
    """The largest absolute difference over the parameters of `expected` (inf if one is missing)."""
    worst = 0.0
    for k, e in expected.items():
        g = got.get(k) if isinstance(got, dict) else None
        if not isinstance(g, torch.Tensor) or g.shape != e.shape:
            return math.inf
        worst = max(worst, (g.double() - e.double()).abs().max().item())
    return worst


def is_float(x):
    return isinstance(x, float) and math.isfinite(x)


def random_state(cfg, seed):
    """Random weights (HF names) of a RobertaForSequenceClassification of `cfg`."""
    return roberta_ref.random_state(roberta_ref.check_config(cfg), seed, cfg.get("num_labels", 2))
