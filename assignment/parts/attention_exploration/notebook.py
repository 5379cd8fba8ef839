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

# %% [markdown]
# ## 7. `copy_query`: copy `v_j` for any orthogonal keys
#
# From here on the keys are no longer this term's four fixed ones: `copy_query(K, j)` receives `n`
# pairwise orthogonal keys of dimension `d` (the tests draw `n = 16`, `d = 64`, with unit norms and with
# norms between 0.5 and 2) and must work for every value matrix with entries in `[-1, 1]`. Before you
# write it, compute on paper the score `q . k_i` of every key for a candidate `q`, and ask how the
# softmax weights depend on the gap between the largest score and the others. Then try the cell below
# with several `j` and both kinds of norms, and change your query's scale to see how small it can get.

# %%
from hw_support import attention_math

K_rand, V_rand = attention_math.instance(0, norms=(0.5, 2.0))  # a random instance like the tests'
for j in (0, 5, 15):
    q = torch.as_tensor(query_crafting.copy_query(K_rand.float(), j), dtype=torch.float64)
    out = attention_math.attend(q, K_rand, V_rand)
    print(f"j = {j}, |k_j| = {K_rand[j].norm():.2f}: max abs error {(out - V_rand[j]).abs().max():.2e}")

# %%
grader.check("q1_7_copy_query")

# %% [markdown]
# ## 8. `average_query`: the mean of `v_i` and `v_j`
#
# Same keys; now two values should share the weight. Write down the two scores your query gives `k_i`
# and `k_j` when their norms differ, and check that the cell below prints small errors for the most
# unequal pair of norms too. Written question 1.7 asks you to derive the scale you need.

# %%
norms = K_rand.norm(dim=1)
i, j = int(norms.argmin()), int(norms.argmax())
q = torch.as_tensor(query_crafting.average_query(K_rand.float(), i, j), dtype=torch.float64)
out = attention_math.attend(q, K_rand, V_rand)
print(f"|k_i| = {norms[i]:.2f}, |k_j| = {norms[j]:.2f}: max abs error {(out - (V_rand[i] + V_rand[j]) / 2).abs().max():.2e}")

# %%
grader.check("q1_8_average_query")

# %% [markdown]
# ## 9. `single_vs_two_heads`: when the keys are noisy
#
# Now the keys are random: each is drawn around its own mean (the means are orthonormal), with a tiny
# variance `alpha` in every direction, and key `a` can also be stretched along its mean (variance
# `stretch` in that one direction), so that its norm varies from sample to sample. One design uses a
# single head with your `average_query`; the other averages two heads that each use your `copy_query`.
# Before you run the cell, predict which design's error grows with `stretch`. The tests compare the
# errors you report with the grader's own measurement, made with your own queries. Copy the numbers
# into the table of written question 1.8; then try `stretch=0.5`, and (temporarily) a 10 times longer
# single-head query with `stretch=0`.

# %%
mu, V_rand = attention_math.instance(1)
for stretch in (0.0, 0.02, 0.1, 0.5):
    torch.manual_seed(0)
    errors = query_crafting.single_vs_two_heads(mu.float(), V_rand.float(), 3, 7, stretch)
    print(f"stretch {stretch}: single head {errors['single']:.4f}, two heads {errors['two']:.4f}")

# %%
grader.check("q1_9_single_vs_two_heads")
