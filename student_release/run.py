"""Part 3 (given): pretrain, fine-tune and evaluate the GPT, as in CS224N A5.

    python run.py pretrain vanilla data/wiki.txt --writing_params_path vanilla.pretrain.params
    python run.py finetune vanilla data/wiki.txt --reading_params_path vanilla.pretrain.params \
        --writing_params_path vanilla.finetune.params --finetune_corpus_path data/birth_places_train.tsv
    python run.py evaluate vanilla data/wiki.txt --reading_params_path vanilla.finetune.params \
        --eval_corpus_path data/birth_dev.tsv --outputs_path vanilla.pretrain.dev.predictions
    python run.py probe vanilla data/wiki.txt --reading_params_path vanilla.pretrain.params \
        --eval_corpus_path data/birth_dev.tsv      # cloze probe: "NAME was born in" -> place?

or all of it at once, as the autograder's calibration ran it (vanilla with its no-pretraining baseline
and the synthesizer side by side, each with half the CPU cores, then a dev-accuracy table):

    python run.py experiment [--jobs 2] [--seed 0]

`pretrain` and `finetune` also save the loss of every step beside the params they write
(vanilla.pretrain.params -> vanilla.pretrain.losses.json): the notebook plots them.
The pretraining corpus is always given: it defines the vocabulary. Without --reading_params_path,
`finetune` starts from a fresh model (no pretraining) and trains longer. The defaults reach the
assignment's accuracy thresholds on a laptop CPU in about ten minutes per pretraining run (one
core each); on a CUDA GPU a bigger model is used (see DEFAULTS).
"""
import argparse
import json
import os
import time

import torch

import dataset
import pipelines
import model
import trainer
import utils
from hw_support import cloze

DEFAULTS = {
    # a ~0.24M-parameter model that memorises nearly every birthplace in ~12 minutes on one CPU core
    # (it takes 400-450 passes over a document: with fewer, a probe finds almost none)
    # (fine-tuning gently, batches of 8 at lr 3e-4: at 1e-3 it forgot up to half of what the pretrained
    # model could already answer; see the calibration report)
    "cpu": dict(n_layer=2, n_head=4, n_embd=96, block_size=64, pretrain_epochs=500, pretrain_batch_size=32,
                pretrain_lr=4e-3, finetune_epochs=10, nopretrain_epochs=30, finetune_batch_size=8,
                finetune_lr=3e-4),
    # CUDA: a bigger model (as in CS224N) and more pretraining
    "cuda": dict(n_layer=4, n_head=8, n_embd=256, block_size=64, pretrain_epochs=500, pretrain_batch_size=64,
                 pretrain_lr=2e-3, finetune_epochs=10, nopretrain_epochs=30, finetune_batch_size=32,
                 finetune_lr=5e-4),
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("function", choices=["pretrain", "finetune", "evaluate", "probe", "experiment"])
    p.add_argument("variant", nargs="?", choices=["vanilla", "synthesizer"], help="(not for experiment)")
    p.add_argument("pretrain_corpus_path", nargs="?", default="data/wiki.txt",
                   help="the pretraining corpus (defines the vocabulary; default data/wiki.txt)")
    p.add_argument("--reading_params_path", default=None)
    p.add_argument("--writing_params_path", default=None)
    p.add_argument("--finetune_corpus_path", default=None)
    p.add_argument("--eval_corpus_path", default=None)
    p.add_argument("--outputs_path", default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads (default: half the cores, 1 to 4, so that two runs side by side fit; "
                        "experiment: the cores / --jobs)")
    p.add_argument("--jobs", type=int, default=2, help="experiment: pipelines run side by side (default 2)")
    p.add_argument("--epochs", type=int, default=None, help="override the number of epochs")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p.parse_args(argv)


def losses_path(params_path):
    """Where a run keeps the training loss of every step: vanilla.pretrain.params -> vanilla.pretrain.losses.json."""
    return os.path.splitext(params_path)[0] + ".losses.json"


def save_losses(params_path, losses):
    with open(losses_path(params_path), "w", encoding="utf-8") as f:
        json.dump([round(x, 5) for x in losses], f)


def load_losses(params_path):
    """The losses a run saved beside `params_path` ([] if it saved none)."""
    if not os.path.exists(losses_path(params_path)):
        return []
    with open(losses_path(params_path), encoding="utf-8") as f:
        return json.load(f)


def settings(device):
    return dict(DEFAULTS["cuda" if str(device).startswith("cuda") else "cpu"])


def main(argv=None):
    args = parse_args(argv)
    if args.function == "experiment":
        return pipelines.run(args, os.path.abspath(__file__))
    if args.variant is None:
        raise SystemExit(f"run.py {args.function}: give the variant (vanilla or synthesizer)")
    device = args.device or utils.default_device()
    if device == "cpu":
        utils.set_threads(args.threads)
    cfg = settings(device)
    utils.set_seed(args.seed)
    text = utils.read_text(args.pretrain_corpus_path)
    pretrain_dataset = dataset.CharCorruptionDataset(text, cfg["block_size"])
    start = time.time()

    if args.function == "pretrain":
        assert args.writing_params_path, "pretrain needs --writing_params_path"
        gpt = model.GPT(model.GPTConfig(pretrain_dataset.vocab_size, cfg["block_size"], cfg["n_layer"],
                                        cfg["n_head"], cfg["n_embd"], variant=args.variant))
        print(f"number of parameters: {gpt.num_params()}")
        tconf = trainer.TrainerConfig(max_epochs=args.epochs or cfg["pretrain_epochs"],
                                      batch_size=cfg["pretrain_batch_size"], learning_rate=cfg["pretrain_lr"],
                                      seed=args.seed, progress=not args.quiet)
        losses = trainer.Trainer(gpt, pretrain_dataset, tconf, device).train()
        model.save_params(gpt, args.writing_params_path)
        save_losses(args.writing_params_path, losses)
        print(f"pretrained {len(losses)} steps in {time.time() - start:.0f} s, "
              f"final loss {sum(losses[-100:]) / len(losses[-100:]):.3f}")

    elif args.function == "finetune":
        assert args.writing_params_path and args.finetune_corpus_path, \
            "finetune needs --writing_params_path and --finetune_corpus_path"
        if args.reading_params_path:
            gpt = model.load_params(args.reading_params_path).train()
            epochs = cfg["finetune_epochs"]
        else:
            gpt = model.GPT(model.GPTConfig(pretrain_dataset.vocab_size, cfg["block_size"], cfg["n_layer"],
                                            cfg["n_head"], cfg["n_embd"], variant=args.variant))
            epochs = cfg["nopretrain_epochs"]
        pairs = utils.read_tsv(args.finetune_corpus_path)
        finetune_dataset = dataset.NameDataset(pretrain_dataset, "".join(f"{q}\t{a}\n" for q, a in pairs))
        tconf = trainer.TrainerConfig(max_epochs=args.epochs or epochs, batch_size=cfg["finetune_batch_size"],
                                      learning_rate=cfg["finetune_lr"], warmup_steps=10, seed=args.seed,
                                      progress=not args.quiet)
        losses = trainer.Trainer(gpt, finetune_dataset, tconf, device).train()
        model.save_params(gpt, args.writing_params_path)
        save_losses(args.writing_params_path, losses)
        print(f"fine-tuned {len(losses)} steps in {time.time() - start:.0f} s, final loss {losses[-1]:.3f}")

    elif args.function == "evaluate":
        assert args.reading_params_path and args.eval_corpus_path and args.outputs_path, \
            "evaluate needs --reading_params_path, --eval_corpus_path and --outputs_path"
        rows = utils.read_tsv(args.eval_corpus_path)
        params = torch.load(args.reading_params_path, map_location="cpu", weights_only=True)
        chars = "".join(pretrain_dataset.itos[i] for i in range(2, pretrain_dataset.vocab_size))
        predictions = model.predict_places(params, chars, [q for q, _ in rows], device=device)
        with open(args.outputs_path, "w", encoding="utf-8") as f:
            for p in predictions:
                f.write(p + "\n")
        total, correct = utils.evaluate_places(args.eval_corpus_path, predictions)
        if total > 0:
            print(f"Correct: {correct:.0f} out of {total:.0f}: {100 * correct / total:.2f}%")
        else:
            print(f"Predictions written to {args.outputs_path}; no gold answers to score")

    elif args.function == "probe":
        assert args.reading_params_path and args.eval_corpus_path, "probe needs --reading_params_path and --eval_corpus_path"
        rows = utils.read_tsv(args.eval_corpus_path)
        gpt = model.load_params(args.reading_params_path, device)
        itos = [pretrain_dataset.itos[i] for i in range(pretrain_dataset.vocab_size)]
        outs = model.greedy_answers(gpt, [cloze.prompt(q) for q, _ in rows], pretrain_dataset.stoi, itos, steps=32)
        hits = sum(cloze.is_hit(a, o) for (_, a), o in zip(rows, outs))
        print(f"Cloze probe ('NAME was born in'): {hits} out of {len(rows)}: {100 * hits / len(rows):.2f}%")


if __name__ == "__main__":
    main()
