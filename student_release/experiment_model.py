"""Part 2's experiment kit (given): a tiny GPT whose attention is your `attention.self_attention`.

`experiment.py` builds it from a `Config`; the switches of the exploration change one thing each:

- `similarity`: 'dot' (your `pairwise_similarities`), 'cosine', or 'mine' (`experiment_hooks.my_similarity`);
  the other two replace `attention.pairwise_similarities` while your `self_attention` runs;
- `mask`: 'before' (your -inf mask, then the softmax) or 'after' (the softmax over every position, then
  the weights of future positions set to 0, not renormalised);
- `shared_qkv`: one projection gives the queries, keys and values (Q = K = V);
- `proj`: 'linear' projections or 'mlp' (Linear, GELU, Linear: non-linear);
- `pos`: 'learned' position embeddings, 'sinusoidal' (fixed sines and cosines), or 'none'.

Shapes: B = batch, T = tokens, C = n_embd, V = vocabulary size.
"""
import contextlib
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

import attention  # your module
import experiment_hooks  # yours too: my_similarity


@dataclass
class Config:
    vocab_size: int
    block_size: int = 32        # the training length T
    max_len: int = 128          # the longest sequence evaluated (position tables cover it)
    n_layer: int = 2
    n_embd: int = 64
    n_head: int = 4
    similarity: str = "dot"     # dot | cosine | mine
    mask: str = "before"        # before | after
    shared_qkv: bool = False
    proj: str = "linear"        # linear | mlp
    pos: str = "learned"        # learned | sinusoidal | none


def cosine_similarity(Q, K):
    """Cosine of every query with every key: (..., T_q, d), (..., T_k, d) -> (..., T_q, T_k), in [-1, 1]."""
    return F.normalize(Q, dim=-1) @ F.normalize(K, dim=-1).transpose(-2, -1)


class _Counted:
    """A function that counts its calls, so the kit can tell whether your self_attention used it."""

    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.fn(*args, **kwargs)


def _softmax_then_mask(A):
    """Softmax over every key, then the weights of future keys (j > i) set to 0, not renormalised."""
    T_q, T_k = A.shape[-2:]
    keep = torch.ones(T_q, T_k, dtype=torch.bool, device=A.device).tril()
    return torch.softmax(A, dim=-1) * keep


def _no_mask(mask, A):
    return A


def variant_functions(cfg):
    """{name in attention.py: counted replacement} for the switches that change your functions."""
    out = {}
    if cfg.similarity == "cosine":
        out["pairwise_similarities"] = _Counted(cosine_similarity)
    elif cfg.similarity == "mine":
        out["pairwise_similarities"] = _Counted(experiment_hooks.my_similarity)
    elif cfg.similarity != "dot":
        raise ValueError(f"unknown similarity {cfg.similarity!r}")
    if cfg.mask == "after":
        out["apply_causal_mask"] = _Counted(_no_mask)
        out["attn_softmax"] = _Counted(_softmax_then_mask)
    elif cfg.mask != "before":
        raise ValueError(f"unknown mask {cfg.mask!r}")
    return out


@contextlib.contextmanager
def patched(module, replacements):
    """Replace module-level functions of `module` while the block runs, then put yours back."""
    saved = {name: getattr(module, name) for name in replacements}
    try:
        for name, fn in replacements.items():
            setattr(module, name, fn)
        yield
    finally:
        for name, fn in saved.items():
            setattr(module, name, fn)


def _projection(n_embd, kind):
    if kind == "linear":
        return nn.Linear(n_embd, n_embd)
    if kind == "mlp":
        return nn.Sequential(nn.Linear(n_embd, n_embd), nn.GELU(), nn.Linear(n_embd, n_embd))
    raise ValueError(f"unknown projection {kind!r}")


class Attention(nn.Module):
    """Projections, your causal `self_attention` (with the configured variants), output projection."""

    def __init__(self, cfg):
        super().__init__()
        self.n_head = cfg.n_head
        self.q = _projection(cfg.n_embd, cfg.proj)
        self.k = self.q if cfg.shared_qkv else _projection(cfg.n_embd, cfg.proj)
        self.v = self.q if cfg.shared_qkv else _projection(cfg.n_embd, cfg.proj)
        self.out = nn.Linear(cfg.n_embd, cfg.n_embd)
        self.variants = variant_functions(cfg)
        self.checked = False

    def forward(self, x):  # (B, T, C) -> (B, T, C)
        Q, K, V = self.q(x), self.k(x), self.v(x)
        with patched(attention, self.variants):
            y = attention.self_attention(Q, K, V, n_heads=self.n_head, causal=True)
        if not self.checked:
            unused = [name for name, fn in self.variants.items() if fn.calls == 0]
            if unused:
                raise RuntimeError(f"your self_attention did not call {', '.join(unused)} (attention.py), so this "
                                   "switch would change nothing: build self_attention from those functions")
            self.checked = True
        return self.out(y)


class Block(nn.Module):
    """Pre-LayerNorm transformer block: x + attention(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, cfg):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(cfg.n_embd), nn.LayerNorm(cfg.n_embd)
        self.attn = Attention(cfg)
        self.mlp = nn.Sequential(nn.Linear(cfg.n_embd, 4 * cfg.n_embd), nn.GELU(), nn.Linear(4 * cfg.n_embd, cfg.n_embd))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


def sinusoidal_table(n_pos, n_embd):
    """(n_pos, n_embd): sin(p / 10000^(2i/C)) in even channels, cos in odd ones (Vaswani et al., 2017)."""
    pos = torch.arange(n_pos, dtype=torch.float32)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, n_embd, 2, dtype=torch.float32) / n_embd)
    table = torch.zeros(n_pos, n_embd)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq)
    return table


class TinyGPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        if cfg.pos == "learned":  # rows past block_size are never trained: see what they do on longer inputs
            self.pos = nn.Embedding(cfg.max_len, cfg.n_embd)
        elif cfg.pos == "sinusoidal":
            self.register_buffer("sin_table", sinusoidal_table(cfg.max_len, cfg.n_embd), persistent=False)
        elif cfg.pos != "none":
            raise ValueError(f"unknown positions {cfg.pos!r}")
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.head = nn.Linear(cfg.n_embd, cfg.vocab_size)

    def forward(self, idx):
        """idx: (B, T) token ids, T <= max_len -> logits (B, T, V)."""
        T = idx.shape[1]
        assert T <= self.cfg.max_len, f"sequence of {T} tokens, longer than max_len {self.cfg.max_len}"
        x = self.tok(idx)
        if self.cfg.pos == "learned":
            x = x + self.pos(torch.arange(T, device=idx.device))
        elif self.cfg.pos == "sinusoidal":
            x = x + self.sin_table[:T]
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))

    @torch.no_grad()
    def generate(self, idx, n_new, temperature=1.0, generator=None):
        """Append `n_new` sampled tokens to idx (B, T); the context is cut to the last block_size tokens.
        `generator`: a CPU torch.Generator (or None)."""
        for _ in range(n_new):
            logits = self(idx[:, -self.cfg.block_size:])[:, -1] / temperature
            probs = torch.softmax(logits.float(), -1).cpu()  # sampled on the CPU: the same draws on any device
            nxt = torch.multinomial(probs, 1, generator=generator).to(idx.device)
            idx = torch.cat([idx, nxt], dim=1)
        return idx
