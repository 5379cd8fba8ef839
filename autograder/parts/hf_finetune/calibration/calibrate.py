"""Part 5's calibration (hwbuild/calibration.py's interface): `python build.py calibrate 5`.

1. Pretraining (pretrain.py, seed 0, one thread): the tokenizer and the RobertaForMaskedLM in the
   release's data/pretrained/ (what students load with from_pretrained); its tokenizer.json is copied to
   hw_support/ft_tokenizer.json (the grader tokenizes with `tokenizers`, without transformers).
   `--skip-pretrain` (env P5_SKIP_PRETRAIN=1) keeps the committed model.
2. Fine-tuning: the release (Part 5 alone) with the reference finetune.py runs `finetune_run.py` with
   its defaults for each seed, pretrained and --from_scratch, plus one run of the first seed with the
   catalog's correct alternatives (one per function) in place of the solution. Each run is scored like
   the autograder: accuracy on the hidden test labels.

report.json / report.md: the runs and the threshold FINETUNED_ACC_MIN = worst pretrained run (alternatives
included) - ACC_MARGIN, rounded down to 0.01. reference_run/: the first seed's result files.
check(build, report): the threshold lies below the worst run, and the committed model is the one calibrated.
"""
import hashlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

CALIBRATION = os.path.dirname(os.path.abspath(__file__))
PART = os.path.dirname(CALIBRATION)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(PART)))
SOURCE = os.path.join(ROOT, "assignment", "parts", "hf_finetune")
PRETRAINED = os.path.join(SOURCE, "release", "data", "pretrained")
TOKENIZER_COPY = os.path.join(SOURCE, "hw_support", "ft_tokenizer.json")
RESULT_FILES = ("finetuned_model.safetensors", "finetuned_config.json", "hf_test_predictions.txt",
                "hf_scratch_test_predictions.txt")
ACC_MARGIN = 0.05  # absolute
PRETRAIN_SEED = 0


def _labels():
    with open(os.path.join(PART, "tests", "q5_6_results.py"), encoding="utf-8") as f:
        return re.search(r'^TEST_LABELS = "(\d+)"', f.read(), re.M).group(1)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def accuracy(path):
    labels = _labels()
    with open(path, encoding="utf-8") as f:
        got = [l.strip() for l in f]
    return round(sum(g == y for g, y in zip(got, labels)) / len(labels), 4)


def workdir(tmp, alternatives=False):
    """The release of Part 5 alone with the reference finetune.py (or the catalog's alternatives)."""
    from hwbuild import pipeline
    d = os.path.join(tmp, "alternatives" if alternatives else "release")
    if not os.path.exists(d):
        number = next(p.number for p in pipeline.parts_mod.compose().parts if p.name == "hf_finetune")
        build = pipeline.build(select=[number])
        files = dict(build.release, **{n: b for n, b in build.solutions.items() if n.endswith(".py")})
        if alternatives:
            files["finetune.py"] = alternative_module(files["finetune.py"].decode()).encode()
        pipeline.write_tree(d, files)
    return d


def alternative_module(solution):
    """The solution with the first catalog alternative of every function swapped in."""
    from hwbuild.mutants import replace_definitions
    sys.path.insert(0, ROOT)
    import importlib.util
    spec = importlib.util.spec_from_file_location("catalog", os.path.join(PART, "mutants", "finetune.py"))
    catalog = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(catalog)
    done = set()
    for alt in catalog.ALTERNATIVES:
        if alt.function not in done and alt.code:
            solution = replace_definitions(solution, alt.code)
            done.add(alt.function)
    return solution


def run(tmp, seed, scratch=False, alternatives=False, threads=1):
    d = workdir(tmp, alternatives)
    out = os.path.join(tmp, f"out_s{seed}{'_alt' if alternatives else ''}")
    cmd = [sys.executable, "finetune_run.py", "--seed", str(seed), "--threads", str(threads), "--out", out, "--no_progress"]
    if scratch:
        cmd.append("--from_scratch")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), HF_HUB_OFFLINE="1")
    before = [round(x, 2) for x in os.getloadavg()]
    t0 = time.time()
    proc = subprocess.run(cmd, cwd=d, env=env, capture_output=True, text=True)
    wall = time.time() - t0
    if proc.returncode:
        raise RuntimeError(f"finetune_run.py failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    with open(os.path.join(out, f"history{'_scratch' if scratch else ''}.json")) as f:
        log = json.load(f)
    pred = os.path.join(out, "hf_scratch_test_predictions.txt" if scratch else "hf_test_predictions.txt")
    result = {"seed": seed, "model": "scratch" if scratch else "pretrained", "alternatives": alternatives,
              "wall_s": round(wall, 1), "train_s": log["seconds"], "load_before": before,
              "validation_accuracy": log["history"]["validation_accuracy"],
              "train_loss": [round(x, 4) for x in log["history"]["train_loss"]],
              "best_validation_accuracy": log["best_validation_accuracy"], "test_accuracy": accuracy(pred)}
    print(f"seed {seed} {result['model']}{' (alternatives)' if alternatives else ''}: {wall:.1f} s, validation "
          f"{result['best_validation_accuracy']:.3f}, hidden test {result['test_accuracy']:.3f}", flush=True)
    return result, out


def thresholds(runs):
    worst = min(r["test_accuracy"] for r in runs if r["model"] == "pretrained")
    return worst, {"FINETUNED_ACC_MIN": round(math.floor((worst - ACC_MARGIN) * 100 + 1e-9) / 100, 2)}


def markdown(report):
    rows = ["| seed | model | code | wall s | validation acc per epoch | hidden test acc |", "|---|---|---|---|---|---|"]
    for r in report["runs"]:
        rows.append(f"| {r['seed']} | {r['model']} | {'alternatives' if r['alternatives'] else 'solution'} | {r['wall_s']} | "
                    f"{', '.join(f'{a:.3f}' for a in r['validation_accuracy'])} | {r['test_accuracy']:.3f} |")
    p = report["pretraining"]
    pre = [r["test_accuracy"] for r in report["runs"] if r["model"] == "pretrained"]
    scr = [r["test_accuracy"] for r in report["runs"] if r["model"] == "scratch"]
    return "\n".join([
        "# Part 5 calibration (generated by `python build.py calibrate 5`; do not edit)", "",
        f"Machine: {report['machine']}. One torch thread per run. Load averages (`os.getloadavg()`) before each "
        "run are in report.json: other jobs on the machine inflate the wall times.", "",
        "## Pretraining", "",
        f"`pretrain.py` (seed {p['seed']}): {p['encoder_params']:,} encoder parameters, vocabulary {p['vocab_size']}, "
        f"{p['defaults']['steps']} steps of batch {p['defaults']['batch_size']} in {p['seconds']} s; MLM loss "
        f"{p['curve'][0]['mlm_loss']} -> {p['curve'][-1]['mlm_loss']}. Model sha256 `{report['model_sha256'][:16]}...`.", "",
        "## Fine-tuning (finetune_run.py defaults: " + json.dumps(report["defaults"]) + ")", "",
        *rows, "",
        f"Pretrained: hidden test accuracy {min(pre):.3f}-{max(pre):.3f}; from scratch {min(scr):.3f}-{max(scr):.3f} "
        f"(mean gap {100 * (sum(pre) / len(pre) - sum(scr) / len(scr)):.1f} points). Validation and test use only "
        "polarity words absent from the labelled training set; the pretrained model knows them from the corpus.", "",
        "## Threshold", "",
        f"- `FINETUNED_ACC_MIN = {report['thresholds']['FINETUNED_ACC_MIN']}`: worst pretrained run (alternatives "
        f"included) {report['worst']:.3f} - {ACC_MARGIN}, rounded down to 0.01",
        "- the from-scratch predictions are reported (their file is checked), not thresholded",
        "- the submitted model is rerun on the first 200 test sentences; 95% agreement with the predictions is required",
        *([""] + [report["note"]] if report.get("note") else []),
    ]) + "\n"


def calibrate(args, folder=CALIBRATION):
    sys.path.insert(0, CALIBRATION)
    import pretrain
    import torch
    torch.set_num_threads(1)
    if os.environ.get("P5_SKIP_PRETRAIN") != "1":
        info = pretrain.pretrain(PRETRAINED, seed=PRETRAIN_SEED)
        os.remove(os.path.join(PRETRAINED, "pretraining.json"))
        with open(os.path.join(folder, "pretraining.json"), "w") as f:
            json.dump(info, f, indent=1)
        shutil.copy(os.path.join(PRETRAINED, "tokenizer.json"), TOKENIZER_COPY)
    with open(os.path.join(folder, "pretraining.json")) as f:
        info = json.load(f)
    runs = []
    with tempfile.TemporaryDirectory(prefix="part5-") as tmp:
        for s in args.seeds:
            r, out = run(tmp, s)
            runs.append(r)
            r2, out2 = run(tmp, s, scratch=True)
            runs.append(r2)
            if s == args.seeds[0]:
                ref = os.path.join(folder, "reference_run")
                os.makedirs(ref, exist_ok=True)
                for name in RESULT_FILES:
                    shutil.copy(os.path.join(out if "scratch" not in name else out2, name), os.path.join(ref, name))
        runs.append(run(tmp, args.seeds[0], alternatives=True)[0])
        sys.path.insert(0, os.path.join(tmp, "release"))
        import finetune_run
        defaults = dict(finetune_run.DEFAULTS)
    worst, th = thresholds(runs)
    report = {"defaults": defaults, "machine": f"{platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
              f"transformers {__import__('transformers').__version__}", "pretraining": info,
              "model_sha256": sha256(os.path.join(PRETRAINED, "model.safetensors")), "runs": runs, "worst": worst,
              "thresholds": th, "margins": {"acc_absolute": ACC_MARGIN}, "note": getattr(args, "note", ""),
              "max_wall_s": max(r["wall_s"] for r in runs)}
    from hwbuild.calibration import write_report
    print(write_report(folder, report, markdown))


def check(build, report):
    """The threshold lies below the worst calibration run; the committed model and tokenizer copy are the
    ones calibrated."""
    th = report["thresholds"].get("FINETUNED_ACC_MIN")
    if th is None:
        return False, "FINETUNED_ACC_MIN is missing"
    problems = []
    if float(th) > report["worst"]:
        problems.append(f"FINETUNED_ACC_MIN is above the worst calibration run ({report['worst']})")
    if sha256(os.path.join(PRETRAINED, "model.safetensors")) != report["model_sha256"]:
        problems.append("data/pretrained/model.safetensors is not the model calibrated: rerun `python build.py calibrate 5`")
    with open(os.path.join(PRETRAINED, "tokenizer.json"), "rb") as a, open(TOKENIZER_COPY, "rb") as b:
        if a.read() != b.read():
            problems.append("hw_support/ft_tokenizer.json differs from data/pretrained/tokenizer.json")
    if problems:
        return False, "; ".join(problems)
    return True, f"FINETUNED_ACC_MIN = {th} ({len(report['runs'])} runs, worst {report['worst']})"
