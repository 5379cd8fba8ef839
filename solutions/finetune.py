"""Part 5: fine-tuning a pretrained transformer with Hugging Face (the steps of a real fine-tuning run).

You write the five pieces of a standard PyTorch / Hugging Face fine-tuning loop; finetune_run.py (given)
puts them together: it loads the pretrained model and its tokenizer with `from_pretrained`, fine-tunes it
on the sentiment data in data/ and writes the fine-tuned model and the test predictions.

An example is a dict {"text": str, "label": int} (label 1 = positive, 0 = negative; -1 where unknown, as
in the test split). A batch, as the model takes it: {"input_ids": (B, T) long, "attention_mask": (B, T)
long, "labels": (B,) long}, where T is the longest tokenized text of the batch (at most max_length).
A model is a Hugging Face sequence classifier (e.g. AutoModelForSequenceClassification): `model(**batch)`
returns an output with `.loss` (the mean cross-entropy of the batch, when "labels" is given) and
`.logits` (B, num_labels).
"""
import copy
import functools

import torch
from torch.utils.data import DataLoader


def collate_fn(batch, tokenizer, max_length):
    """A list of B examples {"text", "label"} -> the model's batch: {"input_ids": (B, T) long,
    "attention_mask": (B, T) long, "labels": (B,) long}, texts tokenized with `tokenizer` (special tokens
    added), padded to the longest in the batch (T), truncated at max_length tokens; return_tensors="pt"."""
    enc = tokenizer([ex["text"] for ex in batch], padding=True, truncation=True, max_length=max_length,
                    return_tensors="pt")
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"],
            "labels": torch.tensor([ex["label"] for ex in batch], dtype=torch.long)}


def make_dataloaders(splits, tokenizer, batch_size, max_length):
    """splits: {"train": examples, "validation": examples, "test": examples} (lists of examples or
    datasets.Dataset splits) -> (train_loader, validation_loader, test_loader): torch DataLoaders of
    `batch_size` that batch with collate_fn(batch, tokenizer, max_length); only the training loader shuffles."""
    collate = functools.partial(collate_fn, tokenizer=tokenizer, max_length=max_length)
    return tuple(DataLoader(splits[name], batch_size=batch_size, shuffle=(name == "train"), collate_fn=collate)
                 for name in ("train", "validation", "test"))


def _on_device(model, batch):
    device = next(model.parameters()).device
    return {k: v.to(device) for k, v in batch.items()}


def train_step(model, batch, optimizer):
    """One optimizer step on one batch; returns the batch's loss (before the step) as a Python float.
    The model in training mode; gradients zeroed before the backward pass (never accumulated over steps)."""
    model.train()
    optimizer.zero_grad()
    loss = model(**_on_device(model, batch)).loss
    loss.backward()
    optimizer.step()
    return loss.item()


def evaluate(model, loader):
    """(mean loss per example, accuracy) of `model` on the batches of `loader`, as Python floats.
    In evaluation mode (no dropout) and under torch.no_grad(): no parameter and no gradient changes."""
    was_training = model.training
    model.eval()
    total_loss, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for batch in loader:
            batch = _on_device(model, batch)
            out = model(**batch)
            size = batch["labels"].shape[0]
            total_loss += out.loss.item() * size
            correct += (out.logits.argmax(dim=-1) == batch["labels"]).sum().item()
            n += size
    model.train(was_training)
    return total_loss / n, correct / n


def train(model, loaders, optimizer, num_epochs):
    """Fine-tune for num_epochs over loaders[0] (the training loader) with train_step, evaluating on
    loaders[1] (validation) after each epoch. Returns (history, best_state): history is a dict of lists,
    one value per epoch, "train_loss" (mean of the epoch's train_step losses), "train_accuracy",
    "validation_loss", "validation_accuracy" (from evaluate); best_state is a copy of model.state_dict()
    at the end of the epoch with the best validation accuracy, loaded back into the model before returning."""
    train_loader, validation_loader = loaders[0], loaders[1]
    history = {"train_loss": [], "train_accuracy": [], "validation_loss": [], "validation_accuracy": []}
    best_accuracy, best_state = None, None
    for _ in range(num_epochs):
        losses = [train_step(model, batch, optimizer) for batch in train_loader]
        _, train_accuracy = evaluate(model, train_loader)
        validation_loss, validation_accuracy = evaluate(model, validation_loader)
        for key, value in (("train_loss", sum(losses) / len(losses)), ("train_accuracy", train_accuracy),
                           ("validation_loss", validation_loss), ("validation_accuracy", validation_accuracy)):
            history[key].append(value)
        if best_accuracy is None or validation_accuracy > best_accuracy:
            best_accuracy, best_state = validation_accuracy, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    return history, best_state
