"""Mutants (realistic student mistakes) and correct alternatives of Part 4, `lm.py`.

Read by `python build.py verify` (hwbuild/verify.py); never released. Each mutant must lose points in
every question of its `caught_by`; each alternative must keep full marks. Format: hwbuild/mutants.py.
"""
from hwbuild.mutants import alternative as _a, mutant as _m

# next_token_accuracy, mean_nll, pearson, top_k_continuations: lm/study.py (hwbuild/catalogs.py reads both)

Q1 = "q4_1_transformer_block"
Q2 = "q4_2_lm_collate"
Q3 = "q4_3_sampling"
Q4 = "q4_4_count_parameters"

# ---- the solution's lines that the replace= mutants edit
QKV = "q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)"
HEADS = "q, k, v = (t.view(B, T, self.n_head, d).transpose(1, 2) for t in (q, k, v))"
SCORES = "A = (q @ k.transpose(-2, -1)) / math.sqrt(d)"
KEEP = "keep = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()"
MASK = '        A = A.masked_fill(~keep, float("-inf"))\n'
WEIGHTS = "y = (torch.softmax(A, dim=-1) @ v).transpose(1, 2).reshape(B, T, C)"
ATTN_RES = "x = x + self.resid_dropout(self.c_proj(y))"
MLP_RES = "x = x + self.mlp(self.ln_2(x))"
RESIDUALS = ATTN_RES + "\n        " + MLP_RES

FILL = "X = torch.full((len(batch), T), pad_id, dtype=torch.long)\n    Y = torch.full((len(batch), T), pad_id, dtype=torch.long)"
COPY = "X[i, :len(x)] = x\n        Y[i, :len(y)] = y"
T_MAX = "T = max(len(x) for x, _ in batch)"
RETURN_XY = "return X, Y\n"

GREEDY = "        return logits.argmax(dim=-1)"
TEMP = "logits = logits / temperature"
TOPK = "kth = torch.topk(logits, min(top_k, logits.shape[-1]), dim=-1).values[:, -1:]"
TOPK_MASK = 'logits = logits.masked_fill(logits < kth, float("-inf"))'
PROBS = "probs = torch.softmax(logits, dim=-1)"
DRAW = "return torch.multinomial(probs, 1, generator=generator).squeeze(-1)"

EMB = "embeddings = vocab_size * C + block_size * C"
BLOCK = "block = 2 * C + (3 * C * C + 3 * C) + (C * C + C) + 2 * C + (4 * C * C + 4 * C) + (4 * C * C + C)"
FINAL = "final = 2 * C + C * vocab_size"
HEAD = "head = 0 if n_classes is None else C * n_classes + n_classes"



def _block(forward_body):
    """TransformerBlock with the given __init__ and `forward_body` (indented 8 spaces)."""
    return '''
class TransformerBlock(nn.Module):
    def __init__(self, n_embd, n_head, mlp_ratio=4, dropout=0.0):
        super().__init__()
        assert n_embd % n_head == 0, "n_embd must be divisible by n_head"
        self.n_embd, self.n_head = n_embd, n_head
        self.ln_1 = nn.LayerNorm(n_embd)
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.resid_dropout = nn.Dropout(dropout)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, mlp_ratio * n_embd), nn.GELU(),
                                 nn.Linear(mlp_ratio * n_embd, n_embd), nn.Dropout(dropout))

    def forward(self, x):
''' + forward_body


MUTANTS = [
    # ---- TransformerBlock ---------------------------------------------------------------------
    _m("TransformerBlock", "post-LN: LayerNorm after each residual sum, not before the sublayer", [Q1],
       QKV, "q, k, v = self.c_attn(x).split(C, dim=2)"),
    _m("TransformerBlock", "post-LN throughout (x = ln(x + sublayer(x)))", [Q1], code=_block('''
        B, T, C = x.shape
        d = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, d).transpose(1, 2) for t in (q, k, v))
        A = (q @ k.transpose(-2, -1)) / math.sqrt(d)
        A = A.masked_fill(~torch.ones(T, T, dtype=torch.bool, device=x.device).tril(), float("-inf"))
        y = (torch.softmax(A, dim=-1) @ v).transpose(1, 2).reshape(B, T, C)
        x = self.ln_1(x + self.resid_dropout(self.c_proj(y)))
        x = self.ln_2(x + self.mlp(x))
        return x
''')),
    _m("TransformerBlock", "missing residual around the attention", [Q1], ATTN_RES,
       "x = self.resid_dropout(self.c_proj(y))"),
    _m("TransformerBlock", "missing residual around the MLP", [Q1], MLP_RES, "x = self.mlp(self.ln_2(x))"),
    _m("TransformerBlock", "residual added to the normalised input", [Q1], RESIDUALS,
       "x = self.ln_1(x) + self.resid_dropout(self.c_proj(y))\n        x = self.ln_2(x) + self.mlp(self.ln_2(x))"),
    _m("TransformerBlock", "no causal mask", [Q1], MASK, ""),
    _m("TransformerBlock", "mask without the diagonal (tril(-1)): row 0 becomes nan", [Q1], KEEP,
       "keep = torch.ones(T, T, dtype=torch.bool, device=x.device).tril(-1)"),
    _m("TransformerBlock", "scaled by sqrt(n_embd) instead of sqrt(head dim)", [Q1], SCORES,
       "A = (q @ k.transpose(-2, -1)) / math.sqrt(C)"),
    _m("TransformerBlock", "queries and keys swapped in the split", [Q1], QKV,
       "k, q, v = self.c_attn(self.ln_1(x)).split(C, dim=2)"),
    _m("TransformerBlock", "heads not split (one head, scaled by sqrt(head dim))", [Q1], HEADS,
       "q, k, v = (t.view(B, T, 1, C).transpose(1, 2) for t in (q, k, v))"),
    _m("TransformerBlock", "ln_1 used before the MLP too", [Q1], MLP_RES, "x = x + self.mlp(self.ln_1(x))"),
    _m("TransformerBlock", "MLP on the un-normalised x", [Q1], MLP_RES, "x = x + self.mlp(x)"),
    _m("TransformerBlock", "softmax over the queries (dim -2)", [Q1], WEIGHTS,
       "y = (torch.softmax(A, dim=-2) @ v).transpose(1, 2).reshape(B, T, C)"),
    _m("TransformerBlock", "heads merged without moving the head axis back", [Q1], WEIGHTS,
       "y = (torch.softmax(A, dim=-1) @ v).reshape(B, T, C)"),

    # ---- lm_collate_fn ------------------------------------------------------------------------
    _m("lm_collate_fn", "padding on the left", [Q2], COPY,
       "X[i, T - len(x):] = x\n        Y[i, T - len(y):] = y"),
    _m("lm_collate_fn", "pads with 0 whatever pad_id is", [Q2], FILL,
       "X = torch.full((len(batch), T), 0, dtype=torch.long)\n    Y = torch.full((len(batch), T), 0, dtype=torch.long)"),
    _m("lm_collate_fn", "targets padded with -1 (ignore_index) instead of pad_id", [Q2], FILL,
       "X = torch.full((len(batch), T), pad_id, dtype=torch.long)\n    Y = torch.full((len(batch), T), -1, dtype=torch.long)"),
    _m("lm_collate_fn", "returns (Y, X)", [Q2], RETURN_XY, "return Y, X\n"),
    _m("lm_collate_fn", "pad_sequence without batch_first: (T_max, B)", [Q2], code='''
def lm_collate_fn(batch, pad_id):
    from torch.nn.utils.rnn import pad_sequence
    return (pad_sequence([x for x, _ in batch], padding_value=pad_id),
            pad_sequence([y for _, y in batch], padding_value=pad_id))
'''),
    _m("lm_collate_fn", "always pads to a fixed length of 16", [Q2], T_MAX, "T = 16"),
    _m("lm_collate_fn", "float tensors", [Q2], FILL,
       "X = torch.full((len(batch), T), pad_id, dtype=torch.float)\n    Y = torch.full((len(batch), T), pad_id, dtype=torch.float)"),
    _m("lm_collate_fn", "truncates to the shortest sentence", [Q2], code='''
def lm_collate_fn(batch, pad_id):
    T = min(len(x) for x, _ in batch)
    return torch.stack([x[:T] for x, _ in batch]), torch.stack([y[:T] for _, y in batch])
'''),

    # ---- sample_next_token --------------------------------------------------------------------
    _m("sample_next_token", "temperature multiplied instead of divided", [Q3], TEMP, "logits = logits * temperature"),
    _m("sample_next_token", "top-k off by one: keeps k + 1 tokens", [Q3], TOPK,
       "kth = torch.topk(logits, min(top_k + 1, logits.shape[-1]), dim=-1).values[:, -1:]"),
    _m("sample_next_token", "top-k off by one: keeps k - 1 tokens (<= instead of <)", [Q3], TOPK_MASK,
       'logits = logits.masked_fill(logits <= kth, float("-inf"))'),
    _m("sample_next_token", "top-k with largest=False keeps the wrong end", [Q3], TOPK,
       "kth = torch.topk(logits, min(top_k, logits.shape[-1]), dim=-1, largest=False).values[:, -1:]"),
    _m("sample_next_token", "ignores top_k", [Q3], TOPK_MASK, "pass"),
    _m("sample_next_token", "temperature divides the probabilities (multinomial renormalises it away)", [Q3],
       PROBS, "probs = torch.softmax(logits * temperature, dim=-1) / temperature"),
    _m("sample_next_token", "ignores do_sample: always samples", [Q3], GREEDY, "        pass"),
    _m("sample_next_token", "greedy argmax over the batch (dim 0)", [Q3], GREEDY, "        return logits.argmax(dim=0)"),
    _m("sample_next_token", "returns shape (B, 1)", [Q3], DRAW, "return torch.multinomial(probs, 1, generator=generator)"),
    _m("sample_next_token", "samples from log-probabilities exponentiated twice", [Q3], PROBS,
       "probs = torch.softmax(torch.softmax(logits, dim=-1), dim=-1)"),

    # ---- count_parameters ---------------------------------------------------------------------
    _m("count_parameters", "bias terms missed", [Q4], code='''
def count_parameters(vocab_size, block_size, n_layer, n_embd, n_classes=None):
    C = n_embd
    block = 2 * C + 3 * C * C + C * C + 2 * C + 4 * C * C + 4 * C * C
    head = 0 if n_classes is None else C * n_classes
    return vocab_size * C + block_size * C + n_layer * block + 2 * C + C * vocab_size + head
'''),
    _m("count_parameters", "classifier bias missed", [Q4], HEAD, "head = 0 if n_classes is None else C * n_classes"),
    _m("count_parameters", "LayerNorms without their bias (C each)", [Q4], BLOCK,
       "block = C + (3 * C * C + 3 * C) + (C * C + C) + C + (4 * C * C + 4 * C) + (4 * C * C + C)"),
    _m("count_parameters", "positional embeddings missed", [Q4], EMB, "embeddings = vocab_size * C"),
    _m("count_parameters", "LM head tied to the token embeddings (not counted)", [Q4], FINAL, "final = 2 * C"),
    _m("count_parameters", "MLP counted as one C x 4C layer", [Q4], BLOCK,
       "block = 2 * C + (3 * C * C + 3 * C) + (C * C + C) + 2 * C + (4 * C * C + 4 * C)"),
    _m("count_parameters", "final LayerNorm missed", [Q4], FINAL, "final = C * vocab_size"),
    _m("count_parameters", "n_classes ignored", [Q4], HEAD, "head = 0"),
    _m("count_parameters", "returns a float", [Q4], "return embeddings + n_layer * block + final + head",
       "return float(embeddings + n_layer * block + final + head)"),
]


ALTERNATIVES = [
    # ---- TransformerBlock ---------------------------------------------------------------------
    _a("TransformerBlock", "calls Part 2's self_attention", code=_block('''
        from attention import self_attention
        q, k, v = self.c_attn(self.ln_1(x)).split(self.n_embd, dim=2)
        x = x + self.resid_dropout(self.c_proj(self_attention(q, k, v, n_heads=self.n_head, causal=True)))
        return x + self.mlp(self.ln_2(x))
'''), needs=["attention"]),
    _a("TransformerBlock", "F.scaled_dot_product_attention(is_causal=True)", code=_block('''
        B, T, C = x.shape
        h = self.ln_1(x)
        q, k, v = (t.reshape(B, T, self.n_head, -1).permute(0, 2, 1, 3) for t in self.c_attn(h).chunk(3, dim=-1))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).permute(0, 2, 1, 3).reshape(B, T, C)
        x = x + self.resid_dropout(self.c_proj(y))
        return x + self.mlp(self.ln_2(x))
''')),
    _a("TransformerBlock", "einsum, additive -inf mask, explicit MLP layers", code=_block('''
        B, T, C = x.shape
        d = C // self.n_head
        qkv = self.c_attn(self.ln_1(x)).view(B, T, 3, self.n_head, d)
        q, k, v = qkv.unbind(dim=2)
        A = torch.einsum("bqhd,bkhd->bhqk", q, k) * d ** -0.5
        A = A + torch.full((T, T), float("-inf"), device=x.device).triu(1)
        y = torch.einsum("bhqk,bkhd->bqhd", A.softmax(-1), v).reshape(B, T, C)
        x = x + self.resid_dropout(self.c_proj(y))
        h = self.ln_2(x)
        for layer in self.mlp:
            h = layer(h)
        return x + h
''')),
    _a("TransformerBlock", "loop over heads", code=_block('''
        B, T, C = x.shape
        d = C // self.n_head
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        mask = torch.tril(torch.ones(T, T, device=x.device)) == 0
        heads = []
        for i in range(self.n_head):
            s = slice(i * d, (i + 1) * d)
            A = (q[..., s] @ k[..., s].transpose(1, 2)) / math.sqrt(d)
            heads.append(torch.softmax(A.masked_fill(mask, float("-inf")), dim=-1) @ v[..., s])
        x = x + self.resid_dropout(self.c_proj(torch.cat(heads, dim=-1)))
        return x + self.mlp(self.ln_2(x))
''')),

    # ---- lm_collate_fn ------------------------------------------------------------------------
    _a("lm_collate_fn", "pad_sequence(batch_first=True)", code='''
def lm_collate_fn(batch, pad_id):
    from torch.nn.utils.rnn import pad_sequence
    xs, ys = zip(*batch)
    return (pad_sequence(list(xs), batch_first=True, padding_value=pad_id),
            pad_sequence(list(ys), batch_first=True, padding_value=pad_id))
'''),
    _a("lm_collate_fn", "F.pad each row, then stack", code='''
def lm_collate_fn(batch, pad_id):
    T = max(x.numel() for x, _ in batch)
    X = torch.stack([F.pad(x, (0, T - x.numel()), value=pad_id) for x, _ in batch]).long()
    Y = torch.stack([F.pad(y, (0, T - y.numel()), value=pad_id) for _, y in batch]).long()
    return X, Y
'''),
    _a("lm_collate_fn", "lists padded in Python, then torch.tensor", code='''
def lm_collate_fn(batch, pad_id):
    T = max(len(x) for x, _ in batch)
    X = [x.tolist() + [pad_id] * (T - len(x)) for x, _ in batch]
    Y = [y.tolist() + [pad_id] * (T - len(y)) for _, y in batch]
    return torch.tensor(X, dtype=torch.long), torch.tensor(Y, dtype=torch.long)
'''),

    # ---- sample_next_token --------------------------------------------------------------------
    _a("sample_next_token", "minGPT style: topk values, logits[logits < v[:, [-1]]] = -inf", code='''
def sample_next_token(logits, temperature=1.0, top_k=None, do_sample=False, generator=None):
    if not do_sample:
        _, idx = torch.topk(logits, k=1, dim=-1)
        return idx[:, 0]
    logits = logits / temperature
    if top_k is not None:
        v, _ = torch.topk(logits, top_k)
        logits = logits.clone()
        logits[logits < v[:, [-1]]] = -float("Inf")
    probs = F.softmax(logits, dim=-1)
    return torch.multinomial(probs, num_samples=1, generator=generator).view(-1)
'''),
    _a("sample_next_token", "Gumbel-max trick over a sorted top-k", code='''
def sample_next_token(logits, temperature=1.0, top_k=None, do_sample=False, generator=None):
    if not do_sample:
        return torch.argmax(logits, dim=1)
    z = logits.double() / temperature
    if top_k is not None:
        threshold = torch.sort(z, dim=-1, descending=True).values[:, top_k - 1:top_k]
        z = torch.where(z >= threshold, z, torch.full_like(z, float("-inf")))
    u = torch.rand(z.shape, generator=generator, dtype=torch.float64).clamp_min(1e-300)
    return torch.argmax(z - torch.log(-torch.log(u)), dim=-1)
'''),
    _a("sample_next_token", "torch.distributions.Categorical", code='''
def sample_next_token(logits, temperature=1.0, top_k=None, do_sample=False, generator=None):
    if not do_sample:
        return logits.max(dim=-1).indices
    z = logits / temperature
    if top_k is not None:
        idx = z.topk(top_k, dim=-1).indices
        z = torch.full_like(z, float("-inf")).scatter(-1, idx, z.gather(-1, idx))
    return torch.distributions.Categorical(logits=z).sample()
'''),
    _a("sample_next_token", "inverse CDF with cumsum and searchsorted", code='''
def sample_next_token(logits, temperature=1.0, top_k=None, do_sample=False, generator=None):
    if not do_sample:
        return logits.argmax(-1)
    probs = torch.softmax(logits.double() / temperature, dim=-1)
    if top_k is not None:
        idx = probs.topk(top_k, dim=-1).indices
        probs = torch.zeros_like(probs).scatter(-1, idx, probs.gather(-1, idx))
    cdf = probs.cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u).squeeze(-1).clamp_max(probs.shape[-1] - 1)
'''),

    # ---- count_parameters ---------------------------------------------------------------------
    _a("count_parameters", "tally module by module", code='''
def count_parameters(vocab_size, block_size, n_layer, n_embd, n_classes=None):
    def linear(n_in, n_out, bias=True):
        return n_in * n_out + (n_out if bias else 0)
    layer_norm = 2 * n_embd
    block = (layer_norm + linear(n_embd, 3 * n_embd) + linear(n_embd, n_embd)
             + layer_norm + linear(n_embd, 4 * n_embd) + linear(4 * n_embd, n_embd))
    total = vocab_size * n_embd + block_size * n_embd + n_layer * block + layer_norm
    total += linear(n_embd, vocab_size, bias=False)
    if n_classes is not None:
        total += linear(n_embd, n_classes)
    return total
'''),
    _a("count_parameters", "one polynomial", code='''
def count_parameters(vocab_size, block_size, n_layer, n_embd, n_classes=None):
    C = n_embd
    n = 2 * vocab_size * C + block_size * C + n_layer * (12 * C ** 2 + 13 * C) + 2 * C
    return n + (0 if n_classes is None else (C + 1) * n_classes)
'''),
]
