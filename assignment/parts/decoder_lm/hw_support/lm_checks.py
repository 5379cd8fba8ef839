"""Checks shared by Part 4's tests (`lm.py`): a reference transformer block and language model built
from torch's own layers, a chi-square test for samplers, and readers for the submitted result files.

Everything here is trusted code: the tests run it in the grader's process. Submitted files are read
through `result_files` (no links, size caps before reading, uncompressed torch zips loaded with
`weights_only=True`: tensors and plain data only, nothing unpickled into code) and the parameters
are evaluated by the reference model below, never by the submitted lm.py.
"""
import math
import os
import stat

import torch
import torch.nn as nn

from hw_support import lm_data, result_files

MAX_RESULT_MB = 20  # larger submitted result files are refused unread


# ------------------------------------------------------------------------------ reference block

def reference_block(n_embd, n_head, mlp_ratio=4):
    """torch's pre-LayerNorm encoder layer: with a causal mask it is the block lm.py describes."""
    return nn.TransformerEncoderLayer(n_embd, n_head, dim_feedforward=mlp_ratio * n_embd, dropout=0.0,
                                      activation="gelu", batch_first=True, norm_first=True)


# torch's parameter names -> TransformerBlock's (c_attn's rows are queries, keys, values as in in_proj)
BLOCK_NAMES = {
    "self_attn.in_proj_weight": "c_attn.weight", "self_attn.in_proj_bias": "c_attn.bias",
    "self_attn.out_proj.weight": "c_proj.weight", "self_attn.out_proj.bias": "c_proj.bias",
    "linear1.weight": "mlp.0.weight", "linear1.bias": "mlp.0.bias",
    "linear2.weight": "mlp.2.weight", "linear2.bias": "mlp.2.bias",
    "norm1.weight": "ln_1.weight", "norm1.bias": "ln_1.bias",
    "norm2.weight": "ln_2.weight", "norm2.bias": "ln_2.bias",
}


def randomize(module, seed):
    """Give every parameter of `module` random values (LayerNorms away from 1 and 0 too)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype) * (0.3 if p.dim() > 1 else 0.5))
    return module


def block_state(ref):
    """The reference layer's weights under TransformerBlock's names."""
    sd = ref.state_dict()
    return {BLOCK_NAMES[k]: v.detach().clone() for k, v in sd.items()}


def causal_mask(T, dtype=torch.float32):
    return torch.full((T, T), float("-inf"), dtype=dtype).triu(1)


def reference_block_forward(ref, x):
    """The reference layer on x (B, T, C), causal, computed in float64."""
    ref64 = ref.double().eval()
    with torch.no_grad():
        out = ref64(x.double(), src_mask=causal_mask(x.shape[1], torch.float64))
    ref.float()
    return out


# ------------------------------------------------------------------------- reference language model

class ReferenceLM(nn.Module):
    """DecoderLM's architecture built from torch's layers, to evaluate submitted parameters."""

    def __init__(self, vocab_size, block_size, n_layer, n_embd, n_head, pos_emb=True):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd) if pos_emb else None
        self.layers = nn.ModuleList([reference_block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.wte(idx)
        if self.wpe is not None:
            x = x + self.wpe(torch.arange(T))
        for layer in self.layers:
            x = layer(x, src_mask=causal_mask(T, x.dtype))
        return self.lm_head(self.ln_f(x))


def _reference_name(key):
    """DecoderLM's parameter name -> ReferenceLM's, or None for names the LM does not use."""
    if key.startswith("blocks."):
        _, i, rest = key.split(".", 2)
        inverse = {v: k for k, v in BLOCK_NAMES.items()}
        return f"layers.{i}.{inverse[rest]}" if rest in inverse else f"?{key}"
    if key.startswith("classifier_head."):
        return None
    return key


CONFIG_KEYS = ("vocab_size", "block_size", "n_layer", "n_embd", "n_head", "pos_emb")


def find_submitted(submitted_files, name):
    """The path of the submitted result file `name`; a clear failure when it was not submitted."""
    path = (submitted_files or {}).get(name)
    try:
        st = os.lstat(path) if path else None
    except OSError:
        st = None
    assert st is not None and stat.S_ISREG(st.st_mode), (
        f"{name} was not submitted: run `python train_lm.py` (it writes {name}), then "
        f"`python make_submission.py`, and upload submission.zip")
    assert st.st_size <= MAX_RESULT_MB << 20, \
        f"{name} is {st.st_size >> 20} MB; at most {MAX_RESULT_MB} MB is accepted"
    return path


def load_submitted_lm(path):
    """A ReferenceLM holding the parameters in `path` ({'config': {...}, 'state_dict': {...}}, as
    train_lm.py saves them); AssertionError with a clear message when the file does not fit."""
    obj = result_files.load_torch_file(path, MAX_RESULT_MB)
    assert isinstance(obj, dict) and isinstance(obj.get("config"), dict) and isinstance(obj.get("state_dict"), dict), \
        f"{os.path.basename(path)} must hold {{'config': ..., 'state_dict': ...}} as train_lm.py saves it"
    cfg = obj["config"]
    missing = [k for k in CONFIG_KEYS if k not in cfg]
    assert not missing, f"the config in {os.path.basename(path)} lacks {', '.join(missing)}"
    assert cfg["vocab_size"] == lm_data.VOCAB_SIZE, (
        f"vocab_size is {cfg['vocab_size']}, the data's vocabulary has {lm_data.VOCAB_SIZE} tokens")
    assert lm_data.BLOCK_SIZE <= cfg["block_size"] <= 1024 and 1 <= cfg["n_layer"] <= 16, "unexpected model size"
    assert 1 <= cfg["n_head"] <= cfg["n_embd"] <= 1024 and cfg["n_embd"] % cfg["n_head"] == 0, "unexpected n_embd/n_head"
    model = ReferenceLM(*(int(cfg[k]) for k in CONFIG_KEYS[:5]), pos_emb=bool(cfg["pos_emb"]))
    sd = {}
    for k, v in obj["state_dict"].items():
        name = _reference_name(str(k))
        if name is not None:
            assert isinstance(v, torch.Tensor), f"state_dict entry {k} is not a tensor"
            sd[name] = v.float()
    want = set(model.state_dict())
    assert set(sd) == want, (f"the parameters in {os.path.basename(path)} do not match DecoderLM's: "
                             f"missing {sorted(want - set(sd))[:3]}, unexpected {sorted(set(sd) - want)[:3]}")
    shapes = [k for k, v in model.state_dict().items() if tuple(sd[k].shape) != tuple(v.shape)]
    assert not shapes, f"parameters of the wrong shape in {os.path.basename(path)}: {shapes[:3]}"
    model.load_state_dict(sd)
    return model.eval()


def perplexity(model, sentences, batch_size=256):
    """exp(mean cross-entropy) of predicting every token after <s> of each sentence."""
    total, count = 0.0, 0
    for i in range(0, len(sentences), batch_size):
        ids = [torch.tensor(lm_data.encode(s)) for s in sentences[i:i + batch_size]]
        X = nn.utils.rnn.pad_sequence([t[:-1] for t in ids], batch_first=True, padding_value=lm_data.PAD_ID)
        Y = nn.utils.rnn.pad_sequence([t[1:] for t in ids], batch_first=True, padding_value=lm_data.PAD_ID)
        with torch.no_grad():
            logits = model(X).double()
        nll = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1),
                                          ignore_index=lm_data.PAD_ID, reduction="sum")
        total += float(nll)
        count += int((Y != lm_data.PAD_ID).sum())
    return math.exp(total / count)


def read_predictions(path, n):
    """The n labels (0 or 1), one per line, of a submitted predictions file."""
    name = os.path.basename(path)
    lines = [l.strip() for l in result_files.read_text(path).splitlines() if l.strip()]
    assert len(lines) == n, f"{name} has {len(lines)} labels, expected {n} (one per line of data/sentiment_test.txt)"
    bad = [i for i, l in enumerate(lines) if l not in ("0", "1")]
    assert not bad, f"{name} line {bad[0] + 1}: {lines[bad[0]][:20]!r} is not a label 0 or 1"
    return [int(l) for l in lines]


# ------------------------------------------------------------------------------ statistics

def chi_square_pvalue(counts, probs):
    """P(X >= the chi-square statistic) for observed `counts` against category probabilities `probs`
    (categories of probability 0 must be left out; df = number of categories - 1)."""
    counts = torch.as_tensor(counts, dtype=torch.float64)
    probs = torch.as_tensor(probs, dtype=torch.float64)
    expected = counts.sum() * probs / probs.sum()
    stat = float(((counts - expected) ** 2 / expected).sum())
    df = counts.numel() - 1
    return float(torch.special.gammaincc(torch.tensor(df / 2, dtype=torch.float64),
                                         torch.tensor(stat / 2, dtype=torch.float64))), stat


def counts_of(samples, V):
    """Per-token counts of a tensor of token ids in 0..V-1 (out-of-range ids fail)."""
    s = torch.as_tensor(samples).reshape(-1).long()
    assert s.numel() == 0 or (int(s.min()) >= 0 and int(s.max()) < V), "token ids out of range 0..V-1"
    return torch.bincount(s, minlength=V)
