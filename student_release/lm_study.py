"""Part 4's study (given), run through train_lm.py:

    python train_lm.py --size tiny                      # < 100 k parameters
    python train_lm.py --size small                     # ~ 500 k
    python train_lm.py --size medium                    # ~ 5 M
    python train_lm.py --size large                     # > 10 M
    python train_lm.py --size small --num-train 1000    # the same model on the first 1000 texts only

Each run pretrains a language model of that size (hw_support/lm_sizes.py: layers, width, heads,
learning rate, epochs) and writes lm_metrics_<size>[_n<N>].json next to train_lm.py (or to --out):

  size, num_train, config, n_parameters    what was trained (config as in lm_params.pt)
  device, threads, steps, reduced_on_cpu   how (on a CPU the medium and large models train fewer epochs)
  epochs    [{epoch, step, train_nll, dev_nll, dev_acc}] after every epoch (and at the last step):
            the mean NLL per token in nats and the top-1 accuracy, by your mean_nll and
            next_token_accuracy; train_nll on the first 250 training texts used
  samples   {epoch: 5 sentences sampled at temperature 1} at the first, middle and last epoch
  temperature_sweep   {temperature: 5 sentences} at the end (0.01, 0.1, 0.5, 0.8, 1.0)
  seconds   wall-clock time of the run

With --num-train N the model trains for the same number of steps as on the full corpus (so more
epochs over fewer texts): the comparison is about data, not about compute. Submit the four
lm_metrics_<size>.json files with lm_metrics_main.json (written by the default run).
"""
import json
import math
import os
import random
import time

import torch

import lm
import train_lm
from hw_support import lm_data, lm_sizes

try:
    from tqdm import tqdm
except ImportError:  # tqdm is optional: no progress bar without it
    def tqdm(iterable, **kwargs):
        return iterable

TRAIN_EVAL_TEXTS = 250  # training texts on which train_nll is measured


def plan(size, args, n_texts):
    """{epochs of the full corpus, steps, steps_per_epoch, reduced_on_cpu} for this run."""
    spec = lm_sizes.SIZES[size]
    on_cpu = args.device.type == "cpu"
    full_epochs = args.epochs or (spec["cpu_epochs"] if on_cpu else spec["epochs"])
    steps = full_epochs * (lm_data.N_LM_TRAIN // args.batch_size)
    if args.max_steps:
        steps = min(steps, args.max_steps)
    return {"full_corpus_epochs": full_epochs, "steps": steps, "steps_per_epoch": n_texts // args.batch_size,
            "reduced_on_cpu": bool(on_cpu and not args.epochs and spec["cpu_epochs"] < spec["epochs"]),
            "lr": spec["lr"], "batch_size": args.batch_size}


def run(args):
    """Train the study's model of size args.size; write and return its metrics."""
    t0 = time.time()
    spec = lm_sizes.SIZES[args.size]
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    texts = lm_data.read_lines(os.path.join(train_lm.DATA, "lm_train.txt"))
    train = train_lm.lm_pairs(texts[:args.num_train] if args.num_train else texts)
    dev = train_lm.lm_pairs(lm_data.read_lines(os.path.join(train_lm.DATA, "lm_dev.txt")))
    assert len(train) >= args.batch_size, f"--num-train {args.num_train}: fewer texts than one batch"
    cfg = dict(vocab_size=lm_data.VOCAB_SIZE, block_size=lm_data.BLOCK_SIZE, n_layer=spec["n_layer"],
               n_embd=spec["n_embd"], n_head=spec["n_head"], pos_emb=True)
    how = plan(args.size, args, len(train))
    n_params = lm.count_parameters(cfg["vocab_size"], cfg["block_size"], cfg["n_layer"], cfg["n_embd"])
    name = lm_sizes.metrics_name(args.size, args.num_train)
    print(f"{args.size}: {n_params:,} parameters, {len(train)} texts, {how['steps']} steps on {args.device}"
          + (f" (fewer epochs on a CPU: {how['full_corpus_epochs']} of the full corpus instead of "
             f"{spec['epochs']}; use a GPU for the full run)" if how["reduced_on_cpu"] else ""), flush=True)
    model = train_lm.build_model(cfg, 0.0).to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=how["lr"], weight_decay=0.01)
    sched = train_lm.warmup_cosine(opt, how["steps"])
    per_epoch = how["steps_per_epoch"]
    n_epochs = math.ceil(how["steps"] / per_epoch)
    sample_at = sorted({1, (n_epochs + 1) // 2, n_epochs})
    epochs, samples = [], {}
    bar = tqdm(zip(range(1, how["steps"] + 1), train_lm.batches(train, args.batch_size, rng)), total=how["steps"],
               desc=args.size, disable=args.no_progress)
    for step, batch in bar:
        X, Y = train_lm.collate(batch)
        _, loss = model(X.to(args.device), Y.to(args.device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % per_epoch == 0 or step == how["steps"]:
            epoch = math.ceil(step / per_epoch)
            dev_m, train_m = train_lm.evaluate(model, dev), train_lm.evaluate(model, train[:TRAIN_EVAL_TEXTS])
            epochs.append({"epoch": round(step / per_epoch, 2), "step": step, "train_nll": round(train_m["nll"], 5),
                           "dev_nll": round(dev_m["nll"], 5), "dev_acc": round(dev_m["acc"], 5)})
            if epoch in sample_at and str(epoch) not in samples:
                samples[str(epoch)] = train_lm.samples(model, temperatures=(1.0,), seed=args.seed)["1.0"]
            msg = f"epoch {epochs[-1]['epoch']:g}: dev NLL {dev_m['nll']:.4f}, dev accuracy {dev_m['acc']:.4f}"
            if hasattr(bar, "write"):
                bar.write(f"  {args.size} {msg}")
            else:
                print(f"  {args.size} {msg}", flush=True)
    metrics = {"size": args.size, "num_train": len(train), "config": cfg, "n_parameters": n_params,
               "device": str(args.device), "threads": torch.get_num_threads(), "seed": args.seed, **how,
               "epochs": epochs, "samples": samples, "temperature_sweep": train_lm.samples(model, seed=args.seed),
               "seconds": round(time.time() - t0, 1)}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, name), "w") as f:
        json.dump(metrics, f, indent=1)
    print(f"wrote {name} after {metrics['seconds']:.0f} s: dev NLL {epochs[-1]['dev_nll']:.4f}, "
          f"dev accuracy {epochs[-1]['dev_acc']:.4f}", flush=True)
    return metrics
