"""Part 3: attention layers of the GPT in model.py (appended to Part 2's attention.py)."""
import torch
import torch.nn as nn

# Part 3: attention layers of the GPT in model.py. `config` has n_embd, n_head, block_size,
# attn_pdrop and resid_pdrop (model.GPTConfig), or is a dict with these keys.


def as_config(config):
    """Given. `config` itself, or a dict turned into an object with attributes (dropouts default to 0)."""
    if isinstance(config, dict):
        from types import SimpleNamespace
        return SimpleNamespace(**dict({"attn_pdrop": 0.0, "resid_pdrop": 0.0}, **config))
    return config


def rotary(x, base=10000.0):
    """Given. Rotary position embedding (RoPE; Su et al., 2021) of queries or keys x: (B, n_heads, T, head_dim).

    Channel pair (2i, 2i+1) at position t is rotated by the angle t * base ** (-2i / head_dim), so the
    dot product of a rotated query at position s and a rotated key at position t depends on s - t only.
    """
    T, d = x.shape[-2], x.shape[-1]
    freq = base ** (-torch.arange(0, d, 2, dtype=torch.float32, device=x.device) / d)
    angle = torch.arange(T, dtype=torch.float32, device=x.device)[:, None] * freq  # (T, d/2)
    cos, sin = angle.cos().to(x.dtype), angle.sin().to(x.dtype)
    even, odd = x[..., 0::2], x[..., 1::2]
    return torch.stack((even * cos - odd * sin, even * sin + odd * cos), dim=-1).flatten(-2)


class CausalSelfAttention(nn.Module):
    """Given. Multi-head causal self-attention with a projection at the end (as in minGPT).

    Queries and keys are rotated by `rotary` (RoPE), so the model's only sense of position is the
    distance between query and key: a fact learnt about a name at the start of a biography is found
    again when the name stands in the middle of a question. Then torch's fused
    `scaled_dot_product_attention` computes what your Part 2 `self_attention` computes (with dropout
    on the weights while training), only faster; it splits and merges the heads as your
    `split_heads` / `merge_heads` do.
    """

    def __init__(self, config):
        super().__init__()
        config = as_config(config)
        assert config.n_embd % config.n_head == 0
        self.key = nn.Linear(config.n_embd, config.n_embd)
        self.query = nn.Linear(config.n_embd, config.n_embd)
        self.value = nn.Linear(config.n_embd, config.n_embd)
        self.attn_drop = nn.Dropout(config.attn_pdrop)
        self.resid_drop = nn.Dropout(config.resid_pdrop)
        self.proj = nn.Linear(config.n_embd, config.n_embd)
        self.n_head = config.n_head

    def forward(self, x):
        B, T, C = x.size()
        h = self.n_head
        q, k, v = (lin(x).view(B, T, h, C // h).transpose(1, 2) for lin in (self.query, self.key, self.value))
        q, k = rotary(q), rotary(k)
        p = self.attn_drop.p if self.training else 0.0
        y = torch.nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)
        return self.resid_drop(self.proj(y.transpose(1, 2).reshape(B, T, C)))


class SynthesizerAttention(nn.Module):
    """Causal dense Synthesizer attention (Tay et al., 2020), as in CS224N A5.

    For each head i, with X the (T, C) input and d = C / h:
        Y_i = softmax(ReLU(X A_i + b1) B + b2) (X V_i)
    where X A_i + b1 is head i's part of `self.w1(X)` (channels i*d .. (i+1)*d - 1), B = self.w2[:, :T]
    (d x T, shared by the heads), b2 = self.b2[:T], and X V_i is head i's part of `self.value(X)`.
    Row t of the (T, T) scores may attend only to positions 0..t: set the others to -inf (or a very
    negative number) before the softmax, apply `self.attn_drop` to the weights, merge the heads
    (B, T, C) and finish with `self.resid_drop(self.proj(...))`, as CausalSelfAttention does.
    Do not change `__init__`.
    """

    def __init__(self, config):
        super().__init__()
        config = as_config(config)
        assert config.n_embd % config.n_head == 0
        # NEW learnable weights
        self.w1 = nn.Linear(config.n_embd, config.n_embd)
        self.w2 = nn.Parameter(torch.zeros(config.n_embd // config.n_head, config.block_size))
        self.b2 = nn.Parameter(torch.zeros(config.block_size))
        # value projection
        self.value = nn.Linear(config.n_embd, config.n_embd)
        # regularization
        self.attn_drop = nn.Dropout(config.attn_pdrop)
        self.resid_drop = nn.Dropout(config.resid_pdrop)
        # output projection
        self.proj = nn.Linear(config.n_embd, config.n_embd)
        # causal mask to ensure that attention is only applied to the left in the input sequence
        self.register_buffer("mask", torch.tril(torch.ones(config.block_size, config.block_size))
                             .view(1, 1, config.block_size, config.block_size))
        self.n_head = config.n_head
        self.block_size = config.block_size
        nn.init.uniform_(self.w2, -0.001, 0.001)

    def forward(self, x):
        """x: (B, T, C) with T <= block_size -> (B, T, C)."""
        B, T, C = x.size()
        # BEGIN SOLUTION per head: ReLU(w1(x)) @ w2[:, :T] + b2[:T], causal mask, softmax, dropout, times the values, merge, proj
        a = torch.relu(self.w1(x)).view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, h, T, d)
        scores = a @ self.w2[:, :T] + self.b2[:T]  # (B, h, T, T)
        scores = scores.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
        att = self.attn_drop(torch.softmax(scores, dim=-1))
        v = self.value(x).view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_drop(self.proj(y))
        # END SOLUTION
