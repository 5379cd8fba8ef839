# %% [markdown]
# # Part 5: Fine-tuning a pretrained transformer with Hugging Face
#
# You write the five pieces of a standard fine-tuning loop in `finetune.py`: `collate_fn` (tokenize and
# pad a batch), `make_dataloaders`, `train_step`, `evaluate` and `train`. `finetune_run.py` (given) puts
# them together with the real Hugging Face libraries: `AutoTokenizer.from_pretrained` and
# `AutoModelForSequenceClassification.from_pretrained` load a small RoBERTa-style encoder that the course
# staff pretrained with masked language modelling on `data/mlm_corpus.txt` (everything runs offline).
#
# The task: sentiment of short reviews (1 = positive). The validation and test reviews use polarity words
# ("superb", "dismal", ...) that **never occur in the labelled training set**; the unlabeled corpus shows
# how they are used. A model trained from scratch cannot know them; a pretrained one can.
#
# **How to work:** edit `finetune.py`, save, re-run the cells (the module reloads automatically). Each
# step has a demonstration and a check cell running its public tests. Each fine-tuning run takes well
# under a minute on a laptop CPU.

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import otter
import torch

import finetune
import finetune_run
import finetune_support  # the tests take it by this name
from hw_support import plots

fs = finetune_support

grader = otter.Notebook(tests_dir="tests")
_ = torch.manual_seed(0)
torch.set_num_threads(1)
# ATTENTION_HW_FAST=1 (set by the package's own tests): one epoch on 200 training examples.
FAST = os.environ.get("ATTENTION_HW_FAST") == "1"
FAST_ARGS = ["--epochs", "1", "--max_train", "200"] if FAST else []
tokenizer = fs.load_tokenizer()
splits = fs.load_splits()
print({k: len(v) for k, v in splits.items()}, splits["train"][0], splits["validation"][0])

# %% [markdown]
# ## 1. The tokenizer, on real examples
#
# A byte-level BPE tokenizer (like RoBERTa's, trained with the `tokenizers` library): `Ġ` marks a
# space before a token. It adds `<s>` in front and `</s>` at the end. With several texts,
# `padding=True` pads to the longest with `<pad>` (id 1) and the attention mask is 0 there;
# `truncation=True, max_length=8` cuts longer texts (keeping `</s>`); `return_tensors="pt"` gives tensors.

# %%
texts = [splits["train"][0]["text"], splits["validation"][1]["text"]]
enc = tokenizer(texts, padding=True, truncation=True, max_length=8, return_tensors="pt")
for i, t in enumerate(texts):
    print(repr(t))
    print("   tokens:", tokenizer.convert_ids_to_tokens(enc["input_ids"][i]))
    print("   input_ids:", enc["input_ids"][i].tolist(), " attention_mask:", enc["attention_mask"][i].tolist())
print("without padding/truncation:", tokenizer(texts)["input_ids"])

# %% [markdown]
# ## 2. `collate_fn`: from examples to the model's batch

# %%
batch = finetune.collate_fn(splits["train"][:3], tokenizer, max_length=48)
print({k: (tuple(v.shape), v.dtype) for k, v in batch.items()})

# %%
grader.check("q5_1_collate_fn")

# %% [markdown]
# ## 3. `make_dataloaders`: only the training data is shuffled

# %%
train_loader, validation_loader, test_loader = finetune.make_dataloaders(splits, tokenizer, 32, 48)
print(len(train_loader), "training batches;", next(iter(validation_loader))["input_ids"].shape)

# %%
grader.check("q5_2_make_dataloaders")

# %% [markdown]
# ## 4. `train_step`: one optimizer step
#
# The pretrained encoder gets a new, randomly initialised classification head (`num_labels=2`). One
# AdamW step on one batch: the loss before the step is returned.

# %%
model = fs.load_model()
optimizer = fs.make_optimizer(model, "adamw", 5e-4)
print(f"{sum(p.numel() for p in model.parameters()):,} parameters;", model.config.num_hidden_layers, "layers")
print("loss of one step:", finetune.train_step(model, next(iter(train_loader)), optimizer))

# %%
grader.check("q5_3_train_step")

# %% [markdown]
# ## 5. `evaluate`: eval mode, no gradients

# %%
print("validation (mean loss, accuracy):", finetune.evaluate(model, validation_loader))

# %%
grader.check("q5_4_evaluate")

# %% [markdown]
# ## 6. `train`: epochs, history and the best validation epoch

# %%
grader.check("q5_5_train")

# %% [markdown]
# ## 7. Fine-tune the pretrained model, and the same model from scratch
#
# `finetune_run.py`'s defaults; the run writes `finetuned_model/` (save_pretrained),
# `finetuned_model.safetensors`, `finetuned_config.json` and `hf_test_predictions.txt`; the from-scratch
# run writes `hf_scratch_test_predictions.txt`. Submit the four files (`make_submission.py` packs them).

# %%
args = finetune_run.parser().parse_args(FAST_ARGS + ["--no_progress"])
pretrained = finetune_run.run(args)
scratch = finetune_run.run(finetune_run.parser().parse_args(FAST_ARGS + ["--no_progress", "--from_scratch"]))

# %% tags=["plot"]
h = pretrained["history"]
plots.loss_curves({"train loss": h["train_loss"], "validation loss": h["validation_loss"]},
                  title="pretrained model: loss per epoch", xlabel="epoch")
plots.loss_curves({"train accuracy": h["train_accuracy"], "validation accuracy": h["validation_accuracy"]},
                  title="pretrained model: accuracy per epoch", xlabel="epoch", ylabel="accuracy")

# %% tags=["plot"]
s = scratch["history"]
plots.loss_curves({"pretrained: train": h["train_accuracy"], "pretrained: validation": h["validation_accuracy"],
                   "from scratch: train": s["train_accuracy"], "from scratch: validation": s["validation_accuracy"]},
                  title="pretrained vs from scratch", xlabel="epoch", ylabel="accuracy")

# %% [markdown]
# ## 8. Optimizers compared
#
# The same fine-tuning with AdamW, SGD (momentum 0.9) and Adagrad, each at a starting learning rate
# (try others and compare: written question 5.5). Results go to `runs/<optimizer>/` (not submitted).

# %%
runs = {}
for name, lr in (("adamw", "5e-4"), ("sgd", "0.01"), ("adagrad", "1e-3")):
    a = finetune_run.parser().parse_args(FAST_ARGS + ["--no_progress", "--optimizer", name, "--lr", lr,
                                                      "--out", os.path.join("runs", name)])
    runs[f"{name} (lr {lr})"] = finetune_run.run(a)["history"]

# %% tags=["plot"]
plots.loss_curves({k: v["validation_accuracy"] for k, v in runs.items()}, title="optimizers: validation accuracy",
                  xlabel="epoch", ylabel="accuracy")
plots.loss_curves({k: v["train_loss"] for k, v in runs.items()}, title="optimizers: training loss", xlabel="epoch")
