"""Mutants (realistic student mistakes) and correct alternatives of Part 5, `finetune.py`.

Read by `python build.py verify` (hwbuild/verify.py); never released. Each mutant must lose points in
every question of its `caught_by`; each alternative must keep full marks. Format: hwbuild/mutants.py.
"""
from hwbuild.mutants import alternative as _a, mutant as _m

Q1 = "q5_1_collate_fn"
Q2 = "q5_2_make_dataloaders"
Q3 = "q5_3_train_step"
Q4 = "q5_4_evaluate"
Q5 = "q5_5_train"

TOKENIZE = ('enc = tokenizer([ex["text"] for ex in batch], padding=True, truncation=True, max_length=max_length,\n'
            '                    return_tensors="pt")')
LABELS = '"labels": torch.tensor([ex["label"] for ex in batch], dtype=torch.long)}'
RETURN_BATCH = 'return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"],'
LOADERS = ('return tuple(DataLoader(splits[name], batch_size=batch_size, shuffle=(name == "train"), collate_fn=collate)\n'
           '                 for name in ("train", "validation", "test"))')
PARTIAL = "collate = functools.partial(collate_fn, tokenizer=tokenizer, max_length=max_length)"
STEP = ("    model.train()\n    optimizer.zero_grad()\n    loss = model(**_on_device(model, batch)).loss\n"
        "    loss.backward()\n    optimizer.step()\n    return loss.item()\n")
EVAL_MODE = "    was_training = model.training\n    model.eval()\n"
BEST = "if best_accuracy is None or validation_accuracy > best_accuracy:"
COPY = "best_accuracy, best_state = validation_accuracy, copy.deepcopy(model.state_dict())"
RESTORE = "    model.load_state_dict(best_state)\n    return history, best_state"

MUTANTS = [
    # ---- collate_fn ---------------------------------------------------------------------------
    _m("collate_fn", "pads every batch to max_length (padding='max_length')", [Q1], TOKENIZE,
       TOKENIZE.replace("padding=True", 'padding="max_length"')),
    _m("collate_fn", "no truncation (texts longer than max_length kept whole)", [Q1], TOKENIZE,
       TOKENIZE.replace("truncation=True, max_length=max_length", "truncation=False")),
    _m("collate_fn", "labels as floats", [Q1], LABELS, LABELS.replace("torch.long", "torch.float")),
    _m("collate_fn", "attention mask dropped", [Q1], RETURN_BATCH, 'return {"input_ids": enc["input_ids"],'),
    _m("collate_fn", "attention mask built as input_ids != 0 (0 is <s>, not <pad>)", [Q1], RETURN_BATCH,
       'return {"input_ids": enc["input_ids"], "attention_mask": (enc["input_ids"] != 0).long(),'),
    _m("collate_fn", "no special tokens (add_special_tokens=False)", [Q1], TOKENIZE,
       TOKENIZE.replace("padding=True,", "padding=True, add_special_tokens=False,")),
    _m("collate_fn", "truncates the text's characters at max_length instead of the tokens", [Q1], TOKENIZE,
       'enc = tokenizer([ex["text"][:max_length] for ex in batch], padding=True, return_tensors="pt")'),
    _m("collate_fn", "labels as a Python list", [Q1], LABELS, '"labels": [ex["label"] for ex in batch]}'),
    # ---- make_dataloaders -------------------------------------------------------------------------
    _m("make_dataloaders", "shuffles the validation and test loaders too", [Q2], LOADERS,
       LOADERS.replace('shuffle=(name == "train")', "shuffle=True")),
    _m("make_dataloaders", "shuffles no loader", [Q2], LOADERS, LOADERS.replace('shuffle=(name == "train")', "shuffle=False")),
    _m("make_dataloaders", "drop_last=True everywhere", [Q2], LOADERS,
       LOADERS.replace("collate_fn=collate)", "collate_fn=collate, drop_last=True)")),
    _m("make_dataloaders", "validation loader built from the training split", [Q2], LOADERS,
       LOADERS.replace("splits[name]", 'splits["train" if name == "validation" else name]')),
    _m("make_dataloaders", "max_length not passed on (the tokenizer's 512)", [Q2], PARTIAL,
       "collate = functools.partial(collate_fn, tokenizer=tokenizer, max_length=512)"),
    _m("make_dataloaders", "batch size 32 hard-coded", [Q2], LOADERS, LOADERS.replace("batch_size=batch_size", "batch_size=32")),
    # ---- train_step ---------------------------------------------------------------------------------
    _m("train_step", "no zero_grad (gradients accumulate over steps)", [Q3], STEP, STEP.replace("    optimizer.zero_grad()\n", "")),
    _m("train_step", "zero_grad between backward and step (the step sees no gradient)", [Q3], STEP,
       STEP.replace("    optimizer.zero_grad()\n", "").replace("    optimizer.step()\n", "    optimizer.zero_grad()\n    optimizer.step()\n")),
    _m("train_step", "zero_grad after the step (stale gradients in the first step)", [Q3], STEP,
       STEP.replace("    optimizer.zero_grad()\n", "").replace("    optimizer.step()\n", "    optimizer.step()\n    optimizer.zero_grad()\n")),
    _m("train_step", "no optimizer.step()", [Q3], STEP, STEP.replace("    optimizer.step()\n", "")),
    _m("train_step", "no model.train() (dropout stays off after evaluate)", [Q3], STEP, STEP.replace("    model.train()\n", "")),
    _m("train_step", "returns the loss tensor, not a float", [Q3], STEP, STEP.replace("return loss.item()", "return loss")),
    _m("train_step", "attention mask not passed to the model", [Q3], STEP,
       STEP.replace("loss = model(**_on_device(model, batch)).loss",
                    'b = _on_device(model, batch)\n    loss = model(input_ids=b["input_ids"], labels=b["labels"]).loss')),
    _m("train_step", "returns the loss after the step (a second forward pass)", [Q3], STEP,
       STEP.replace("return loss.item()", "return model(**_on_device(model, batch)).loss.item()")),
    # ---- evaluate -----------------------------------------------------------------------------------
    _m("evaluate", "no model.eval() (dropout on while evaluating)", [Q4], EVAL_MODE, "    was_training = model.training\n"),
    _m("evaluate", "no torch.no_grad() (builds an autograd graph)", [Q4], "    with torch.no_grad():\n",
       "    with torch.enable_grad():\n"),
    _m("evaluate", "optimizer-free 'evaluation' that calls backward (changes gradients)", [Q4],
       "            out = model(**batch)\n",
       "            with torch.enable_grad():\n                out = model(**batch)\n                out.loss.backward()\n"),
    _m("evaluate", "accuracy divided by the number of batches", [Q4], "return total_loss / n, correct / n",
       "return total_loss / n, correct / len(loader)"),
    _m("evaluate", "loss summed over batches, not averaged", [Q4], "return total_loss / n, correct / n",
       "return total_loss, correct / n"),
    _m("evaluate", "argmax over the batch dimension", [Q4], "out.logits.argmax(dim=-1)", "out.logits.argmax(dim=0)"),
    _m("evaluate", "zero_grad in evaluate (clears the gradients)", [Q4], EVAL_MODE, EVAL_MODE + "    model.zero_grad()\n"),
    # ---- train --------------------------------------------------------------------------------------
    _m("train", "keeps the last epoch (no restore)", [Q5], RESTORE, "    return history, model.state_dict()"),
    _m("train", "best epoch by training accuracy", [Q5], BEST,
       "if best_accuracy is None or train_accuracy > best_accuracy:"),
    _m("train", "best state not copied (state_dict() shares the live tensors)", [Q5], COPY,
       "best_accuracy, best_state = validation_accuracy, model.state_dict()"),
    _m("train", "best epoch by lowest validation accuracy (comparison reversed)", [Q5], BEST,
       "if best_accuracy is None or validation_accuracy < best_accuracy:"),
    _m("train", "evaluates on the training loader instead of validation", [Q5],
       "validation_loss, validation_accuracy = evaluate(model, validation_loader)",
       "validation_loss, validation_accuracy = evaluate(model, train_loader)"),
    _m("train", "one epoch fewer (range(num_epochs - 1))", [Q5], "for _ in range(num_epochs):", "for _ in range(num_epochs - 1):"),
]

ALTERNATIVES = [
    _a("collate_fn", "tokenizes one text at a time and pads by hand (pad_sequence)", code='''
def collate_fn(batch, tokenizer, max_length):
    from torch.nn.utils.rnn import pad_sequence
    ids = [torch.tensor(tokenizer(ex["text"], truncation=True, max_length=max_length)["input_ids"]) for ex in batch]
    input_ids = pad_sequence(ids, batch_first=True, padding_value=tokenizer.pad_token_id)
    return {"input_ids": input_ids, "attention_mask": (input_ids != tokenizer.pad_token_id).long(),
            "labels": torch.tensor([int(ex["label"]) for ex in batch])}
'''),
    _a("collate_fn", "padding='longest', then tokenizer.pad-free dict update", code='''
def collate_fn(batch, tokenizer, max_length):
    texts, labels = zip(*[(ex["text"], ex["label"]) for ex in batch])
    enc = dict(tokenizer(list(texts), padding="longest", truncation="longest_first", max_length=max_length,
                         return_tensors="pt"))
    enc["labels"] = torch.LongTensor(labels)
    return enc
'''),
    _a("make_dataloaders", "a lambda collate and explicit samplers", code='''
def make_dataloaders(splits, tokenizer, batch_size, max_length):
    from torch.utils.data import RandomSampler, SequentialSampler
    collate = lambda b: collate_fn(b, tokenizer, max_length)  # noqa: E731
    train = DataLoader(splits["train"], batch_size=batch_size, sampler=RandomSampler(splits["train"]), collate_fn=collate)
    validation = DataLoader(splits["validation"], batch_size=batch_size, sampler=SequentialSampler(splits["validation"]),
                            collate_fn=collate)
    test = DataLoader(splits["test"], batch_size=batch_size, collate_fn=collate)
    return train, validation, test
'''),
    _a("train_step", "manual cross-entropy on the logits, zero_grad(set_to_none=False), no device move", code='''
def train_step(model, batch, optimizer):
    model.train()
    optimizer.zero_grad(set_to_none=False)
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    loss = torch.nn.functional.cross_entropy(logits, batch["labels"])
    loss.backward()
    optimizer.step()
    return float(loss)
'''),
    _a("train_step", "model.zero_grad() before the forward pass, outputs[0] as the loss", code='''
def train_step(model, batch, optimizer):
    model.train()
    model.zero_grad()
    outputs = model(**batch)
    outputs[0].backward()
    optimizer.step()
    return outputs[0].detach().item()
'''),
    _a("evaluate", "torch.inference_mode, mean of the batch means only when batches are equal (len(loader.dataset))", code='''
def evaluate(model, loader):
    model.eval()
    losses, correct, seen = [], 0, 0
    with torch.inference_mode():
        for batch in loader:
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            losses.append(torch.nn.functional.cross_entropy(logits, batch["labels"], reduction="sum").item())
            correct += (logits.argmax(-1) == batch["labels"]).sum().item()
            seen += len(batch["labels"])
    return sum(losses) / seen, correct / seen
'''),
    _a("evaluate", "mean of the batches' mean losses (UW's loop)", code='''
def evaluate(model, loader):
    model.eval()
    total, batches, correct, n = 0.0, 0, 0, 0
    with torch.no_grad():
        for batch in loader:
            out = model(**batch)
            total += out.loss.item()
            batches += 1
            preds = torch.argmax(out.logits, dim=1)
            correct += int((preds == batch["labels"]).sum())
            n += batch["labels"].numel()
    return total / batches, correct / n
'''),
    _a("train", "a list of per-epoch dicts turned into the history, >= keeps the later of equal epochs", code='''
def train(model, loaders, optimizer, num_epochs):
    train_loader, validation_loader, _ = loaders
    rows, best = [], None
    for epoch in range(num_epochs):
        total, steps = 0.0, 0
        for batch in train_loader:
            total += train_step(model, batch, optimizer)
            steps += 1
        row = {"train_loss": total / steps, "train_accuracy": evaluate(model, train_loader)[1]}
        row["validation_loss"], row["validation_accuracy"] = evaluate(model, validation_loader)
        rows.append(row)
        if best is None or row["validation_accuracy"] >= best[0]:
            best = (row["validation_accuracy"], {k: v.detach().clone() for k, v in model.state_dict().items()})
    model.load_state_dict(best[1])
    history = {k: [r[k] for r in rows] for k in rows[0]}
    return history, best[1]
'''),
]
