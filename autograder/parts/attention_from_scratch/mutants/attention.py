"""Mutants (realistic student mistakes) and correct alternatives of Part 2, `attention.py`.

Read by `python build.py verify` (hwbuild/verify.py); never released. Each mutant must lose points in
every question of its `caught_by`; each alternative must keep full marks. Format: hwbuild/mutants.py.
"""
from hwbuild.mutants import alternative as _a, mutant as _m

Q1 = "q2_1_pairwise_similarities"
Q2 = "q2_2_attn_scaled"
Q3 = "q2_3_attn_softmax"
Q4 = "q2_4_compute_outputs"
Q5 = "q2_5_causal_mask"
Q6 = "q2_6_split_merge_heads"
Q7 = "q2_7_self_attention"

# the solution's lines that the replace= mutants edit
PAIRWISE = "return Q @ K.transpose(-2, -1)"
SCALED = "return A / math.sqrt(n_embd / n_heads)"
SOFTMAX = "return torch.softmax(A, dim=-1)"
OUTPUTS = "return A @ V"
MAKE_MASK = "return torch.ones(n_tok, n_tok, dtype=torch.bool, device=device).tril()"
APPLY_MASK = 'return A.masked_fill(~mask.to(A.device), float("-inf"))'
SPLIT = "return x.view(B, T, n_heads, C // n_heads).transpose(1, 2)"
MERGE = "return y.transpose(1, 2).reshape(B, T, h * d)"
SCORES = "A = attn_scaled(pairwise_similarities(q, k), C, n_heads)"
MASK_STEP = "    if causal:\n        A = apply_causal_mask(make_causal_mask(T, device=A.device), A)\n"
OUTPUT_STEP = "y = compute_outputs(attn_softmax(A), v)"


MUTANTS = [
    # ---- pairwise_similarities -------------------------------------------------------------
    _m("pairwise_similarities", "K Q^T: operands swapped", [Q1], PAIRWISE, "return K @ Q.transpose(-2, -1)"),
    _m("pairwise_similarities", "Q K: K not transposed", [Q1], PAIRWISE, "return Q @ K"),
    _m("pairwise_similarities", "K.transpose(0, 1): right in 2-D, wrong with batch dims", [Q1],
       PAIRWISE, "return Q @ K.transpose(0, 1)"),
    _m("pairwise_similarities", "K.T reverses every dim of a batched K", [Q1], PAIRWISE, "return Q @ K.T"),
    _m("pairwise_similarities", "torch.bmm: 3-D inputs only", [Q1],
       PAIRWISE, "return torch.bmm(Q, K.transpose(-2, -1))"),
    _m("pairwise_similarities", "result detached from the graph", [Q1],
       PAIRWISE, "return (Q @ K.transpose(-2, -1)).detach()"),
    _m("pairwise_similarities", "computed in numpy (no gradient)", [Q1], code='''
def pairwise_similarities(Q, K):
    import numpy as np
    return torch.from_numpy(Q.detach().numpy() @ np.swapaxes(K.detach().numpy(), -1, -2))
'''),
    _m("pairwise_similarities", "casts to float32", [Q1], PAIRWISE, "return (Q @ K.transpose(-2, -1)).float()"),

    # ---- attn_scaled -------------------------------------------------------------------------
    _m("attn_scaled", "divides by sqrt(n_embd) instead of sqrt(head_dim)", [Q2], SCALED,
       "return A / math.sqrt(n_embd)"),
    _m("attn_scaled", "multiplies by sqrt(head_dim)", [Q2], SCALED, "return A * math.sqrt(n_embd / n_heads)"),
    _m("attn_scaled", "n_embd and n_heads swapped", [Q2], SCALED, "return A / math.sqrt(n_heads / n_embd)"),
    _m("attn_scaled", "no square root: divides by head_dim", [Q2], SCALED, "return A / (n_embd / n_heads)"),
    _m("attn_scaled", "divides by sqrt(n_heads)", [Q2], SCALED, "return A / math.sqrt(n_heads)"),
    _m("attn_scaled", "divides by sqrt(T), the last dim of A", [Q2], SCALED, "return A / math.sqrt(A.shape[-1])"),
    _m("attn_scaled", "scales A in place", [Q2], SCALED, "A /= math.sqrt(n_embd / n_heads)\n    return A"),
    _m("attn_scaled", "casts to float32", [Q2], SCALED, "return (A / math.sqrt(n_embd / n_heads)).float()"),
    _m("attn_scaled", "scale factor computed in float32 (torch.tensor's default dtype)", [Q2], SCALED,
       "return A / torch.sqrt(torch.tensor(n_embd / n_heads))"),

    # ---- attn_softmax ------------------------------------------------------------------------
    _m("attn_softmax", "softmax over dim -2 (columns)", [Q3], SOFTMAX, "return torch.softmax(A, dim=-2)"),
    _m("attn_softmax", "softmax over dim 0", [Q3], SOFTMAX, "return torch.softmax(A, dim=0)"),
    _m("attn_softmax", "softmax over dim 1: the last dim only in 2-D", [Q3], SOFTMAX,
       "return torch.softmax(A, dim=1)"),
    _m("attn_softmax", "log_softmax", [Q3], SOFTMAX, "return torch.log_softmax(A, dim=-1)"),
    _m("attn_softmax", "F.softmax without dim (implicit dim 1 in 4-D)", [Q3],
       SOFTMAX, "return torch.nn.functional.softmax(A)"),
    _m("attn_softmax", "exp / sum without keepdim broadcasts along the wrong axis", [Q3],
       SOFTMAX, "e = torch.exp(A)\n    return e / e.sum(dim=-1)"),
    _m("attn_softmax", "normalised over the whole tensor", [Q3], SOFTMAX, "e = torch.exp(A)\n    return e / e.sum()"),
    _m("attn_softmax", "exp / sum without subtracting the max: overflows to nan on large scores", [Q3],
       SOFTMAX, "e = torch.exp(A)\n    return e / e.sum(dim=-1, keepdim=True)"),

    # ---- compute_outputs ---------------------------------------------------------------------
    _m("compute_outputs", "V A: operands swapped", [Q4], OUTPUTS, "return V @ A"),
    _m("compute_outputs", "A V^T", [Q4], OUTPUTS, "return A @ V.transpose(-2, -1)"),
    _m("compute_outputs", "A^T V: weights transposed", [Q4], OUTPUTS, "return A.transpose(-2, -1) @ V"),
    _m("compute_outputs", "torch.mm: 2-D inputs only", [Q4], OUTPUTS, "return torch.mm(A, V)"),
    _m("compute_outputs", "elementwise A * V", [Q4], OUTPUTS, "return A * V"),
    _m("compute_outputs", "broadcast product summed over queries instead of keys", [Q4],
       OUTPUTS, "return (A.unsqueeze(-1) * V.unsqueeze(-3)).sum(-3)"),
    _m("compute_outputs", "casts to float32", [Q4], OUTPUTS, "return (A @ V).float()"),

    # ---- make_causal_mask (used with the solution's apply_causal_mask) -----------------------
    _m("make_causal_mask", "diagonal excluded: tril(-1)", [Q5], MAKE_MASK,
       "return torch.ones(n_tok, n_tok, dtype=torch.bool, device=device).tril(-1)"),
    _m("make_causal_mask", "one future token allowed: tril(1)", [Q5], MAKE_MASK,
       "return torch.ones(n_tok, n_tok, dtype=torch.bool, device=device).tril(1)"),
    _m("make_causal_mask", "upper-triangular mask", [Q5], MAKE_MASK,
       "return torch.ones(n_tok, n_tok, dtype=torch.bool, device=device).triu()"),
    _m("make_causal_mask", "ignores device: always on the CPU", [Q5], MAKE_MASK,
       "return torch.ones(n_tok, n_tok, dtype=torch.bool).tril()"),
    _m("make_causal_mask", "float 1/0 mask where apply_causal_mask expects bool", [Q5], MAKE_MASK,
       "return torch.ones(n_tok, n_tok, device=device).tril()"),
    _m("make_causal_mask", "strict comparison i > j (diagonal excluded)", [Q5], code='''
def make_causal_mask(n_tok, device=None):
    i = torch.arange(n_tok, device=device)
    return i[:, None] > i[None, :]
'''),
    _m("make_causal_mask", "broadcast comparison the wrong way round (j >= i)", [Q5], code='''
def make_causal_mask(n_tok, device=None):
    i = torch.arange(n_tok, device=device)
    return i[None, :] >= i[:, None]
'''),

    # ---- apply_causal_mask (with the solution's make_causal_mask) ----------------------------
    _m("apply_causal_mask", "masks with 0 instead of -inf", [Q5], APPLY_MASK,
       "return A.masked_fill(~mask.to(A.device), 0.0)"),
    _m("apply_causal_mask", "masks with -1e9 instead of -inf", [Q5], APPLY_MASK,
       "return A.masked_fill(~mask.to(A.device), -1e9)"),
    _m("apply_causal_mask", "mask inverted: blocks the past", [Q5], APPLY_MASK,
       'return A.masked_fill(mask.to(A.device), float("-inf"))'),
    _m("apply_causal_mask", "multiplies A by the mask", [Q5], APPLY_MASK, "return A * mask.to(A.device)"),
    _m("apply_causal_mask", "mask transposed: blocks the past", [Q5], APPLY_MASK,
       'return A.masked_fill(~mask.T.to(A.device), float("-inf"))'),
    _m("apply_causal_mask", "A[~mask] = -inf indexes the batch dims of a batched A", [Q5], code='''
def apply_causal_mask(mask, A):
    A = A.clone()
    A[~mask] = float("-inf")
    return A
'''),
    _m("apply_causal_mask", "adds -inf * (1 - mask): 0 * inf gives nan at kept entries", [Q5], APPLY_MASK,
       'return A + (~mask).to(A.dtype) * float("-inf")'),

    # ---- split_heads -------------------------------------------------------------------------
    _m("split_heads", "view(B, h, T, d) without transpose", [Q6], SPLIT,
       "return x.view(B, n_heads, T, C // n_heads)"),
    _m("split_heads", "view(B, T, h, d), head axis not moved", [Q6], SPLIT,
       "return x.view(B, T, n_heads, C // n_heads)"),
    _m("split_heads", "n_heads and head dim swapped in the view", [Q6], SPLIT,
       "return x.view(B, T, C // n_heads, n_heads).transpose(1, 2)"),
    _m("split_heads", "interleaved heads: head k gets channels k, k+h, ...", [Q6], SPLIT,
       "return x.view(B, T, C // n_heads, n_heads).permute(0, 3, 1, 2)"),
    _m("split_heads", "transpose(2, 3) instead of (1, 2)", [Q6], SPLIT,
       "return x.view(B, T, n_heads, C // n_heads).transpose(2, 3)"),
    _m("split_heads", "transpose(0, 2) moves the batch axis", [Q6], SPLIT,
       "return x.view(B, T, n_heads, C // n_heads).transpose(0, 2)"),
    _m("split_heads", "chunks the tokens instead of the channels", [Q6], SPLIT,
       "return torch.stack(x.chunk(n_heads, dim=1), dim=1)"),

    # ---- merge_heads -------------------------------------------------------------------------
    _m("merge_heads", "reshape without moving the head axis back", [Q6], MERGE, "return y.reshape(B, T, h * d)"),
    _m("merge_heads", "view after transpose (not contiguous)", [Q6], MERGE,
       "return y.transpose(1, 2).view(B, T, h * d)"),
    _m("merge_heads", "transpose(1, 3) instead of (1, 2)", [Q6], MERGE,
       "return y.transpose(1, 3).reshape(B, T, h * d)"),
    _m("merge_heads", "interleaves heads: permute(0, 2, 3, 1)", [Q6], MERGE,
       "return y.permute(0, 2, 3, 1).reshape(B, T, h * d)"),
    _m("merge_heads", "shape unpacked as (B, T, h, d)", [Q6], "B, h, T, d = y.shape", "B, T, h, d = y.shape"),
    _m("merge_heads", "concatenates heads along the tokens", [Q6], MERGE, "return torch.cat(y.unbind(1), dim=1)"),

    # ---- self_attention (with the solution's helpers) ----------------------------------------
    _m("self_attention", "forgets to scale", [Q7], SCORES, "A = pairwise_similarities(q, k)"),
    _m("self_attention", "scales by sqrt(n_embd): n_heads not passed to attn_scaled", [Q7],
       SCORES, "A = attn_scaled(pairwise_similarities(q, k), C, 1)"),
    _m("self_attention", "ignores causal=False: always masks", [Q7], MASK_STEP,
       "    A = apply_causal_mask(make_causal_mask(T, device=A.device), A)\n"),
    _m("self_attention", "never masks", [Q7], MASK_STEP, ""),
    _m("self_attention", "masks after the softmax by zeroing weights", [Q7], code='''
def self_attention(Q, K, V, n_heads=1, causal=True):
    B, T, C = Q.shape
    q, k, v = (split_heads(t, n_heads) for t in (Q, K, V))
    W = attn_softmax(attn_scaled(pairwise_similarities(q, k), C, n_heads))
    if causal:
        W = W.masked_fill(~make_causal_mask(T, device=W.device), 0.0)
    return merge_heads(compute_outputs(W, v))
'''),
    _m("self_attention", "does not split heads (one head scaled by sqrt(head_dim))", [Q7], code='''
def self_attention(Q, K, V, n_heads=1, causal=True):
    B, T, C = Q.shape
    A = attn_scaled(pairwise_similarities(Q, K), C, n_heads)
    if causal:
        A = apply_causal_mask(make_causal_mask(T, device=A.device), A)
    return compute_outputs(attn_softmax(A), V)
'''),
    _m("self_attention", "n_heads and head dim swapped when splitting", [Q7],
       "q, k, v = (split_heads(t, n_heads) for t in (Q, K, V))",
       "q, k, v = (split_heads(t, C // n_heads) for t in (Q, K, V))"),
    _m("self_attention", "keys used as values", [Q7], OUTPUT_STEP, "y = compute_outputs(attn_softmax(A), k)"),
    _m("self_attention", "mask of size n_embd instead of n_tok", [Q7], MASK_STEP,
       "    if causal:\n        A = apply_causal_mask(make_causal_mask(C, device=A.device), A)\n"),
    _m("self_attention", "computed under torch.no_grad()", [Q7], code='''
def self_attention(Q, K, V, n_heads=1, causal=True):
    B, T, C = Q.shape
    with torch.no_grad():
        q, k, v = (split_heads(t, n_heads) for t in (Q, K, V))
        A = attn_scaled(pairwise_similarities(q, k), C, n_heads)
        if causal:
            A = apply_causal_mask(make_causal_mask(T, device=A.device), A)
        return merge_heads(compute_outputs(attn_softmax(A), v))
'''),
    _m("self_attention", "scales Q in place", [Q7], code='''
def self_attention(Q, K, V, n_heads=1, causal=True):
    B, T, C = Q.shape
    Q /= math.sqrt(C / n_heads)
    q, k, v = (split_heads(t, n_heads) for t in (Q, K, V))
    A = pairwise_similarities(q, k)
    if causal:
        A = apply_causal_mask(make_causal_mask(T, device=A.device), A)
    return merge_heads(compute_outputs(attn_softmax(A), v))
'''),
    _m("self_attention", "own mask always made on the CPU", [Q7], code='''
def self_attention(Q, K, V, n_heads=1, causal=True):
    B, T, C = Q.shape
    q, k, v = (split_heads(t, n_heads) for t in (Q, K, V))
    A = attn_scaled(pairwise_similarities(q, k), C, n_heads)
    if causal:
        A = A.masked_fill(torch.ones(T, T).triu(1).bool(), float("-inf"))
    return merge_heads(compute_outputs(attn_softmax(A), v))
'''),
    _m("self_attention", "casts the output to float32", [Q7], "return merge_heads(y)",
       "return merge_heads(y).float()"),
    _m("self_attention", "scales after the softmax", [Q7], code='''
def self_attention(Q, K, V, n_heads=1, causal=True):
    B, T, C = Q.shape
    q, k, v = (split_heads(t, n_heads) for t in (Q, K, V))
    A = pairwise_similarities(q, k)
    if causal:
        A = apply_causal_mask(make_causal_mask(T, device=A.device), A)
    W = attn_scaled(attn_softmax(A), C, n_heads)
    return merge_heads(compute_outputs(W, v))
'''),
    _m("self_attention", "queries and keys swapped (A transposed)", [Q7],
       SCORES, "A = attn_scaled(pairwise_similarities(k, q), C, n_heads)"),
    _m("self_attention", "passes n_tok as n_embd to attn_scaled", [Q7],
       SCORES, "A = attn_scaled(pairwise_similarities(q, k), T, n_heads)"),
    _m("self_attention", "returns zeros: has every property (causal, device, inputs unchanged), no right value", [Q7],
       code='''
def self_attention(Q, K, V, n_heads=1, causal=True):
    return torch.zeros_like(Q)
''', loses_all_of=[Q7]),
    _m("self_attention", "F.dropout on the weights (training=True by default)", [Q7], OUTPUT_STEP,
       "y = compute_outputs(torch.nn.functional.dropout(attn_softmax(A), 0.1), v)"),
]


ALTERNATIVES = [
    # ---- pairwise_similarities -------------------------------------------------------------
    _a("pairwise_similarities", "einsum", old=PAIRWISE, new='return torch.einsum("...qd,...kd->...qk", Q, K)'),
    _a("pairwise_similarities", "matmul with K.mT", old=PAIRWISE, new="return torch.matmul(Q, K.mT)"),
    _a("pairwise_similarities", "broadcast multiply and sum", old=PAIRWISE,
       new="return (Q.unsqueeze(-2) * K.unsqueeze(-3)).sum(-1)"),
    _a("pairwise_similarities", "loop over queries", code='''
def pairwise_similarities(Q, K):
    rows = [(Q[..., i:i + 1, :] * K).sum(-1) for i in range(Q.shape[-2])]
    return torch.stack(rows, dim=-2)
'''),

    # ---- attn_scaled -------------------------------------------------------------------------
    _a("attn_scaled", "multiplies by head_dim ** -0.5", old=SCALED, new="return A * (n_embd // n_heads) ** -0.5"),
    _a("attn_scaled", "torch.sqrt of a tensor of A's dtype", old=SCALED,
       new="return A / torch.sqrt(torch.tensor(n_embd / n_heads, dtype=A.dtype, device=A.device))"),
    _a("attn_scaled", "head_dim as a variable, ** 0.5", old=SCALED,
       new="d = n_embd // n_heads\n    return A / d ** 0.5"),

    # ---- attn_softmax ------------------------------------------------------------------------
    _a("attn_softmax", "manual softmax with max subtraction", old=SOFTMAX,
       new="e = torch.exp(A - A.amax(dim=-1, keepdim=True))\n    return e / e.sum(dim=-1, keepdim=True)"),
    _a("attn_softmax", "exp(A - logsumexp)", old=SOFTMAX,
       new="return torch.exp(A - torch.logsumexp(A, dim=-1, keepdim=True))"),
    _a("attn_softmax", "F.softmax with dim=A.dim() - 1", old=SOFTMAX,
       new="return torch.nn.functional.softmax(A, dim=A.dim() - 1)"),
    _a("attn_softmax", "Tensor.softmax", old=SOFTMAX, new="return A.softmax(-1)"),

    # ---- compute_outputs ---------------------------------------------------------------------
    _a("compute_outputs", "einsum", old=OUTPUTS, new='return torch.einsum("...qk,...kd->...qd", A, V)'),
    _a("compute_outputs", "torch.matmul", old=OUTPUTS, new="return torch.matmul(A, V)"),
    _a("compute_outputs", "broadcast multiply and sum over keys", old=OUTPUTS,
       new="return (A.unsqueeze(-1) * V.unsqueeze(-3)).sum(-2)"),
    _a("compute_outputs", "loop over queries", code='''
def compute_outputs(A, V):
    rows = [(A[..., i, :, None] * V).sum(-2) for i in range(A.shape[-2])]
    return torch.stack(rows, dim=-2)
'''),

    # ---- make_causal_mask --------------------------------------------------------------------
    _a("make_causal_mask", "float tril, then .bool()", old=MAKE_MASK,
       new="return torch.tril(torch.ones(n_tok, n_tok, device=device)).bool()"),
    _a("make_causal_mask", "arange comparison i >= j", code='''
def make_causal_mask(n_tok, device=None):
    i = torch.arange(n_tok, device=device)
    return i[:, None] >= i[None, :]
'''),
    _a("make_causal_mask", "built on the CPU, then moved with .to(device)", old=MAKE_MASK,
       new="return torch.ones(n_tok, n_tok, dtype=torch.bool).tril().to(device)"),
    _a("make_causal_mask", "float mask of 0 / -inf, added to A", code='''
def make_causal_mask(n_tok, device=None):
    return torch.full((n_tok, n_tok), float("-inf"), device=device).triu(1)


def apply_causal_mask(mask, A):
    return A + mask.to(A.device, A.dtype)
'''),

    _a("make_causal_mask", "float 1/0 mask, masked_fill where mask == 0", code='''
def make_causal_mask(n_tok, device=None):
    return torch.tril(torch.ones(n_tok, n_tok, device=device))


def apply_causal_mask(mask, A):
    return A.masked_fill(mask.to(A.device) == 0, float("-inf"))
'''),

    # ---- apply_causal_mask -------------------------------------------------------------------
    _a("apply_causal_mask", "torch.where with a full_like tensor", old=APPLY_MASK,
       new='return torch.where(mask.to(A.device), A, torch.full_like(A, float("-inf")))'),
    _a("apply_causal_mask", "torch.where with a scalar", old=APPLY_MASK,
       new='return torch.where(mask.to(A.device), A, float("-inf"))'),
    _a("apply_causal_mask", "in place: A[..., ~mask] = -inf", code='''
def apply_causal_mask(mask, A):
    A[..., ~mask] = float("-inf")
    return A
'''),
    _a("apply_causal_mask", "in place masked_fill_", old=APPLY_MASK,
       new='return A.masked_fill_(~mask.to(A.device), float("-inf"))'),
    _a("apply_causal_mask", "mask convention True = blocked", code='''
def make_causal_mask(n_tok, device=None):
    return torch.ones(n_tok, n_tok, dtype=torch.bool, device=device).triu(1)


def apply_causal_mask(mask, A):
    return A.masked_fill(mask.to(A.device), float("-inf"))
'''),

    # ---- split_heads -------------------------------------------------------------------------
    _a("split_heads", "reshape with -1, then permute", old=SPLIT,
       new="return x.reshape(B, T, n_heads, -1).permute(0, 2, 1, 3)"),
    _a("split_heads", "split channels and stack", old=SPLIT,
       new="return torch.stack(x.split(C // n_heads, dim=-1), dim=1)"),
    _a("split_heads", "loop over heads with slices", code='''
def split_heads(x, n_heads):
    B, T, C = x.shape
    d = C // n_heads
    return torch.stack([x[:, :, k * d:(k + 1) * d] for k in range(n_heads)], dim=1)
'''),
    _a("split_heads", "unflatten", old=SPLIT, new="return x.unflatten(-1, (n_heads, -1)).transpose(1, 2)"),

    # ---- merge_heads -------------------------------------------------------------------------
    _a("merge_heads", "permute, contiguous, view", old=MERGE,
       new="return y.permute(0, 2, 1, 3).contiguous().view(B, T, h * d)"),
    _a("merge_heads", "concatenate the heads' channels", old=MERGE, new="return torch.cat(y.unbind(1), dim=-1)"),
    _a("merge_heads", "loop over heads", old=MERGE, new="return torch.cat([y[:, k] for k in range(h)], dim=-1)"),
    _a("merge_heads", "transpose, flatten", old=MERGE, new="return y.transpose(1, 2).flatten(2)"),

    # ---- self_attention ----------------------------------------------------------------------
    _a("self_attention", "one function, no helpers", code='''
def self_attention(Q, K, V, n_heads=1, causal=True):
    B, T, C = Q.shape
    d = C // n_heads
    q = Q.view(B, T, n_heads, d).transpose(1, 2)
    k = K.view(B, T, n_heads, d).transpose(1, 2)
    v = V.view(B, T, n_heads, d).transpose(1, 2)
    A = q @ k.transpose(-2, -1) / math.sqrt(d)
    if causal:
        keep = torch.ones(T, T, dtype=torch.bool, device=Q.device).tril()
        A = A.masked_fill(~keep, float("-inf"))
    y = torch.softmax(A, dim=-1) @ v
    return y.transpose(1, 2).reshape(B, T, C)
'''),
    _a("self_attention", "loop over heads, concatenate", code='''
def self_attention(Q, K, V, n_heads=1, causal=True):
    B, T, C = Q.shape
    d = C // n_heads
    outs = []
    for k in range(n_heads):
        sl = slice(k * d, (k + 1) * d)
        A = attn_scaled(pairwise_similarities(Q[..., sl], K[..., sl]), C, n_heads)
        if causal:
            A = apply_causal_mask(make_causal_mask(T, device=A.device), A)
        outs.append(compute_outputs(attn_softmax(A), V[..., sl]))
    return torch.cat(outs, dim=-1)
'''),
    _a("self_attention", "einsum and an additive float mask", code='''
def self_attention(Q, K, V, n_heads=1, causal=True):
    B, T, C = Q.shape
    q, k, v = (split_heads(t, n_heads) for t in (Q, K, V))
    A = torch.einsum("bhqd,bhkd->bhqk", q, k) * (C // n_heads) ** -0.5
    if causal:
        A = A + torch.full((T, T), float("-inf"), dtype=A.dtype, device=A.device).triu(1)
    return merge_heads(torch.einsum("bhqk,bhkd->bhqd", A.softmax(-1), v))
'''),
    _a("self_attention", "torch's scaled_dot_product_attention", code='''
def self_attention(Q, K, V, n_heads=1, causal=True):
    q, k, v = (split_heads(t, n_heads) for t in (Q, K, V))
    return merge_heads(torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal))
'''),
]

