# %% [markdown]
# # Part 3: Pretraining and knowledge access
#
# A small character-level GPT (`model.py`, given) learns made-up biographies from `data/wiki.txt` by
# *span corruption*: a random span of each document is cut out and the model learns to restore it.
# (Like a real corpus, it also holds a few question-and-answer lines, "Where was NAME born? PLACE.",
# about some of the training people; never about the dev or test people.)
# Then it is fine-tuned on questions "Where was NAME born?" whose answers are in the biographies
# but not in the fine-tuning set. Does pretraining let the model answer them? You write the
# corruption (`CharCorruptionDataset.__getitem__` in `dataset.py`) and a second kind of attention
# (`SynthesizerAttention.forward` in `attention.py`), then run the experiment.
#
# **How to work:** edit the modules, save, and re-run the cells (they reload automatically). The
# training cells run exactly what `python run.py ...` runs (see its docstring) and write the same
# files: the `*.params` and `*.test.predictions` files you submit. See the README for how long
# they take on a laptop CPU and on a GPU.
#
# On Colab: upload and unzip the release, then `%cd` into its folder before running the first cell.

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline
import os

import otter
import torch

import attention
import dataset
import london_baseline
import model
import run
import utils
from hw_support import plots

grader = otter.Notebook(tests_dir="tests")
# ATTENTION_HW_FAST=1 (set by the package's own tests): one epoch per run, vanilla only.
FAST = os.environ.get("ATTENTION_HW_FAST") == "1"
print("device:", utils.default_device(), "- settings:", run.settings(utils.default_device()), "- fast" if FAST else "")

# %% [markdown]
# ## 1. Span corruption
#
# Each document becomes `prefix ⁇ suffix ⁇ masked □□□...`: the model sees the document with a hole
# and, after the second `⁇`, has to write what was cut out. Below: four examples of your dataset
# (`x` is the input, `y` the same string shifted by one: the next character at every position).

# %%
corpus = dataset.CharCorruptionDataset(utils.read_text("data/wiki.txt"), 64)
for x, y in dataset.sample_items(corpus, range(4), seed=0):
    print("x:", dataset.decode(corpus, x))
    print("y:", dataset.decode(corpus, y))

# %%
grader.check("q3_1_span_corruption")

# %% [markdown]
# ## 2. Synthesizer attention
#
# Instead of comparing queries with keys, a dense Synthesizer computes each token's attention
# scores over the positions from that token alone (`ReLU(X A_i + b1) B + b2`). Look at the formula:
# what does the score of position `i` for position `j` depend on, and what does it never see? The
# picture shows the causal weights of an untrained layer (row: query position, column: key
# position), as your `forward` passes them to `self.attn_drop`.

# %% tags=["plot"]
config = model.GPTConfig(vocab_size=corpus.vocab_size, block_size=16, n_layer=1, n_head=2, n_embd=16)
layer = attention.SynthesizerAttention(config).eval()
torch.nn.init.normal_(layer.w2, std=1.0)  # larger than the initial values, to see a pattern
seen = []
hook = layer.attn_drop.register_forward_hook(lambda module, inputs, output: seen.append(output.detach()))
try:
    with torch.no_grad():
        print("output shape", tuple(layer(torch.randn(1, 10, 16)).shape), "(expected (1, 10, 16))")
finally:
    hook.remove()
if seen:
    plots.attention_map(seen[0][0], [str(i) for i in range(10)], title="synthesizer weights (untrained)")
else:
    print("your forward does not call self.attn_drop on the attention weights")

# %%
grader.check("q3_2_synthesizer")

# %% [markdown]
# ## 3. Pretrain and fine-tune
#
# For each variant, `run.py pretrain` trains on the corrupted corpus and `run.py finetune` on the
# birthplace questions of `data/birth_places_train.tsv`, each written as the corpus's quiz lines are,
# `Where was NAME born? PLACE⁇` (`dataset.NameDataset`; CS224N puts a ⁇ between question and answer,
# a frame the pretrained model never read); the baseline fine-tunes a fresh model without pretraining. Run all of it in a terminal with one command, as the autograder calibrated
# and timed it (the README says how long it takes; a line per finished step, details in `logs/`):
#
#     python run.py experiment
#
# then run the cells below: they plot the loss curve every run saved (`*.losses.json`). Or set
# `RUN_HERE = True` to run the same commands in this kernel, one after another (about twice as long).

# %%
RUN_HERE = False


def train(*argv):
    """`python run.py ARGV...` in this kernel (it saves the loss of every step beside the params)."""
    run.main([*argv, *(["--epochs", "1", "--quiet", "--threads", "1"] if FAST else [])])


if RUN_HERE or FAST:
    for variant in ("vanilla",) if FAST else ("vanilla", "synthesizer"):
        train("pretrain", variant, "data/wiki.txt", "--writing_params_path", f"{variant}.pretrain.params")
        train("finetune", variant, "data/wiki.txt", "--reading_params_path", f"{variant}.pretrain.params",
              "--writing_params_path", f"{variant}.finetune.params",
              "--finetune_corpus_path", "data/birth_places_train.tsv")
    train("finetune", "vanilla", "data/wiki.txt", "--writing_params_path", "vanilla.nopretrain.params",
          "--finetune_corpus_path", "data/birth_places_train.tsv")

pretrain_losses = {v: run.load_losses(f"{v}.pretrain.params") for v in ("vanilla", "synthesizer")
                   if os.path.exists(f"{v}.pretrain.params")}
finetune_losses = {name: run.load_losses(path) for name, path in (
    ("vanilla, pretrained", "vanilla.finetune.params"), ("synthesizer, pretrained", "synthesizer.finetune.params"),
    ("vanilla, no pretraining", "vanilla.nopretrain.params")) if os.path.exists(path)}
if not pretrain_losses:
    print("no *.pretrain.params here yet: run `python run.py experiment` (or set RUN_HERE = True)")

# %% tags=["plot"]
plots.loss_curves(pretrain_losses, title="pretraining (span corruption)", logy=True)
plots.loss_curves(finetune_losses, title="fine-tuning on birthplace questions", logy=True)

# %% [markdown]
# Did pretraining store the birthplaces? The cloze probe asks each pretrained model to continue
# "NAME was born in " for the dev people (whose questions fine-tuning never shows) and counts the
# continuations that start with the right place. Note the two numbers: you will compare them with
# the question-answering accuracies after fine-tuning.

# %%
for variant in pretrain_losses:
    run.main(["probe", variant, "data/wiki.txt", "--reading_params_path", f"{variant}.pretrain.params",
              "--eval_corpus_path", "data/birth_dev.tsv", *(["--threads", "1"] if FAST else [])])

# %% [markdown]
# ## 4. Accuracy on the dev questions, against the baseline
#
# The baseline always answers the most common birthplace of the training questions (CS224N's
# "London" baseline). `run.py evaluate` also writes the predictions for the test questions, whose
# answers only the autograder has: these `*.test.predictions` files are what you submit.

# %%
runs = {"vanilla, pretrained": ("vanilla", "vanilla.finetune.params", "vanilla.pretrain"),
        "synthesizer, pretrained": ("synthesizer", "synthesizer.finetune.params", "synthesizer.pretrain"),
        "vanilla, no pretraining": ("vanilla", "vanilla.nopretrain.params", "vanilla.nopretrain")}
accuracy = {}
for name, (variant, params, prefix) in runs.items():
    if not os.path.exists(params):
        print(f"{params} is missing: run the training cells first")
        continue
    for split, corpus_path in (("dev", "data/birth_dev.tsv"), ("test", "data/birth_test_inputs.tsv"))[:1 if FAST else 2]:
        run.main(["evaluate", variant, "data/wiki.txt", "--reading_params_path", params,
                  "--eval_corpus_path", corpus_path, "--outputs_path", f"{prefix}.{split}.predictions"])
    with open(f"{prefix}.dev.predictions", encoding="utf-8") as f:
        total, correct = utils.evaluate_places("data/birth_dev.tsv", [line.rstrip("\n") for line in f])
    accuracy[name] = 100.0 * correct / total
baseline = london_baseline.main([])
print(f"{'model':<26}{'dev accuracy':>14}")
for name, acc in {**accuracy, "baseline (most common)": baseline}.items():
    print(f"{name:<26}{acc:>13.1f}%")

# %% tags=["plot"]
plots.accuracy_bars(accuracy, title="birthplace questions: dev accuracy", baseline=baseline)

# %% [markdown]
# Compare with the cloze probe above: how much of what each pretrained model knew did fine-tuning
# turn into answered questions, and how do the two variants differ? To explain it, look at where the
# name sits in a biography and where it sits in a question, and at how each variant decides where to
# look: the synthesizer's `w2` (one column per key position) and the position embeddings that
# `model.py` adds to its input, versus `attention.rotary` in the vanilla model.
#
# Explain these numbers in `written_answers.md`: why does pretraining help, and what changes with
# the Synthesizer? Then submit your modules with the `*.finetune.params` and `*.test.predictions`
# files (`python make_submission.py` packs them).
