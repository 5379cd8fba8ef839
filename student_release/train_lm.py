"""Part 4 (given): pretrain your DecoderLM, fine-tune it as a sentiment classifier, and write the
result files you submit. Uses your lm.py (TransformerBlock, lm_collate_fn, sample_next_token).

    python train_lm.py              # about 1 minute on a 2-core laptop CPU (one thread)
    python train_lm.py --no-pos     # the same without positional embeddings (for the notebook)
    python train_lm.py --size tiny  # the study: tiny, small, medium, large (lm_study.py)
    python train_lm.py --size small --num-train 1000   # ... trained on the first 1000 texts only

Writes, next to this file (with --no-pos: with a _nopos suffix, which make_submission.py ignores):
  lm_params.pt                        the pretrained language model ({'config', 'state_dict'})
  sentiment_predictions.txt           the fine-tuned classifier's labels for data/sentiment_test.txt
  sentiment_scratch_predictions.txt   the same from a classifier trained from scratch (no pretraining)
  lm_metrics_main.json                the language model's dev NLL and top-1 accuracy after each epoch
  train_lm_log.json                   training curves, dev perplexity and accuracies, samples
With --size: only lm_metrics_<size>[_n<N>].json (see lm_study.py). Submit every lm_metrics_*.json.
The NLL and accuracy are computed by your mean_nll and next_token_accuracy (lm.py).
"""
import argparse
import functools
import json
import math
import os
import random
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import lm  # noqa: E402  (your module)
from hw_support import lm_data, lm_sizes  # noqa: E402

DATA = os.path.join(HERE, "data")
DEFAULTS = dict(n_layer=2, n_embd=64, n_head=4, dropout=0.0, batch_size=32, lm_steps=1500, lm_lr=3e-3,
                clf_steps=150, clf_lr=1e-3, eval_every=250, clf_eval_every=25)


def model_config(args):
    return dict(vocab_size=lm_data.VOCAB_SIZE, block_size=lm_data.BLOCK_SIZE, n_layer=args.n_layer,
                n_embd=args.n_embd, n_head=args.n_head, pos_emb=not args.no_pos)


def build_model(cfg, dropout, n_classes=None):
    return lm.DecoderLM(cfg["vocab_size"], cfg["block_size"], cfg["n_layer"], cfg["n_embd"], cfg["n_head"],
                        n_classes=n_classes, dropout=dropout, pos_emb=cfg["pos_emb"], pad_id=lm_data.PAD_ID)


def pick_device(name):
    """'auto': a CUDA GPU when there is one, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def lm_pairs(sentences):
    """(x, y) = (tokens[:-1], tokens[1:]) of every sentence, <s> first."""
    out = []
    for s in sentences:
        t = torch.tensor(lm_data.encode(s), dtype=torch.long)
        out.append((t[:-1], t[1:]))
    return out


def batches(items, batch_size, rng):
    """Endless shuffled batches (lists) of `items`."""
    order = list(range(len(items)))
    while True:
        rng.shuffle(order)
        for i in range(0, len(order) - batch_size + 1, batch_size):
            yield [items[j] for j in order[i:i + batch_size]]


def collate(batch):
    return lm.lm_collate_fn(batch, lm_data.PAD_ID)


def model_device(model):
    return next(model.parameters()).device


@torch.no_grad()
def evaluate(model, pairs):
    """{'nll', 'acc'}: the mean NLL per token (nats) and the top-1 accuracy on `pairs`, in one batch, by
    your mean_nll and next_token_accuracy."""
    model.eval()
    X, Y = collate(pairs)
    logits, _ = model(X.to(model_device(model)))
    logits = logits.float().cpu()
    out = {"nll": float(lm.mean_nll(logits, Y, lm_data.PAD_ID)), "acc": float(lm.next_token_accuracy(logits, Y, lm_data.PAD_ID))}
    model.train()
    return out


@torch.no_grad()
def lm_perplexity(model, pairs):
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(pairs), 256):
        X, Y = collate(pairs[i:i + 256])
        logits, _ = model(X.to(model_device(model)))
        logits = logits.cpu()
        nll = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1),
                                                ignore_index=lm_data.PAD_ID, reduction="sum")
        total += float(nll)
        count += int((Y != lm_data.PAD_ID).sum())
    model.train()
    return math.exp(total / count)


def sentence_batch(sentences, device="cpu"):
    ids = [torch.tensor(lm_data.encode(s), dtype=torch.long) for s in sentences]
    X, _ = collate([(t, t) for t in ids])
    return X.to(device)


@torch.no_grad()
def predict(model, sentences):
    model.eval()
    out = []
    for i in range(0, len(sentences), 256):
        logits, _ = model(sentence_batch(sentences[i:i + 256], model_device(model)), classify=True)
        out += logits.argmax(-1).tolist()
    model.train()
    return out


def warmup_cosine(opt, steps, warmup=100):
    """Linear warm-up over `warmup` steps, then a cosine decay of the learning rate to 0 at `steps`."""
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))


def pretrain(args, cfg, log):
    """Train the language model; returns it."""
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    train = lm_pairs(lm_data.read_lines(os.path.join(DATA, "lm_train.txt")))
    dev = lm_pairs(lm_data.read_lines(os.path.join(DATA, "lm_dev.txt")))
    model = build_model(cfg, args.dropout).to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lm_lr, weight_decay=0.01)
    sched = warmup_cosine(opt, args.lm_steps)
    curve = log.setdefault("lm_curve", [])
    epochs = log.setdefault("epochs", [])
    per_epoch = len(train) // args.batch_size
    for step, batch in zip(range(1, args.lm_steps + 1), batches(train, args.batch_size, rng)):
        X, Y = collate(batch)
        _, loss = model(X.to(args.device), Y.to(args.device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % args.eval_every == 0 or step == args.lm_steps:
            ppl = lm_perplexity(model, dev)
            curve.append({"step": step, "train_loss": round(loss.item(), 4), "dev_ppl": round(ppl, 4)})
            print(f"  LM step {step:5d}  train loss {loss.item():.3f}  dev perplexity {ppl:.3f}", flush=True)
        if step % per_epoch == 0 or step == args.lm_steps:  # evaluation draws no random numbers
            dev_m = evaluate(model, dev)
            epochs.append({"epoch": round(step / per_epoch, 2), "step": step, "dev_nll": round(dev_m["nll"], 5),
                           "dev_acc": round(dev_m["acc"], 5)})
    log["lm_dev_ppl"] = curve[-1]["dev_ppl"]
    return model


def train_classifier(args, cfg, log, key, pretrained=None):
    """Train a classifier (from `pretrained`'s weights, or from scratch); returns it."""
    rng = random.Random(args.seed + 1)
    torch.manual_seed(args.seed + 1)
    train = lm_data.read_labelled(os.path.join(DATA, "sentiment_train.tsv"))
    dev = lm_data.read_labelled(os.path.join(DATA, "sentiment_dev.tsv"))
    model = build_model(cfg, args.dropout, n_classes=2).to(args.device)
    if pretrained is not None:
        missing, unexpected = model.load_state_dict(pretrained.state_dict(), strict=False)
        assert not unexpected and all(k.startswith("classifier_head.") for k in missing), (missing, unexpected)
    opt = torch.optim.AdamW(model.parameters(), lr=args.clf_lr, weight_decay=0.01)
    sched = warmup_cosine(opt, args.clf_steps, warmup=min(100, args.clf_steps // 10))
    curve = log.setdefault(key + "_curve", [])
    for step, batch in zip(range(1, args.clf_steps + 1), batches(train, args.batch_size, rng)):
        X = sentence_batch([s for s, _ in batch], args.device)
        _, loss = model(X, torch.tensor([l for _, l in batch], device=args.device), classify=True)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % args.clf_eval_every == 0 or step == args.clf_steps:
            acc = sum(p == l for p, l in zip(predict(model, [s for s, _ in dev]), (l for _, l in dev))) / len(dev)
            curve.append({"step": step, "train_loss": round(loss.item(), 4), "dev_acc": round(acc, 4)})
            print(f"  {key} step {step:5d}  train loss {loss.item():.3f}  dev accuracy {acc:.3f}", flush=True)
    log[key + "_dev_acc"] = curve[-1]["dev_acc"]
    return model


def samples(model, temperatures=(0.01, 0.1, 0.5, 0.8, 1.0), n=5, seed=0):
    """{temperature: [n sentences]} sampled from <s>, top_k off."""
    model.eval()
    out = {}
    device = model_device(model)
    for t in temperatures:
        g = torch.Generator(device=device).manual_seed(seed)
        idx = torch.full((n, 1), lm_data.BOS_ID, dtype=torch.long, device=device)
        gen = model.generate(idx, lm_data.BLOCK_SIZE - 1, temperature=t, do_sample=True, generator=g)
        sents = []
        for row in gen.tolist():
            words = []
            for i in row[1:]:
                words.append(lm_data.VOCAB[i])
                if lm_data.VOCAB[i] in (".", "?"):
                    break
            sents.append(" ".join(words))
        out[str(t)] = sents
    model.train()
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for k, v in DEFAULTS.items():
        p.add_argument("--" + k.replace("_", "-"), type=type(v), default=v)
    p.add_argument("--no-pos", action="store_true", help="no positional embeddings")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1: the fastest for this small model; 0: torch's default)")
    p.add_argument("--out", default=HERE, help="where to write the result files")
    p.add_argument("--skip-scratch", action="store_true", help="no from-scratch classifier")
    p.add_argument("--device", default="auto", help="auto (a CUDA GPU if there is one), cpu or cuda")
    p.add_argument("--size", choices=sorted(lm_sizes.SIZES), help="run the study's model of this size instead")
    p.add_argument("--num-train", "--num_train", type=int, help="with --size: train on the first N texts of data/lm_train.txt")
    p.add_argument("--epochs", type=int, help="with --size: epochs of the full corpus (default: the size's)")
    p.add_argument("--max-steps", type=int, help="with --size: stop after this many steps (quick checks)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    args.device = pick_device(args.device)
    if args.size:
        import lm_study
        return lm_study.run(args)
    if args.num_train or args.epochs or args.max_steps:
        p.error("--num-train, --epochs and --max-steps go with --size")
    cfg = model_config(args)
    suffix = "_nopos" if args.no_pos else ""
    os.makedirs(args.out, exist_ok=True)
    log = {"config": cfg, "args": dict(vars(args), device=str(args.device)), "seconds": {}}
    test = lm_data.read_lines(os.path.join(DATA, "sentiment_test.txt"))

    t0 = time.time()
    print(f"Pretraining the language model ({lm.count_parameters(cfg['vocab_size'], cfg['block_size'], cfg['n_layer'], cfg['n_embd'])} parameters)", flush=True)
    model = pretrain(args, cfg, log)
    torch.save({"config": cfg, "state_dict": {k: v.cpu() for k, v in model.state_dict().items()}},
               os.path.join(args.out, f"lm_params{suffix}.pt"))
    log["seconds"]["lm"] = round(time.time() - t0, 1)
    metrics = {"size": lm_sizes.MAIN, "config": cfg, "n_parameters": lm.count_parameters(
        cfg["vocab_size"], cfg["block_size"], cfg["n_layer"], cfg["n_embd"]), "num_train": lm_data.N_LM_TRAIN,
        "device": str(args.device), "epochs": log["epochs"], "seconds": log["seconds"]["lm"]}
    if not suffix:  # the --no-pos run's curves stay in its log
        with open(os.path.join(args.out, lm_sizes.metrics_name(lm_sizes.MAIN)), "w") as f:
            json.dump(metrics, f, indent=1)
    log["samples"] = samples(model)

    t1 = time.time()
    print("Fine-tuning the pretrained model as a sentiment classifier", flush=True)
    clf = train_classifier(args, cfg, log, "finetuned", pretrained=model)
    with open(os.path.join(args.out, f"sentiment_predictions{suffix}.txt"), "w") as f:
        f.write("".join(f"{y}\n" for y in predict(clf, test)))
    log["seconds"]["finetuned"] = round(time.time() - t1, 1)

    if not args.skip_scratch:
        t2 = time.time()
        print("Training the same classifier from scratch (no pretraining)", flush=True)
        scratch = train_classifier(args, cfg, log, "scratch")
        with open(os.path.join(args.out, f"sentiment_scratch_predictions{suffix}.txt"), "w") as f:
            f.write("".join(f"{y}\n" for y in predict(scratch, test)))
        log["seconds"]["scratch"] = round(time.time() - t2, 1)
    log["seconds"]["total"] = round(time.time() - t0, 1)
    with open(os.path.join(args.out, f"train_lm_log{suffix}.json"), "w") as f:
        json.dump(log, f, indent=1)
    print(f"Done in {log['seconds']['total']:.0f} s: dev perplexity {log['lm_dev_ppl']:.3f}, dev accuracy "
          f"fine-tuned {log['finetuned_dev_acc']:.3f}"
          + (f", from scratch {log['scratch_dev_acc']:.3f}" if "scratch_dev_acc" in log else ""))
    return log


if __name__ == "__main__":
    main()
