# %% [markdown]
# # Part 4: A decoder language model and a classification head
#
# You write the pieces of a small GPT-style model in `lm.py`: the pre-LayerNorm transformer block,
# the padding of variable-length batches, sampling with temperature and top-k, and the parameter
# count. `DecoderLM` (given) stacks your blocks; `train_lm.py` (given) pretrains it on a corpus of
# simple sentences and fine-tunes it as a sentiment classifier.
#
# **How to work:** edit `lm.py`, save, and re-run the cells (the module reloads automatically).
# Each step has a small demonstration and a check cell that runs its public tests. Training (step
# 5) takes about a minute on a laptop CPU and writes the three result files you submit.
#
# On Colab: upload and unzip the release, then `%cd` into its folder before running the first cell.

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline
import os

import otter
import torch

import lm
import train_lm
from hw_support import lm_data, plots

grader = otter.Notebook(tests_dir="tests")
_ = torch.manual_seed(0)
# ATTENTION_HW_FAST=1 (set by the package's own tests) trains for a few steps instead of the defaults.
FAST_ARGS = ["--lm-steps", "20", "--clf-steps", "10", "--eval-every", "10"] if os.environ.get("ATTENTION_HW_FAST") == "1" else []
print(f"vocabulary: {lm_data.VOCAB_SIZE} tokens, e.g. {lm_data.VOCAB[:12]}")
print("a sentence:", lm_data.read_lines("data/lm_train.txt")[0], "->", lm_data.encode(lm_data.read_lines("data/lm_train.txt")[0]))

# %% [markdown]
# ## 1. `TransformerBlock`: pre-LayerNorm, causal, with residuals
#
# `x = x + attn(ln_1(x))`, then `x = x + mlp(ln_2(x))`. The residual path carries `x` through
# unchanged, so a deep stack starts close to the identity; normalising *before* each sublayer
# (GPT-2) trains more stably than after it (the original transformer). Changing a late token must
# not change the outputs at earlier positions.

# %%
block = lm.TransformerBlock(n_embd=16, n_head=4).eval()
x = torch.randn(1, 6, 16)
x2 = x.clone()
x2[:, 4:] = torch.randn(1, 2, 16)
with torch.no_grad():
    change = (block(x2) - block(x)).abs().amax(dim=-1)[0]
print("output shape", tuple(block(x).shape))
print("largest change per position after changing tokens 4 and 5:", [f"{c:.3f}" for c in change.tolist()])

# %%
grader.check("q4_1_transformer_block")

# %% [markdown]
# ## 2. `lm_collate_fn`: right padding
#
# Sentences have different lengths; a batch is a rectangle. Padding on the right keeps token `t`
# of every sentence at position `t` (what the positional embeddings expect), and the loss ignores
# the padded targets (`ignore_index=pad_id` in `DecoderLM`).

# %%
pairs = train_lm.lm_pairs(lm_data.read_lines("data/lm_train.txt")[:3])
X, Y = lm.lm_collate_fn(pairs, lm_data.PAD_ID)
for row_x, row_y in zip(X.tolist(), Y.tolist()):
    print(" ".join(lm_data.VOCAB[i] for i in row_x), " | targets:", " ".join(lm_data.VOCAB[i] for i in row_y))

# %%
grader.check("q4_2_lm_collate")

# %% [markdown]
# ## 3. `sample_next_token`: greedy, temperature, top-k
#
# Dividing the logits by a temperature below 1 sharpens the distribution (towards the argmax),
# above 1 flattens it (towards uniform); top-k removes all but the k most likely tokens.

# %%
logits = torch.tensor([[2.0, 1.0, 0.5, 0.0, -1.0]])
for t in (0.1, 0.5, 1.0, 2.0, 10.0):
    draws = torch.stack([lm.sample_next_token(logits, temperature=t, do_sample=True) for _ in range(2000)])
    freq = torch.bincount(draws.reshape(-1), minlength=5) / 2000
    print(f"temperature {t:4}: frequencies {[round(f, 2) for f in freq.tolist()]}")
print("greedy:", lm.sample_next_token(logits).tolist(), "  top_k=2 draws:",
      sorted(set(torch.cat([lm.sample_next_token(logits, top_k=2, do_sample=True) for _ in range(200)]).tolist())))

# %%
grader.check("q4_3_sampling")

# %% [markdown]
# ## 4. `count_parameters`: the closed form
#
# Count embeddings, per-block LayerNorms, attention and MLP (weights and biases), the final
# LayerNorm and the heads. Compare with the built model, then with models too large to build.

# %%
cfg = dict(vocab_size=lm_data.VOCAB_SIZE, block_size=lm_data.BLOCK_SIZE, n_layer=2, n_embd=64)
built = sum(p.numel() for p in lm.DecoderLM(**cfg, n_head=4).parameters())
print(f"release model: count_parameters = {lm.count_parameters(**cfg):,}, built model = {built:,}")
for name, args in {"GPT-2 small (untied head)": (50257, 1024, 12, 768), "GPT-3 175B shapes": (50257, 2048, 96, 12288)}.items():
    print(f"{name}: {lm.count_parameters(*args):,}")

# %%
grader.check("q4_4_count_parameters")

# %% [markdown]
# ## 5. Train: pretraining, fine-tuning, and a classifier from scratch
#
# `train_lm.main()` pretrains the language model on data/lm_train.txt, fine-tunes it on the
# sentiment set and trains the same classifier from scratch, with the release defaults, and writes
# `lm_params.pt`, `sentiment_predictions.txt` and `sentiment_scratch_predictions.txt` (submit them
# with your modules). About a minute on a laptop CPU.

# %%
log = train_lm.main(FAST_ARGS)

# %% tags=["plot"]
plots.loss_curves({"dev perplexity": [(p["step"], p["dev_ppl"]) for p in log["lm_curve"]],
                   "train loss": [(p["step"], p["train_loss"]) for p in log["lm_curve"]]},
                  title="language model pretraining", ylabel="perplexity / loss")
plots.loss_curves({"fine-tuned (pretrained)": [(p["step"], p["dev_acc"]) for p in log["finetuned_curve"]],
                   "from scratch": [(p["step"], p["dev_acc"]) for p in log["scratch_curve"]]},
                  title="sentiment classifier: dev accuracy", ylabel="accuracy")

# %% [markdown]
# ## 6. Samples at temperatures 0.01, 0.1, 0.5, 0.8 and 1.0
#
# Five sentences sampled from `<s>` at each temperature (the same random numbers for each row).
# What changes as the temperature rises?

# %%
for t, sentences in log["samples"].items():
    print(f"--- temperature {t}")
    for s in sentences:
        print("   ", s)

# %% [markdown]
# ## 7. Without positional embeddings
#
# In the sentiment set word order alone decides the label ("i am happy , am i not ?" versus
# "i am not happy , am i ?" hold the same words), so a bag-of-words model scores 50%. Train the
# same models without positional embeddings (files with a `_nopos` suffix, not submitted) and
# compare. A causal model still sees *some* order: token i attends only to tokens 0..i.

# %%
log_nopos = train_lm.main(["--no-pos", *FAST_ARGS])

# %% tags=["plot"]
plots.accuracy_bars({
    "fine-tuned, positions": 100 * log["finetuned_dev_acc"],
    "from scratch, positions": 100 * log["scratch_dev_acc"],
    "fine-tuned, no positions": 100 * log_nopos["finetuned_dev_acc"],
    "from scratch, no positions": 100 * log_nopos["scratch_dev_acc"],
}, title="sentiment dev accuracy", baseline=50)
print(f"LM dev perplexity: {log['lm_dev_ppl']:.3f} with positions, {log_nopos['lm_dev_ppl']:.3f} without")

# %% [markdown]
# ## 8. Check the result files
#
# The autograder scores the language model's perplexity on held-out sentences and the fine-tuned
# classifier's accuracy on the hidden test labels; here the public checks run on your files.

# %% tags=["trained"]
submitted_files = {f: os.path.abspath(f) for f in ("lm_params.pt", "sentiment_predictions.txt",
                                                    "sentiment_scratch_predictions.txt") if os.path.exists(f)}
grader.check("q4_5_lm_results")

# %%
grader.check("q4_6_classifier")
