"""Part 3 (given): the whole experiment in one command, `python run.py experiment`.

The runs of CS224N A5 as pipelines of `run.py` commands, the pipelines side by side (`--jobs`, default
2) with the CPU cores split between them, so that nothing is oversubscribed; this is how the
autograder's calibration ran and timed them:

    vanilla:      pretrain -> finetune -> evaluate dev, test; finetune without pretraining -> evaluate dev, test
    synthesizer:  pretrain -> finetune -> evaluate dev, test

Each command's output goes to logs/<pipeline>.log and a line per finished step is printed. At the end:
the dev accuracy of every run next to the most-common-place baseline, and the files to submit.
"""
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import london_baseline

DEV, TEST = "data/birth_dev.tsv", "data/birth_test_inputs.tsv"
TRAIN = "data/birth_places_train.tsv"


def _evaluations(variant, params, run):
    return [["evaluate", variant, "--reading_params_path", params, "--eval_corpus_path", path,
             "--outputs_path", f"{run}.{split}.predictions"] for split, path in (("dev", DEV), ("test", TEST))]


def pipelines():
    """{pipeline name: [(run name, run.py arguments)]}: the vanilla one carries the no-pretraining run."""
    out = {}
    for variant in ("vanilla", "synthesizer"):
        steps = [("pretrain", ["pretrain", variant, "--writing_params_path", f"{variant}.pretrain.params"]),
                 ("finetune", ["finetune", variant, "--reading_params_path", f"{variant}.pretrain.params",
                               "--writing_params_path", f"{variant}.finetune.params", "--finetune_corpus_path", TRAIN])]
        steps += [(f"{variant}.pretrain", e) for e in _evaluations(variant, f"{variant}.finetune.params",
                                                                    f"{variant}.pretrain")]
        if variant == "vanilla":
            steps.append(("nopretrain finetune", ["finetune", "vanilla", "--writing_params_path",
                                                  "vanilla.nopretrain.params", "--finetune_corpus_path", TRAIN]))
            steps += [("vanilla.nopretrain", e) for e in _evaluations("vanilla", "vanilla.nopretrain.params",
                                                                       "vanilla.nopretrain")]
        out[variant] = steps
    return out


def _run_pipeline(name, steps, common, run_py, accuracies):
    os.makedirs("logs", exist_ok=True)
    start = time.time()
    with open(os.path.join("logs", f"{name}.log"), "w", encoding="utf-8") as log:
        for i, (label, args) in enumerate(steps, 1):
            t = time.time()
            log.write(f"$ python run.py {' '.join(args + common)}\n")
            log.flush()
            proc = subprocess.run([sys.executable, run_py, *args, *common], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
            log.write(proc.stdout)
            if proc.returncode:
                raise RuntimeError(f"[{name}] `python run.py {' '.join(args)}` failed (see logs/{name}.log):\n"
                                   + proc.stdout[-1500:])
            m = re.search(r"Correct: .*: ([\d.]+)%", proc.stdout)
            if m and args[-1].endswith(".dev.predictions"):
                accuracies[label] = float(m.group(1))
            writes = args[args.index("--outputs_path" if args[0] == "evaluate" else "--writing_params_path") + 1]
            print(f"[{name} {i}/{len(steps)}] {args[0]} -> {writes}: {time.time() - t:.0f} s "
                  f"(pipeline {time.time() - start:.0f} s)", flush=True)


def run(args, run_py):
    """`python run.py experiment`: returns {run: dev accuracy}."""
    jobs = max(1, args.jobs)
    threads = args.threads or max(1, min(4, (os.cpu_count() or 1) // jobs))
    common = ["--seed", str(args.seed), "--threads", str(threads), "--quiet"]
    common += ["--epochs", str(args.epochs)] if args.epochs else []
    common += ["--device", args.device] if args.device else []
    plan = pipelines()
    print(f"experiment: {len(plan)} pipelines, {jobs} at a time, {threads} thread(s) each; logs in logs/", flush=True)
    start, accuracies = time.time(), {}
    with ThreadPoolExecutor(jobs) as pool:
        for future in [pool.submit(_run_pipeline, n, s, common, run_py, accuracies) for n, s in plan.items()]:
            future.result()
    baseline = london_baseline.main(["--train", TRAIN, "--eval", DEV])
    print(f"\nexperiment done in {(time.time() - start) / 60:.1f} min\n\n| run | dev accuracy |\n|---|---|")
    for run in ("vanilla.pretrain", "vanilla.nopretrain", "synthesizer.pretrain"):
        print(f"| {run} | {accuracies.get(run, float('nan')):.1f}% |")
    print(f"| most common place (baseline) | {baseline:.1f}% |\n\nSubmit with your modules: "
          "vanilla.finetune.params, synthesizer.finetune.params and the *.test.predictions files "
          "(python make_submission.py collects them).")
    return accuracies
