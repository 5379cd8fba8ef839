"""Part 5's given helpers (shipped as written; the autograder always uses its own copy): the data, the
pretrained model and tokenizer (Hugging Face `from_pretrained`), predictions and the submitted files,
plus the small models and loaders the tests build inside the grader's sandbox.

With a network, the same code fine-tunes RoBERTa on SST-2: `load_splits("glue/sst2")` and
`load_model("roberta-base")` (finetune_run.py --model roberta-base --data glue/sst2).
"""
import json
import os
import shutil

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
PRETRAINED = os.path.join(DATA, "pretrained")
SUBMISSION = {"model": "finetuned_model.safetensors", "config": "finetuned_config.json",
              "predictions": "hf_test_predictions.txt", "scratch": "hf_scratch_test_predictions.txt"}


def _tsv(path):
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    return [{"text": t, "label": int(y)} for t, y in rows]


def load_splits(source=DATA):
    """{"train", "validation", "test"}: lists of {"text", "label"} (test labels are -1: hidden).
    `source`: the data folder, or "glue/sst2" (Hugging Face datasets; needs a network the first time)."""
    if source == "glue/sst2":
        from datasets import load_dataset
        d = load_dataset("glue", "sst2").rename_column("sentence", "text")
        return {k: d[k] for k in ("train", "validation", "test")}
    with open(os.path.join(source, "test.txt"), encoding="utf-8") as f:
        test = [{"text": line.rstrip("\n"), "label": -1} for line in f]
    return {"train": _tsv(os.path.join(source, "train.tsv")),
            "validation": _tsv(os.path.join(source, "validation.tsv")), "test": test}


def load_tokenizer(name_or_path=PRETRAINED):
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(name_or_path)


def load_model(name_or_path=PRETRAINED, from_scratch=False, num_labels=2, seed=0):
    """AutoModelForSequenceClassification from the pretrained weights (a new classification head), or
    the same architecture with random weights (from_scratch), seeded."""
    from transformers import AutoConfig, AutoModelForSequenceClassification
    from transformers.utils import logging
    logging.set_verbosity_error()  # "newly initialized: classifier.*" is expected: that head is what we train
    torch.manual_seed(seed)
    if from_scratch:
        return AutoModelForSequenceClassification.from_config(AutoConfig.from_pretrained(name_or_path, num_labels=num_labels))
    return AutoModelForSequenceClassification.from_pretrained(name_or_path, num_labels=num_labels)


def make_optimizer(model, name, lr):
    """adamw | sgd | adagrad over the model's parameters."""
    if name == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=lr)
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    if name == "adagrad":
        return torch.optim.Adagrad(model.parameters(), lr=lr)
    raise ValueError(f"unknown optimizer {name!r}: adamw, sgd or adagrad")


def predict(model, loader):
    """The argmax label of every example of `loader`, in order (labels in the batches are not used)."""
    model.eval()
    device = next(model.parameters()).device
    out = []
    with torch.no_grad():
        for batch in loader:
            logits = model(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device)).logits
            out += logits.argmax(dim=-1).tolist()
    return out


def write_predictions(path, labels):
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(f"{int(y)}\n" for y in labels))


def save_for_submission(model, folder, out_dir="."):
    """model.save_pretrained(folder) (safetensors), then its weights and config copied to the two files
    you upload (finetuned_model.safetensors, finetuned_config.json)."""
    model.save_pretrained(folder, safe_serialization=True)
    shutil.copy(os.path.join(folder, "model.safetensors"), os.path.join(out_dir, SUBMISSION["model"]))
    shutil.copy(os.path.join(folder, "config.json"), os.path.join(out_dir, SUBMISSION["config"]))


# ---- used by the tests (inside the grader's sandbox): small models, probes and loaders from data

def tiny_classifier(config, state_dict=None):
    """A RobertaForSequenceClassification of `config` (a dict of RobertaConfig fields) holding
    `state_dict`, with a probe recording (grad enabled, training mode) at every forward call."""
    from transformers import RobertaConfig, RobertaForSequenceClassification
    from transformers.utils import logging
    logging.set_verbosity_error()
    model = RobertaForSequenceClassification(RobertaConfig(**config))
    if state_dict is not None:
        model.load_state_dict(state_dict, strict=False)
    model.probe = []
    model.register_forward_pre_hook(lambda m, args: m.probe.append([torch.is_grad_enabled(), m.training]))
    return model


def tokenizer_from_json(text, model_max_length=512):
    """The release tokenizer (data/pretrained/tokenizer.json's text) as a transformers RobertaTokenizerFast."""
    from tokenizers import Tokenizer
    from transformers import RobertaTokenizerFast
    return RobertaTokenizerFast(tokenizer_object=Tokenizer.from_str(text), bos_token="<s>", eos_token="</s>",
                                sep_token="</s>", cls_token="<s>", unk_token="<unk>", pad_token="<pad>",
                                mask_token="<mask>", add_prefix_space=True, model_max_length=model_max_length)


def probe(model):
    """[[grad enabled, training mode] of each forward call so far]."""
    return [list(p) for p in model.probe]


def fill_grads(model, grads):
    """Set every parameter's .grad (a dict name -> tensor; None clears)."""
    for name, p in model.named_parameters():
        p.grad = None if grads.get(name) is None else grads[name].clone()


def grads_of(model):
    return {name: (None if p.grad is None else p.grad.clone()) for name, p in model.named_parameters()}


def optimizer_for(model, name, lr, **kwargs):
    """torch.optim.<name>(model.parameters(), lr=lr, **kwargs)."""
    return getattr(torch.optim, name)(model.parameters(), lr=lr, **kwargs)


class _Rows(torch.utils.data.Dataset):
    def __init__(self, rows):
        self.rows = rows

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def loader_of(batches):
    """A torch DataLoader (no shuffling) yielding exactly `batches` (dicts of tensors), in order."""
    rows = [{k: v[i] for k, v in b.items()} for b in batches for i in range(len(b["labels"]))]
    sizes = [len(b["labels"]) for b in batches]
    starts = [sum(sizes[:j]) for j in range(len(sizes))]
    sampler = [list(range(s, s + n)) for s, n in zip(starts, sizes)]
    return torch.utils.data.DataLoader(_Rows(rows), batch_sampler=sampler)


def loader_batches(loader, n=None):
    """The first n batches of a loader (all with n=None), as data."""
    out = []
    for batch in loader:
        if n is not None and len(out) >= n:
            break
        out.append(batch)
    return out


def loader_info(loader):
    """What the tests check of a DataLoader: batch size, sampler type, drop_last, collate function."""
    return {"type": type(loader).__name__, "batch_size": getattr(loader, "batch_size", None),
            "sampler": type(getattr(loader, "sampler", None)).__name__,
            "drop_last": getattr(loader, "drop_last", None), "n_examples": len(getattr(loader, "dataset", []))}


def state_of(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def config_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)
