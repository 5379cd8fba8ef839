"""Part 5: fine-tune the pretrained model on the sentiment data (given; uses your finetune.py).

    python finetune_run.py                      # pretrained model: writes finetuned_model/ (save_pretrained),
                                                # finetuned_model.safetensors, finetuned_config.json and
                                                # hf_test_predictions.txt (upload these)
    python finetune_run.py --from_scratch       # same architecture, random weights: hf_scratch_test_predictions.txt
    python finetune_run.py --optimizer sgd --lr 0.05 --epochs 4 --batch_size 32 --out runs/sgd
    python finetune_run.py --model roberta-base --data glue/sst2   # with a network: RoBERTa on SST-2

Offline by default (HF_HUB_OFFLINE=1): the model and tokenizer come from data/pretrained/, made by the
course staff with masked-language-model pretraining on data/mlm_corpus.txt. Each run writes its
history (per-epoch losses and accuracies) to <out>/history[_scratch].json for the notebook.
"""
import argparse
import json
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402

import finetune  # noqa: E402
import finetune_support as fs  # noqa: E402

DEFAULTS = {"optimizer": "adamw", "lr": 5e-4, "batch_size": 32, "epochs": 4, "max_length": 48, "seed": 0}


def run(args, log=print):
    torch.manual_seed(args.seed)
    device = args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = fs.load_tokenizer(args.model)
    splits = fs.load_splits(args.data)
    if args.max_train:
        splits["train"] = [splits["train"][i] for i in range(min(args.max_train, len(splits["train"])))]
    loaders = finetune.make_dataloaders(splits, tokenizer, args.batch_size, args.max_length)
    model = fs.load_model(args.model, from_scratch=args.from_scratch, seed=args.seed).to(device)
    optimizer = fs.make_optimizer(model, args.optimizer, args.lr)
    t0 = time.time()
    train_loader = loaders[0]
    if not args.no_progress:
        from tqdm.auto import tqdm
        loaders = (_Progress(train_loader, tqdm), *loaders[1:])
    history, _ = finetune.train(model, loaders, optimizer, args.epochs)
    seconds = time.time() - t0
    for e in range(args.epochs):
        log(f"epoch {e + 1}: train loss {history['train_loss'][e]:.4f} acc {history['train_accuracy'][e]:.3f} | "
            f"validation loss {history['validation_loss'][e]:.4f} acc {history['validation_accuracy'][e]:.3f}")
    os.makedirs(args.out, exist_ok=True)
    suffix = "_scratch" if args.from_scratch else ""
    preds = fs.predict(model, loaders[2])
    fs.write_predictions(os.path.join(args.out, fs.SUBMISSION["scratch" if args.from_scratch else "predictions"]), preds)
    if not args.from_scratch:
        fs.save_for_submission(model, os.path.join(args.out, "finetuned_model"), args.out)
    record = {"args": vars(args), "history": history, "seconds": round(seconds, 1),
              "best_validation_accuracy": max(history["validation_accuracy"])}
    with open(os.path.join(args.out, f"history{suffix}.json"), "w") as f:
        json.dump(record, f, indent=1)
    log(f"{'from scratch' if args.from_scratch else 'pretrained'}: best validation accuracy "
        f"{record['best_validation_accuracy']:.3f}, {seconds:.0f} s; wrote {args.out}")
    return record


class _Progress:
    """The training loader wrapped in a tqdm bar per epoch (len and .dataset kept)."""

    def __init__(self, loader, tqdm):
        self.loader, self.tqdm, self.dataset = loader, tqdm, getattr(loader, "dataset", None)

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        return iter(self.tqdm(self.loader, leave=False, desc="train"))


def parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=fs.PRETRAINED, help="a folder or a hub name (roberta-base, with a network)")
    p.add_argument("--data", default=fs.DATA, help="the data folder, or glue/sst2")
    p.add_argument("--optimizer", choices=["adamw", "sgd", "adagrad"], default=DEFAULTS["optimizer"])
    p.add_argument("--lr", type=float, default=DEFAULTS["lr"])
    p.add_argument("--batch_size", type=int, default=DEFAULTS["batch_size"])
    p.add_argument("--epochs", type=int, default=DEFAULTS["epochs"])
    p.add_argument("--max_length", type=int, default=DEFAULTS["max_length"])
    p.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    p.add_argument("--from_scratch", action="store_true", help="random weights instead of the pretrained ones")
    p.add_argument("--device", default="auto", help="auto (cuda if available), cpu or cuda")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--out", default=".", help="where the results go")
    p.add_argument("--max_train", type=int, default=None, help="use only the first N training examples")
    p.add_argument("--no_progress", action="store_true")
    return p


if __name__ == "__main__":
    a = parser().parse_args()
    torch.set_num_threads(a.threads)
    run(a)
