# %% [markdown]
# # Part 1: Attention exploration
#
# One attention head with four fixed keys `k_0 .. k_3` (the rows of `K`) and four values
# `v_0 .. v_3` (the rows of `V`), each of dimension 3. The head is *unscaled*:
# `attention(q, K, V) = softmax(q K^T) V`. Each exercise asks for a query (or a new key) that steers
# the output onto a target; an answer counts when every element of the output is within 0.05 of the
# target.
#
# **How to work:** write your answers in `query_crafting.py` (in any editor, or Jupyter's), save,
# and re-run the cells below: the module is reloaded automatically. Each exercise has a picture of
# the attention weights your answer produces and a check cell that runs its public tests. Until you
# write a function, its cell stops with `NotImplementedError` and a hint. Explain why your answers
# work in `written_answers.md` (graded by hand).
#
# On Colab: upload and unzip the release, then `%cd` into its folder before running the first cell.

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline
import otter
import torch

import query_crafting
from hw_support import plots

grader = otter.Notebook(tests_dir="tests")
K, V = query_crafting.setup_k_and_v()
print("K =", K, "V =", V, sep="\n")

# %% [markdown]
# A query's score for key `k_i` is the dot product `q . k_i`; the weights are the softmax of the
# scores. Keys that are nearly orthogonal can be told apart by a query; the picture shows how
# similar the four keys are to each other (the diagonal is each key's squared length).

# %% tags=["plot"]
plots.key_similarities(K)

# %% [markdown]
# ## 1. `select_first`: copy `v_0`
#
# The output is a weighted average of the values. Before you write the query, decide which
# weights would make that average equal `v_0`, then what the four scores `k_i . q` must look like for
# the softmax to produce those weights. The picture after your function shows the weights your
# query gives: draw it again for a few multiples of your query and watch how they change (written
# question 1.1 asks why).

# %% tags=["plot"]
q = query_crafting.select_first(K.clone(), V.clone())
plots.query_attention(query_crafting.attention, q, K, V, target=V[0], title="select_first: output = v_0?")

# %%
grader.check("q1_1_select_first")

# %% [markdown]
# ## 2. `select_all`: one query per key
#
# Four queries (the rows of a `(4, 3)` tensor); row `i` of the output should be `v_i`. Each query
# needs its own key to win.

# %% tags=["plot"]
Q = query_crafting.select_all(K.clone(), V.clone())
plots.query_attention(query_crafting.attention, Q, K, V, target=V, title="select_all: output = V?")

# %%
grader.check("q1_2_select_all")

# %% [markdown]
# ## 3. `average_all`: the mean of all four values
#
# Equal weights need equal scores.

# %% tags=["plot"]
q = query_crafting.average_all(K.clone(), V.clone())
plots.query_attention(query_crafting.attention, q, K, V, target=V.mean(0),
                      title="average_all: output = mean of v_0..v_3?")

# %%
grader.check("q1_3_average_all")

# %% [markdown]
# ## 4. `average_first_two`: the mean of `v_0` and `v_1`
#
# Two large, (nearly) equal scores and two much smaller ones. Exercises 5 and 6 reuse this query
# unchanged, so it matters which one you pick.

# %% tags=["plot"]
q = query_crafting.average_first_two(K.clone(), V.clone())
plots.query_attention(query_crafting.attention, q, K, V, target=(V[0] + V[1]) / 2,
                      title="average_first_two: output = (v_0 + v_1) / 2?")

# %%
grader.check("q1_4_average_first_two")

# %% [markdown]
# ## 5. `new_k2_average_first_three`: replace `k_2`
#
# Now you change a key instead of the query: with your `average_first_two` query `q` and row 2 of
# `K` replaced by your new key, the output should be the mean of `v_0`, `v_1` and `v_2`.

# %% tags=["plot"]
q = torch.as_tensor(query_crafting.average_first_two(K.clone(), V.clone()), dtype=torch.float32)
K_new = K.clone()
K_new[2] = torch.as_tensor(query_crafting.new_k2_average_first_three(K.clone(), V.clone(), q.clone()))
plots.query_attention(query_crafting.attention, q, K_new, V, target=V[:3].mean(0),
                      title="new k_2: output = mean of v_0, v_1, v_2?")

# %%
grader.check("q1_5_new_k2_average_first_three")

# %% [markdown]
# ## 6. `new_k2_select_third`: a unit-length `k_2` that takes all the weight
#
# Same query `q`; the new key must have norm 1 (within 0.001), and the output should be `v_2`.

# %% tags=["plot"]
q = torch.as_tensor(query_crafting.average_first_two(K.clone(), V.clone()), dtype=torch.float32)
k2 = torch.as_tensor(query_crafting.new_k2_select_third(K.clone(), V.clone(), q.clone()), dtype=torch.float32)
K_new = K.clone()
K_new[2] = k2
print(f"|k_2| = {k2.norm():.4f} (must be 1 within 0.001)")
plots.query_attention(query_crafting.attention, q, K_new, V, target=V[2], title="unit k_2: output = v_2?")

# %%
grader.check("q1_6_new_k2_select_third")

# %% [markdown]
# ## All exercises at once
#
# `check_answer()` prints each answer's error without running the tests; `python check.py` in a
# terminal runs every public test of every part and prints a table.

# %%
errors = query_crafting.check_answer()
