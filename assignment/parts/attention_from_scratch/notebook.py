# %% [markdown]
# # Part 2: Attention from scratch
#
# You build multi-head scaled dot-product attention out of small functions in `attention.py`, one
# step at a time, and put them together in `self_attention`. Shapes: `B` batch, `T` tokens, `C`
# channels (`n_embd`), `h` heads, `d = C // h` channels per head.
#
# **How to work:** edit `attention.py`, save, and re-run the cells (the module reloads
# automatically). Each step has a small demonstration and a check cell that runs its public tests;
# a step you have not written yet stops with `NotImplementedError` and a hint. At the end you look
# at what a causal attention head attends to.
#
# On Colab: upload and unzip the release, then `%cd` into its folder before running the first cell.

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline
import otter
import torch

import attention
from hw_support import plots

grader = otter.Notebook(tests_dir="tests")
_ = torch.manual_seed(0)

# %% [markdown]
# ## 1. `pairwise_similarities`: every query against every key
#
# Entry `(i, j)` of `A = Q K^T` is the dot product of query `i` with key `j`. Leading (batch, head)
# dimensions ride along.

# %%
Q, K = torch.randn(2, 5, 4), torch.randn(2, 7, 4)
A = attention.pairwise_similarities(Q, K)
print("A:", tuple(A.shape), "(expected (2, 5, 7))")
print("A[0, 1, 2] =", float(A[0, 1, 2]), "= q_1 . k_2 =", float(Q[0, 1] @ K[0, 2]))

# %%
grader.check("q2_1_pairwise_similarities")

# %% [markdown]
# ## 2. `attn_scaled`: divide by `sqrt(d)`
#
# Scaled dot-product attention divides the scores by `sqrt(d)`, where `d` is the head size. To see
# why, draw random queries and keys with unit-variance entries for a few head sizes and look at the
# spread of the unscaled scores and at the largest softmax weight of each row, with and without the
# division (written question 2.1 asks you to explain what you see).

# %%
for d in (4, 64, 256):
    scores = attention.pairwise_similarities(torch.randn(1, 64, d), torch.randn(1, 64, d))
    scaled = attention.attn_scaled(scores, n_embd=d, n_heads=1)
    print(f"d = {d:3d}: std of the scores {scores.std():6.2f}, after scaling {scaled.std():.2f}; mean largest "
          f"softmax weight {scores.softmax(-1).amax(-1).mean():.2f}, after scaling {scaled.softmax(-1).amax(-1).mean():.2f}")

# %%
grader.check("q2_2_attn_scaled")

# %% [markdown]
# ## 3. `attn_softmax`: weights that sum to 1 over the keys

# %%
W = attention.attn_softmax(torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]))
print(W)
print("row sums:", W.sum(-1))

# %%
grader.check("q2_3_attn_softmax")

# %% [markdown]
# ## 4. `compute_outputs`: a weighted sum of the values
#
# Each output row mixes the value rows with that query's weights.

# %%
V = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
print(attention.compute_outputs(torch.tensor([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]]), V))

# %%
grader.check("q2_4_compute_outputs")

# %% [markdown]
# ## 5. The causal mask
#
# In a language model token `i` may look only at tokens `0..i`. `make_causal_mask` builds the mask
# (your own convention), and `apply_causal_mask` sets the scores of future keys to `-inf`, so that
# the softmax gives them weight 0. The picture shows which keys each query keeps after your two
# functions (1 = may attend), whatever convention you chose.

# %% tags=["plot"]
T = 6
masked = attention.apply_causal_mask(attention.make_causal_mask(T), torch.zeros(T, T))
plots.mask_picture(torch.isfinite(masked), title="after apply_causal_mask (1 = kept)")

# %%
grader.check("q2_5_causal_mask")

# %% [markdown]
# ## 6. `split_heads` and `merge_heads`
#
# Head `k` works on channels `k*d .. (k+1)*d - 1`. `merge_heads` undoes `split_heads` exactly.

# %%
x = torch.randn(2, 5, 12)
heads = attention.split_heads(x, 3)
print("split:", tuple(x.shape), "->", tuple(heads.shape), "(expected (2, 3, 5, 4))")
print("merge undoes split:", torch.equal(attention.merge_heads(heads), x))

# %%
grader.check("q2_6_split_merge_heads")

# %% [markdown]
# ## 7. `self_attention`: everything together
#
# Split the heads, compute the scores, scale, mask (if causal), softmax, take the weighted sum of
# the values and merge the heads. PyTorch's `nn.MultiheadAttention` (with identity projections,
# in `hw_support/reference.py`) computes the same thing, which makes a good check.

# %%
from hw_support.reference import mha_reference

Qx, Kx, Vx = torch.randn(3, 2, 6, 12).unbind(0)
for n_heads, causal in ((1, False), (3, True)):
    mine = attention.self_attention(Qx, Kx, Vx, n_heads=n_heads, causal=causal)
    ref = mha_reference(Qx, Kx, Vx, n_heads=n_heads, causal=causal)
    print(f"{n_heads} head(s), causal={causal}: shape {tuple(mine.shape)}, "
          f"max abs difference from PyTorch {float((mine - ref).abs().max()):.2e}")

# %%
grader.check("q2_7_self_attention")

# %% [markdown]
# ## The attention map of a causal head
#
# A small untrained model: each word gets a random embedding (the same word, the same embedding),
# and the query, key and value projections of `init_qkv_proj` are random too. The heatmaps show
# each head's weights: row = the query token, column = the key token it attends to. Everything above
# the diagonal is 0 (the future is masked), and every row sums to 1. Training would make the
# patterns meaningful; here they only reflect random similarities between the embeddings.

# %% tags=["plot"]
tokens = "the cat sat on the mat because it was tired".split()
n_embd, n_heads = 16, 2
torch.manual_seed(1)
vocab = {w: i for i, w in enumerate(dict.fromkeys(tokens))}
embed = torch.randn(len(vocab), n_embd)
x = embed[torch.tensor([vocab[w] for w in tokens])].unsqueeze(0)  # (1, T, C)
q_proj, k_proj, v_proj = attention.init_qkv_proj(n_embd)
with torch.no_grad():
    q, k = attention.split_heads(q_proj(x), n_heads), attention.split_heads(k_proj(x), n_heads)
    scores = attention.attn_scaled(attention.pairwise_similarities(q, k), n_embd, n_heads)
    weights = attention.attn_softmax(attention.apply_causal_mask(attention.make_causal_mask(len(tokens)), scores))
plots.attention_map(weights[0], tokens, title="causal self-attention weights, untrained")

# %% [markdown]
# ## Your own experiment (written question 2.4)
#
# `experiment.py` trains a tiny GPT whose attention is your `self_attention`, with switches for one
# change at a time (`python experiment.py --help`: the similarity function, with your own in
# `experiment_hooks.py`; shared projections; positions; masking after the softmax; non-linear
# projections). Pick one direction, run it next to the baseline (`--compare`), and write it up with
# `report_template.md`. A single seed is noisy: run the baseline with a few seeds before you call a
# difference real.
