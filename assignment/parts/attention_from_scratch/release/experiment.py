"""Part 2's experiment kit (given): train a tiny GPT built on your `attention.self_attention` and see
what one change to attention does. For the open-ended report (report_template.md, written question).

    python experiment.py                          # the baseline: dot product, -inf mask, learned positions
    python experiment.py --similarity cosine      # cosine similarity instead of the dot product
    python experiment.py --similarity mine        # your experiment_hooks.my_similarity
    python experiment.py --shared-qkv             # one projection for queries, keys and values
    python experiment.py --pos sinusoidal         # fixed sinusoidal positions (also: --pos none)
    python experiment.py --mask after             # softmax first, then zero the future weights
    python experiment.py --proj mlp               # non-linear query/key/value projections
    python experiment.py --compare experiments/baseline experiments/pos-sinusoidal   # plots + table

Each run trains on data/experiment_train.txt (sentences of a small grammar, read as one stream of
words) in windows of --block-size tokens, and evaluates on data/experiment_dev.txt in windows of the
training length and of --eval-len (longer: positions never seen in training). Every configuration
takes 33 to 41 s of CPU time on one core (1500 steps; under a minute of wall time on an idle laptop);
--threads 0 uses every core. It writes to experiments/<name>/ (name: --name, or made from the switches):
  metrics.json     the configuration, the validation perplexity during training, the final validation
                   perplexities at both lengths, the loss at each position, samples, times
  curves.png       training loss and validation perplexity against the step
  positions.png    validation loss at each position of the longer windows
--compare writes compare_perplexity.png, compare_positions.png and compare.md (a Markdown table) from
the runs' metrics.json files, in the folder of --out.
"""
import argparse
import json
import math
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import experiment_model  # noqa: E402
import experiment_plots  # noqa: E402

DATA = os.path.join(HERE, "data")
UNK = "<unk>"
DEFAULTS = dict(block_size=32, eval_len=64, n_layer=2, n_embd=64, n_head=4, batch_size=32, steps=1500, lr=3e-3,
                eval_every=150, seed=0)


def read_words(path):
    """The file's lines joined into one list of words (the sentences follow one another)."""
    with open(path, encoding="utf-8") as f:
        return f.read().split()


def vocabulary(words):
    return [UNK] + sorted(set(words))


def encode(words, stoi):
    return torch.tensor([stoi.get(w, 0) for w in words], dtype=torch.long)


def windows(ids, length, stride=8):
    """(x, y) windows of `length` tokens starting every `stride` tokens, y shifted by one: (N, length) each."""
    starts = range(0, len(ids) - length, stride)
    x = torch.stack([ids[s:s + length] for s in starts])
    y = torch.stack([ids[s + 1:s + length + 1] for s in starts])
    return x, y


def random_batch(ids, batch_size, length, gen):
    """batch_size windows starting at random offsets: (B, length) inputs and targets."""
    starts = torch.randint(0, len(ids) - length - 1, (batch_size,), generator=gen)
    x = torch.stack([ids[s:s + length] for s in starts.tolist()])
    y = torch.stack([ids[s + 1:s + length + 1] for s in starts.tolist()])
    return x, y


@torch.no_grad()
def evaluate(model, ids, length, device, batch_size=64):
    """{'ppl': perplexity over every position of every window, 'loss_by_position': mean loss (nats) at each
    position of the windows}."""
    model.eval()
    x, y = windows(ids, length)
    total = torch.zeros(length)
    for i in range(0, len(x), batch_size):
        logits = model(x[i:i + batch_size].to(device))
        loss = F.cross_entropy(logits.flatten(0, 1), y[i:i + batch_size].to(device).flatten(), reduction="none")
        total += loss.view(-1, length).sum(0).cpu()
    model.train()
    by_pos = total / len(x)
    return {"ppl": math.exp(by_pos.mean().item()), "loss_by_position": [round(v, 4) for v in by_pos.tolist()]}


def samples(model, vocab, device, n=4, length=30, seed=0):
    """n texts sampled (temperature 1) after a '.', the end of a sentence."""
    model.eval()
    g = torch.Generator().manual_seed(seed)
    start = torch.full((n, 1), vocab.index("."), dtype=torch.long, device=device)
    out = model.generate(start, length, generator=g)
    model.train()
    return [" ".join(vocab[i] for i in row[1:]) for row in out.tolist()]


def progress(iterable, total, enabled):
    if enabled:
        try:
            from tqdm.auto import tqdm
            return tqdm(iterable, total=total, desc="training", leave=False)
        except ImportError:
            pass
    return iterable


def run_name(args):
    parts = []
    if args.similarity != "dot":
        parts.append(f"sim-{args.similarity}")
    if args.mask != "before":
        parts.append(f"mask-{args.mask}")
    if args.shared_qkv:
        parts.append("shared-qkv")
    if args.proj != "linear":
        parts.append(f"proj-{args.proj}")
    if args.pos != "learned":
        parts.append(f"pos-{args.pos}")
    return "_".join(parts) or "baseline"


def check_my_similarity():
    """Stop with a message, not a traceback, when experiment_hooks.my_similarity is not written or is wrong."""
    Q, K = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 7, 8)
    try:
        A = experiment_model.experiment_hooks.my_similarity(Q, K)
    except NotImplementedError:
        raise SystemExit("--similarity mine: write my_similarity in experiment_hooks.py first")
    if not isinstance(A, torch.Tensor) or A.shape != (2, 3, 5, 7):
        raise SystemExit(f"--similarity mine: my_similarity(Q (2, 3, 5, 8), K (2, 3, 7, 8)) should give a tensor of "
                         f"shape (2, 3, 5, 7), not {getattr(A, 'shape', type(A).__name__)}")


def train(args):
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    train_words, dev_words = read_words(os.path.join(DATA, "experiment_train.txt")), read_words(
        os.path.join(DATA, "experiment_dev.txt"))
    vocab = vocabulary(train_words)
    stoi = {w: i for i, w in enumerate(vocab)}
    train_ids, dev_ids = encode(train_words, stoi), encode(dev_words, stoi)
    cfg = experiment_model.Config(
        vocab_size=len(vocab), block_size=args.block_size, max_len=max(args.block_size, args.eval_len),
        n_layer=args.n_layer, n_embd=args.n_embd, n_head=args.n_head, similarity=args.similarity, mask=args.mask,
        shared_qkv=args.shared_qkv, proj=args.proj, pos=args.pos)
    model = experiment_model.TinyGPT(cfg).to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warmup = max(1, min(100, args.steps // 10))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(s, args.steps) / args.steps)))
    gen = torch.Generator().manual_seed(args.seed)
    curve, t0 = [], time.time()
    bar = progress(range(1, args.steps + 1), args.steps, not args.no_progress)
    for step in bar:
        x, y = random_batch(train_ids, args.batch_size, args.block_size, gen)
        logits = model(x.to(args.device))
        loss = F.cross_entropy(logits.flatten(0, 1), y.to(args.device).flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if not math.isfinite(loss.item()):
            raise SystemExit(f"step {step}: the training loss is {loss.item()}; this configuration diverged")
        if step % args.eval_every == 0 or step == args.steps:
            ppl = evaluate(model, dev_ids, args.block_size, args.device)["ppl"]
            curve.append({"step": step, "train_loss": round(loss.item(), 4), "val_ppl": round(ppl, 4)})
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{loss.item():.3f}", val_ppl=f"{ppl:.2f}")
            else:
                print(f"  step {step:5d}  train loss {loss.item():.3f}  validation perplexity {ppl:.3f}", flush=True)
    train_seconds = time.time() - t0
    short = evaluate(model, dev_ids, args.block_size, args.device)
    long = evaluate(model, dev_ids, args.eval_len, args.device)
    return {
        "name": args.name, "config": vars(cfg), "args": {k: (str(v) if k == "device" else v) for k, v in vars(args).items()},
        "n_parameters": sum(p.numel() for p in model.parameters()), "device": str(args.device),
        "curve": curve, "val_ppl": round(short["ppl"], 4), "val_ppl_long": round(long["ppl"], 4),
        "eval_len": args.eval_len, "loss_by_position": long["loss_by_position"],
        "samples": samples(model, vocab, args.device), "train_seconds": round(train_seconds, 1),
        "seconds": round(time.time() - t0, 1), "threads": torch.get_num_threads(),
    }


def pick_device(name):
    """'auto': a CUDA GPU if there is one, else Apple's MPS if there is, else the CPU."""
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--similarity", choices=["dot", "cosine", "mine"], default="dot",
                   help="dot: your pairwise_similarities; cosine; mine: experiment_hooks.my_similarity")
    p.add_argument("--mask", choices=["before", "after"], default="before",
                   help="before: -inf before the softmax (yours); after: zero future weights after the softmax")
    p.add_argument("--shared-qkv", action="store_true", help="one projection for queries, keys and values")
    p.add_argument("--proj", choices=["linear", "mlp"], default="linear", help="mlp: Linear, GELU, Linear")
    p.add_argument("--pos", choices=["learned", "sinusoidal", "none"], default="learned", help="position information")
    for k, v in DEFAULTS.items():
        p.add_argument("--" + k.replace("_", "-"), type=type(v), default=v)
    p.add_argument("--name", help="the run's folder under --out (default: made from the switches)")
    p.add_argument("--out", default=os.path.join(HERE, "experiments"), help="where run folders go")
    p.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda or mps")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1; 0: torch's default)")
    p.add_argument("--no-progress", action="store_true", help="print evaluations instead of a progress bar")
    p.add_argument("--compare", nargs="+", metavar="RUN", help="run folders (or metrics.json files) to compare")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.compare:
        return experiment_plots.compare(args.compare, args.out)
    if args.eval_len < args.block_size:
        raise SystemExit("--eval-len must be at least --block-size")
    if args.similarity == "mine":
        check_my_similarity()
    args.device = pick_device(args.device)
    args.name = args.name or run_name(args)
    folder = os.path.join(args.out, args.name)
    os.makedirs(folder, exist_ok=True)
    print(f"Training {args.name} on {args.device} for {args.steps} steps", flush=True)
    metrics = train(args)
    with open(os.path.join(folder, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    experiment_plots.curves(metrics, os.path.join(folder, "curves.png"))
    experiment_plots.positions(metrics, os.path.join(folder, "positions.png"))
    print(f"Done in {metrics['seconds']:.0f} s: validation perplexity {metrics['val_ppl']:.3f} at {args.block_size} "
          f"tokens, {metrics['val_ppl_long']:.3f} at {args.eval_len}. Sample: {metrics['samples'][0]}")
    print(f"Wrote {folder}/metrics.json, curves.png, positions.png")
    return metrics


if __name__ == "__main__":
    main()
