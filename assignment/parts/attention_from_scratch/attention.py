"""Part 2: attention from scratch.

Implement each function below; `self_attention` puts them together. Shapes use
B = batch, T = number of tokens, C = n_embd (channels), h = n_heads, d = C // h (head dim).
Run `python check.py attention` to test your work.
"""
import math

import torch
import torch.nn as nn


def init_qkv_proj(n_embd):
    """Given. Query, key and value projections, each an `nn.Linear(n_embd, n_embd)` with bias."""
    return tuple(nn.Linear(n_embd, n_embd) for _ in range(3))


def pairwise_similarities(Q, K):
    """Dot products of every query with every key: A = Q K^T over the last two dims.

    Q: (..., T_q, d), K: (..., T_k, d) with the same leading (batch) dims -> A: (..., T_q, T_k).
    """
    # BEGIN SOLUTION compute A = Q K^T over the last two dimensions
    return Q @ K.transpose(-2, -1)
    # END SOLUTION


def attn_scaled(A, n_embd, n_heads):
    """Scale the similarities by 1 / sqrt(d), where d = n_embd / n_heads is the head dimension.

    A: (..., T, T) -> same shape. n_embd must be divisible by n_heads.
    """
    assert n_embd % n_heads == 0, "n_embd must be divisible by n_heads"
    # BEGIN SOLUTION divide A by sqrt(n_embd / n_heads)
    return A / math.sqrt(n_embd / n_heads)
    # END SOLUTION


def attn_softmax(A):
    """Softmax over the last dimension, so each row of attention weights sums to 1. A: (..., T, T)."""
    # BEGIN SOLUTION softmax over the last dimension
    return torch.softmax(A, dim=-1)
    # END SOLUTION


def compute_outputs(A, V):
    """Weighted sum of the values: A V. A: (..., T_q, T_k), V: (..., T_k, d) -> (..., T_q, d)."""
    # BEGIN SOLUTION compute A V
    return A @ V
    # END SOLUTION


def make_causal_mask(n_tok, device=None):
    """An (n_tok, n_tok) mask saying which key positions each query position may attend to.

    Token i may attend to tokens 0..i (itself included) and not to later ones. Choose your own
    convention (bool or float, True meaning "keep" or "block"); `apply_causal_mask` reads it.
    Create it on `device` (None means torch's default device).
    """
    # BEGIN SOLUTION build a lower-triangular (n_tok, n_tok) mask on `device`
    return torch.ones(n_tok, n_tok, dtype=torch.bool, device=device).tril()
    # END SOLUTION


def apply_causal_mask(mask, A):
    """Return A with every future position (key j > query i) set to -inf, before the softmax.

    mask: from `make_causal_mask(T)`; A: (..., T, T).
    """
    # BEGIN SOLUTION set the masked-out (future) entries of A to -inf
    return A.masked_fill(~mask.to(A.device), float("-inf"))
    # END SOLUTION


def split_heads(x, n_heads):
    """(B, T, C) -> (B, h, T, C // h): head k gets channels k*d .. (k+1)*d - 1."""
    B, T, C = x.shape
    assert C % n_heads == 0, "n_embd must be divisible by n_heads"
    # BEGIN SOLUTION reshape to (B, T, h, d), then move the head axis before T
    return x.view(B, T, n_heads, C // n_heads).transpose(1, 2)
    # END SOLUTION


def merge_heads(y):
    """The inverse of `split_heads`: (B, h, T, d) -> (B, T, h * d)."""
    B, h, T, d = y.shape
    # BEGIN SOLUTION move the head axis back after T, then flatten the heads
    return y.transpose(1, 2).reshape(B, T, h * d)
    # END SOLUTION


def self_attention(Q, K, V, n_heads=1, causal=True):
    """Multi-head scaled dot-product attention built from the functions above.

    Q, K, V: (B, T, C) -> (B, T, C). With `causal`, token i attends only to tokens 0..i.
    """
    assert Q.shape == K.shape == V.shape, "Q, K and V must have the same shape (B, T, C)"
    B, T, C = Q.shape
    # BEGIN SOLUTION split heads, scores, scale, (mask), softmax, weighted sum, merge heads
    q, k, v = (split_heads(t, n_heads) for t in (Q, K, V))
    A = attn_scaled(pairwise_similarities(q, k), C, n_heads)
    if causal:
        A = apply_causal_mask(make_causal_mask(T, device=A.device), A)
    y = compute_outputs(attn_softmax(A), v)
    return merge_heads(y)
    # END SOLUTION
