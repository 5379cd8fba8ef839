# %% [markdown]
# # Part 4: A decoder language model and a classification head
#
# You write the pieces of a small GPT-style model in `lm.py`: the pre-LayerNorm transformer block,
# the padding of variable-length batches, sampling with temperature and top-k, and the parameter
# count, then the tools of a small study (accuracy, NLL, correlation, top-k continuations).
# `DecoderLM` (given) stacks your blocks; `train_lm.py` (given) pretrains it on a corpus of simple
# sentences and fine-tunes it as a sentiment classifier; with `--size` it runs the study's models.
#
# **How to work:** edit `lm.py`, save, and re-run the cells (the module reloads automatically).
# Each step has a small demonstration and a check cell that runs its public tests. Training (step
# 8) takes about a minute on a laptop CPU and writes the result files you submit; the study (steps
# 12-16) about 15 minutes on a laptop CPU, a few on a GPU. The written questions (written_answers.md)
# ask about what you see here.
#
# On Colab: upload and unzip the release, then `%cd` into its folder before running the first cell.

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline
import json
import os

import otter
import torch

import lm
import train_lm
from hw_support import lm_data, plots

grader = otter.Notebook(tests_dir="tests")
_ = torch.manual_seed(0)
# ATTENTION_HW_FAST=1 (set by the package's own tests) trains for a few steps instead of the defaults.
FAST = os.environ.get("ATTENTION_HW_FAST") == "1"
FAST_ARGS = ["--lm-steps", "20", "--clf-steps", "10", "--eval-every", "10"] if FAST else []
STUDY_FAST_ARGS = ["--num-train", "64", "--max-steps", "6", "--no-progress"] if FAST else []
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
# ## 5. `next_token_accuracy` and `mean_nll`: two ways to score a language model
#
# Both look at every position whose target is not `<pad>`: the accuracy asks whether the most
# likely token is the right one, the NLL how much probability the right one got (in nats).
# Whatever the logits say at a padded position, neither score may change.

# %%
targets = torch.tensor([[5, 2, 7, 0]])  # 0 = <pad>
logits = torch.zeros(1, 4, 8)
logits[0, 0, 5] = logits[0, 1, 2] = 1.0  # right at positions 0 and 1
logits[0, 2, 3] = 1.0  # wrong at position 2 (its target is 7)
at_pad = logits.clone()
at_pad[0, 3] = torch.randn(8) * 5  # only the padded position changes
for label, z in (("logits", logits), ("at_pad", at_pad)):
    print(f"{label:6s}: accuracy {lm.next_token_accuracy(z, targets, 0):.3f}, NLL {lm.mean_nll(z, targets, 0):.4f} nats")

# %%
grader.check("q4_7_next_token_accuracy")

# %%
grader.check("q4_8_mean_nll")

# %% [markdown]
# ## 6. `pearson`: how closely two curves move together
#
# You will correlate the dev NLL and the dev accuracy of each model over its epochs.

# %%
print(round(lm.pearson([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 5.0, 9.0]), 4), round(lm.pearson([1.0, 2.0, 3.0], [3.0, 2.0, 2.5]), 4))

# %%
grader.check("q4_9_pearson")

# %% [markdown]
# ## 7. `top_k_continuations`: greedy generation with the candidates' probabilities
#
# At each step, the k most likely next tokens and their probabilities; the first one is appended.
# An untrained model is close to uniform (about 1/60 for each token); after training (step 14) the
# table shows where the grammar leaves the model a choice.

# %%
untrained = lm.DecoderLM(lm_data.VOCAB_SIZE, lm_data.BLOCK_SIZE, 1, 16, 2).eval()
for s, step in enumerate(lm.top_k_continuations(untrained, lm_data.encode("the dog"), 3, 3)):
    print(f"step {s}:", ", ".join(f"{lm_data.VOCAB[i]} {p:.3f}" for i, p in step))

# %%
grader.check("q4_10_top_k_continuations")

# %% [markdown]
# ## 8. Train: pretraining, fine-tuning, and a classifier from scratch
#
# `train_lm.main()` pretrains the language model on data/lm_train.txt, fine-tunes it on the
# sentiment set and trains the same classifier from scratch, with the release defaults, and writes
# `lm_params.pt`, `sentiment_predictions.txt`, `sentiment_scratch_predictions.txt` and
# `lm_metrics_main.json` (the language model's dev NLL and accuracy after each epoch, by your
# functions of step 5): submit them with your modules. About a minute on a laptop CPU.

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
# ## 9. Samples at temperatures 0.01, 0.1, 0.5, 0.8 and 1.0
#
# Five sentences sampled from `<s>` at each temperature (the same random numbers for each row).
# What changes as the temperature rises?

# %%
for t, sentences in log["samples"].items():
    print(f"--- temperature {t}")
    for s in sentences:
        print("   ", s)

# %% [markdown]
# ## 10. Without positional embeddings
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
# ## 11. Check the result files
#
# The autograder scores the language model's perplexity on held-out sentences and the fine-tuned
# classifier's accuracy on the hidden test labels; here the public checks run on your files.

# %% tags=["trained"]
submitted_files = {f: os.path.abspath(f) for f in ("lm_params.pt", "sentiment_predictions.txt",
                                                    "sentiment_scratch_predictions.txt") if os.path.exists(f)}
grader.check("q4_5_lm_results")

# %%
grader.check("q4_6_classifier")

# %% [markdown]
# ## 12. The study: four model sizes
#
# `python train_lm.py --size tiny|small|medium|large` trains a language model of < 100 k, ~ 500 k,
# ~ 5 M and > 10 M parameters (hw_support/lm_sizes.py) and writes `lm_metrics_<size>.json`: the dev
# NLL and top-1 accuracy after each epoch, samples at the first, middle and last epoch, and a
# temperature sweep. On a CPU the medium and large models train fewer epochs (their output says
# so); on a GPU all four take a few minutes. A size whose file exists is read, not retrained:
# delete the file (or run the command in a terminal) to train it again.

# %%
def study_run(size, num_train=None):
    """The metrics of `train_lm.py --size size [--num-train N]`: read from its file, or trained now."""
    name = f"lm_metrics_{size}" + (f"_n{num_train}" if num_train else "") + ".json"
    if os.path.exists(name) and not FAST:
        with open(name) as f:
            return json.load(f)
    return train_lm.main(["--size", size] + (["--num-train", str(num_train)] if num_train else []) + STUDY_FAST_ARGS)


study = {size: study_run(size) for size in ("tiny", "small", "medium", "large")}
for size, m in study.items():
    last = m["epochs"][-1]
    print(f"{size:6s} {m['n_parameters']:>11,} parameters  {m['steps']:5d} steps  dev NLL {last['dev_nll']:.4f}  "
          f"dev accuracy {last['dev_acc']:.4f}  {m['seconds']:.0f} s")

# %% tags=["plot"]
plots.loss_curves({size: [(e["epoch"], e["dev_nll"]) for e in m["epochs"]] for size, m in study.items()},
                  title="dev NLL per token (nats)", xlabel="epoch", ylabel="NLL")
plots.loss_curves({size: [(e["epoch"], e["dev_acc"]) for e in m["epochs"]] for size, m in study.items()},
                  title="dev top-1 accuracy", xlabel="epoch", ylabel="accuracy")

# %% [markdown]
# ### NLL against accuracy
#
# The Pearson correlation of the dev NLL and the dev accuracy over each model's epochs, and over
# the four models' final values.

# %%
print("model    evaluations   r(dev NLL, dev accuracy)")
for size, m in study.items():
    nll, acc = [e["dev_nll"] for e in m["epochs"]], [e["dev_acc"] for e in m["epochs"]]
    print(f"{size:8s} {len(nll):11d}   {lm.pearson(nll, acc):+.4f}")
finals = [(m["epochs"][-1]["dev_nll"], m["epochs"][-1]["dev_acc"]) for m in study.values()]
print(f"{'4 sizes':8s} {4:11d}   {lm.pearson([n for n, _ in finals], [a for _, a in finals]):+.4f}  (final values)")

# %% [markdown]
# ### Samples during training
#
# Five sentences sampled at temperature 1 after the first, the middle and the last epoch.

# %%
for size, m in study.items():
    for epoch, sentences in m["samples"].items():
        print(f"--- {size}, epoch {epoch}")
        for s in sentences:
            print("   ", s)

# %% [markdown]
# ## 13. Full data against 1000 texts
#
# The small model again, trained on the first 1000 texts of data/lm_train.txt for the same number
# of steps (so about six times as many epochs). `train_nll` is measured on training texts.

# %%
limited = study_run("small", 1000)

# %% tags=["plot"]
curves = {}
for label, m in (("6000 texts", study["small"]), ("1000 texts", limited)):
    curves[f"{label}: train"] = [(e["step"], e["train_nll"]) for e in m["epochs"]]
    curves[f"{label}: dev"] = [(e["step"], e["dev_nll"]) for e in m["epochs"]]
plots.loss_curves(curves, title="small model: NLL per token", xlabel="step", ylabel="NLL")

# %% [markdown]
# ## 14. Generation with probabilities
#
# The model of step 8 (`lm_params.pt`), run greedily from two given prompts and one of yours: at
# each step the three most likely next tokens and their probabilities. Change `MY_PROMPT` (words of
# the vocabulary printed at the top).

# %%
MY_PROMPT = "the kids"
main_model = train_lm.build_model(log["config"], 0.0)  # log: step 8's run, which wrote lm_params.pt
main_model.load_state_dict(torch.load("lm_params.pt")["state_dict"])
main_model.eval()
for prompt in ("the dog", "i am not", MY_PROMPT):
    print(f"prompt: {prompt!r}")
    print("  step | " + " | ".join(f"{'candidate ' + str(j + 1):>14s}" for j in range(3)))
    for s, step in enumerate(lm.top_k_continuations(main_model, lm_data.encode(prompt), 6, 3)):
        print(f"  {s:4d} | " + " | ".join(f"{lm_data.VOCAB[i]:>8s} {p:.3f}" for i, p in step))

# %% [markdown]
# ## 15. Temperature sweep
#
# Each study model sampled five sentences from `<s>` at temperatures 0.01, 0.1, 0.5, 0.8 and 1.0
# after its last epoch (the same random numbers for each row). Compare with step 9.

# %%
for size in ("tiny", "large"):
    for t, sentences in study[size]["temperature_sweep"].items():
        print(f"--- {size}, temperature {t}")
        for s in sentences:
            print("   ", s)

# %% [markdown]
# ## 16. Check the study's files
#
# The autograder checks that `lm_metrics_main.json` and the four `lm_metrics_<size>.json` were
# submitted, that each size's parameter count falls in its range, that the dev NLL decreases, and
# that the main run's reported dev NLL is that of your `lm_params.pt`. What the study shows is for
# your written answers.

# %% tags=["trained"]
submitted_files = {f: os.path.abspath(f) for f in ["lm_params.pt", "lm_metrics_main.json"]
                   + [f"lm_metrics_{size}.json" for size in ("tiny", "small", "medium", "large")] if os.path.exists(f)}
grader.check("q4_11_study_metrics")
