"""Part 3 benchmark: prints numbers (not a timed test).

    python bench/part3.py                  # the whole student experiment with the release defaults
    python bench/part3.py --student        # ... exactly as students run it: `python run.py experiment`
    python bench/part3.py --grading        # only the grading time of Part 3 (solutions/ through the real harness)
    python bench/part3.py --cs224n DIR     # the release defaults on CS224N's real corpus (measurement only)
    python bench/part3.py --from-json F    # reprint a saved experiment (e.g. bench/logs/calibrate_seed0.json)

Measures on this machine: pretrain + finetune wall time (vanilla and synthesizer, and the
no-pretraining finetune), dev and test accuracy of each against the most-common-place baseline,
the cloze probe, and the time to grade Part 3. Records the load average with each timing (the
machine may be shared). Output also goes to bench/part3_latest.txt.
Target: the whole experiment in at most 15 minutes on 2 CPU cores, pretrained vanilla >= 4x the
baseline, no-pretraining near the baseline.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "assignment"))

from hwbuild import pipeline  # noqa: E402
from hwbuild.parts import hidden_module  # noqa: E402

part3 = hidden_module("pretraining", "calibration/experiment.py")  # autograder/parts/pretraining/
part3_data = hidden_module("pretraining", "generate_data.py")

LATEST = os.path.join(ROOT, "bench", "part3_latest.txt")


def summary(r):
    acc, w = r["acc"], r["walls"]
    train = sum(v for k, v in w.items() if k.startswith(("pretrain", "finetune")))
    lines = [f"seed {r['seed']}, threads {r.get('threads') or 'default'}, load {r.get('load_start')} -> {r.get('load_end')}",
             f"whole experiment (pretrain x2, finetune x3, evaluate x6, probes): {r['wall_total_s'] / 60:.1f} min"
             + (f" ({r['note']})" if r.get("note") else "") + f"; pretrain + finetune, one after another: {train / 60:.1f} min; "
             f"CPU time of all commands: {sum(r.get('cpu_s', {}).values()) / 60:.1f} min",
             "walls (s): " + ", ".join(f"{k} {v:.0f}" for k, v in w.items()),
             "CPU seconds of each run.py command (an idle single core's wall time): " +
             (", ".join(f"{k} {v:.0f}" for k, v in r.get("cpu_s", {}).items()) or "not recorded"),
             f"cloze probe (dev, after pretraining): vanilla {r['probe'].get('vanilla')}%, "
             f"synthesizer {r['probe'].get('synthesizer')}%"]
    for split in ("dev", "test"):
        base = acc[f"baseline.{split}"]
        lines.append(f"{split}: no-pretrain {acc[f'vanilla.nopretrain.{split}']:.1f}% | pretrained vanilla "
                     f"{acc[f'vanilla.pretrain.{split}']:.1f}% ({acc[f'vanilla.pretrain.{split}'] / max(base, 1e-9):.1f}x "
                     f"baseline) | synthesizer {acc[f'synthesizer.pretrain.{split}']:.1f}% | baseline {base:.1f}%")
    return "\n".join(lines)


def grading_time():
    """Seconds to grade Part 3 (dataset, attention, model questions) of solutions/ through the real harness."""
    out = {}
    for only in ("dataset", "model"):
        start = time.time()
        proc = subprocess.run([sys.executable, "build.py", "grade", "solutions", "--only", only], cwd=ROOT,
                              capture_output=True, text=True)
        out[only] = (round(time.time() - start, 1), proc.stdout.strip().splitlines()[-1:] or [proc.stderr[-300:]])
    return out


def student(seed, epochs=None):
    """`python run.py experiment --seed SEED` in a release copy with the solution modules, as the student
    README says to run it: wall time, its dev table, and the test accuracy of each submitted prediction file."""
    build = pipeline.build()
    answers = [p for _, p in part3_data.generate(part3_data.current_seed())["test"]]
    with tempfile.TemporaryDirectory() as tmp:
        part3.workdir_for(build, tmp)
        load, start = os.getloadavg()[0], time.time()
        extra = ["--epochs", str(epochs)] if epochs else []  # a smoke test only
        proc = subprocess.run([sys.executable, "run.py", "experiment", "--seed", str(seed), *extra], cwd=tmp,
                              capture_output=True, text=True)
        wall = time.time() - start
        if proc.returncode:
            return f"run.py experiment failed:\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}"
        tests = {run: part3.accuracy(os.path.join(tmp, f"{run}.test.predictions"), answers)
                 for run in ("vanilla.pretrain", "vanilla.nopretrain", "synthesizer.pretrain")}
    table = proc.stdout[proc.stdout.index("| run |"):].split("\n\n")[0]
    return (f"`python run.py experiment --seed {seed}` ({os.cpu_count()} CPUs, load {load:.2f} -> "
            f"{os.getloadavg()[0]:.2f}): {wall / 60:.1f} min wall\n{table}\nhidden test: "
            + ", ".join(f"{k} {v:.1f}%" for k, v in tests.items()))


def cs224n(directory, minutes, threads):
    """Pretrain vanilla with the release defaults on CS224N's wiki.txt (time-boxed), finetune, evaluate on dev."""
    build = pipeline.build()
    with tempfile.TemporaryDirectory() as tmp:
        part3.workdir_for(build, tmp)
        for f in ("wiki.txt", "birth_places_train.tsv", "birth_dev.tsv"):
            shutil.copy(os.path.join(directory, f), os.path.join(tmp, "data", "cs224n_" + f))
        common = ["data/cs224n_wiki.txt", "--quiet"] + (["--threads", str(threads)] if threads else [])
        # epochs so that the pretraining fits in `minutes` (measured on one epoch first)
        one = subprocess.run([sys.executable, "run.py", "pretrain", "vanilla", *common, "--epochs", "1",
                              "--writing_params_path", "probe.params"], cwd=tmp, check=True, capture_output=True, text=True)
        per_epoch = float(re.search(r"pretrained \d+ steps in (\d+) s", one.stdout).group(1))  # training only
        epochs = max(1, int(minutes * 60 / per_epoch))
        steps = [["pretrain", "vanilla", *common, "--epochs", str(epochs), "--writing_params_path", "v.pre"],
                 ["probe", "vanilla", *common, "--reading_params_path", "v.pre", "--eval_corpus_path",
                  "data/cs224n_birth_dev.tsv"],
                 ["finetune", "vanilla", *common, "--reading_params_path", "v.pre", "--writing_params_path", "v.ft",
                  "--finetune_corpus_path", "data/cs224n_birth_places_train.tsv"],
                 ["evaluate", "vanilla", *common, "--reading_params_path", "v.ft", "--eval_corpus_path",
                  "data/cs224n_birth_dev.tsv", "--outputs_path", "v.dev.predictions"]]
        train, dev = ([line.rstrip("\n").split("\t") for line in open(os.path.join(directory, f), encoding="utf-8")
                       if line.strip()] for f in ("birth_places_train.tsv", "birth_dev.tsv"))
        top = part3_data.most_common(train)
        lines = [f"CS224N corpus: one epoch {per_epoch:.0f} s -> {epochs} pretraining epochs for {minutes} min; "
                 f"most-common-place baseline ({top}) on dev: {100 * sum(a == top for _, a in dev) / len(dev):.1f}%"]
        for s in steps:
            t = time.time()
            p = subprocess.run([sys.executable, "run.py", *s], cwd=tmp, capture_output=True, text=True)
            last = (p.stdout.strip().splitlines() or [""])[-1] if p.returncode == 0 else f"failed: {p.stderr[-300:]}"
            lines.append(f"{s[0]}: {time.time() - t:.0f} s: {last}")
        return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--grading", action="store_true")
    p.add_argument("--student", action="store_true", help="time `python run.py experiment` (the student's command)")
    p.add_argument("--cs224n", metavar="DIR")
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--epochs", type=int, default=None, help="--student: every run this many epochs (smoke test)")
    p.add_argument("--from-json", metavar="FILE")
    args = p.parse_args()
    out = [f"# bench/part3.py on {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}, load {os.getloadavg()[0]:.2f}"]
    if args.cs224n:
        out.append(cs224n(args.cs224n, args.minutes, args.threads))
    elif args.student:
        out.append(student(args.seed, args.epochs))
    elif args.from_json:
        with open(args.from_json) as f:
            out.append(summary(json.load(f)))
    elif not args.grading:
        build = pipeline.build()
        with tempfile.TemporaryDirectory() as tmp:
            r = part3.experiment(part3.workdir_for(build, tmp), args.seed, args.threads,
                                 log=open(os.path.join(ROOT, "bench", "logs", "bench_part3.log"), "w"))
        out.append(summary(r))
    if args.grading or not (args.cs224n or args.from_json or args.student):
        g = grading_time()
        out.append("grading time of Part 3 (solutions/, real harness, includes its start-up): " +
                   "; ".join(f"--only {k}: {v[0]} s ({' '.join(v[1])})" for k, v in g.items()))
    text = "\n".join(out)
    print(text)
    with open(LATEST, "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
