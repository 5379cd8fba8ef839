"""Part 2 experiment kit benchmark: prints numbers (not a timed test).

    python bench/experiment_kit.py                    # every configuration below, one thread each
    python bench/experiment_kit.py --only baseline pos-none   # only these
    python bench/experiment_kit.py --threads 2        # torch threads per run (default 1)
    python bench/experiment_kit.py --steps 100        # shorter runs (a quick look, not the release's times)

Runs `python experiment.py <switches>` of the committed student release (run `python build.py` first)
with the reference solution's attention.py, one configuration after the other on the CPU, and prints
each run's wall and CPU time, validation perplexity at the training length and at the longer length,
with the load average before and after (the machine may be shared). `--similarity mine` runs with a
hook written here (a negative squared distance), since the release's hook is the student's to write.
Target (issue 18): each configuration <= 10 minutes on a laptop CPU core. Output also goes to
bench/experiment_kit_latest.txt and .json.
"""
import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LATEST = os.path.join(ROOT, "bench", "experiment_kit_latest")
KIT = ["experiment.py", "experiment_model.py", "experiment_plots.py", "experiment_hooks.py",
       "data/experiment_train.txt", "data/experiment_dev.txt"]
CONFIGS = {
    "baseline": [], "sim-cosine": ["--similarity", "cosine"], "sim-mine": ["--similarity", "mine"],
    "shared-qkv": ["--shared-qkv"], "pos-sinusoidal": ["--pos", "sinusoidal"], "pos-none": ["--pos", "none"],
    "mask-after": ["--mask", "after"], "proj-mlp": ["--proj", "mlp"],
}
HOOK = '''import torch


def my_similarity(Q, K):
    """Negative squared Euclidean distance (the benchmark's hook)."""
    return -(Q.pow(2).sum(-1, keepdim=True) + K.pow(2).sum(-1).unsqueeze(-2) - 2 * Q @ K.transpose(-2, -1))
'''


def kit_folder(tmp):
    """The release's kit files and the solution's attention.py, with the benchmark's hook."""
    for name in KIT:
        os.makedirs(os.path.dirname(os.path.join(tmp, name)), exist_ok=True)
        shutil.copy(os.path.join(ROOT, "student_release", name), os.path.join(tmp, name))
    shutil.copy(os.path.join(ROOT, "solutions", "attention.py"), tmp)
    with open(os.path.join(tmp, "experiment_hooks.py"), "w") as f:
        f.write(HOOK)


def run(tmp, name, switches, threads, steps):
    cmd = [sys.executable, "experiment.py", *switches, "--name", name, "--out", os.path.join(tmp, "runs"),
           "--threads", str(threads), "--device", "cpu", "--no-progress"] + (["--steps", str(steps)] if steps else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    subprocess.run(cmd, cwd=tmp, check=True, capture_output=True, env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
    wall = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.path.join(tmp, "runs", name, "metrics.json")) as f:
        m = json.load(f)
    return {"config": name, "switches": " ".join(switches) or "(none)", "wall_s": round(wall, 1),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
            "steps": m["args"]["steps"], "val_ppl": m["val_ppl"], "val_ppl_long": m["val_ppl_long"],
            "eval_len": m["eval_len"], "n_parameters": m["n_parameters"]}


def table(report):
    lines = [f"machine: {report['machine']}; torch threads per run: {report['threads']}; "
             f"load average before {report['load_before']}, after {report['load_after']}",
             "| configuration | switches | steps | wall (s) | CPU (s) | val. ppl (32) | val. ppl (64) | parameters |",
             "|---|---|---|---|---|---|---|---|"]
    for r in report["runs"]:
        lines.append(f"| {r['config']} | {r['switches']} | {r['steps']} | {r['wall_s']} | {r['cpu_s']} | {r['val_ppl']} "
                     f"| {r['val_ppl_long']} | {r['n_parameters']} |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", nargs="*", choices=sorted(CONFIGS))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, help="override the release's default steps")
    args = p.parse_args()
    import torch
    report = {"machine": f"{platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__}",
              "threads": args.threads, "load_before": [round(x, 2) for x in os.getloadavg()], "runs": []}
    with tempfile.TemporaryDirectory(prefix="experiment-kit-") as tmp:
        kit_folder(tmp)
        for name in args.only or CONFIGS:
            report["runs"].append(run(tmp, name, CONFIGS[name], args.threads, args.steps))
            print(report["runs"][-1], flush=True)
    report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    text = table(report)
    print(text)
    if not args.only and not args.steps:
        with open(LATEST + ".txt", "w") as f:
            f.write(text + "\n")
        with open(LATEST + ".json", "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
