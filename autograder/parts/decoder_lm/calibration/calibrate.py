"""Part 4's calibration (hwbuild/calibration.py's interface): `python build.py calibrate 4`.

Each run copies the release (built for Part 4) with the reference solution lm.py into a scratch
directory and runs `python train_lm.py --seed S` there as a subprocess (the release defaults: one
torch thread), timing its wall clock and recording the load average before and after (other work
on the machine inflates the times). The results are then scored like the autograder does: the dev
and held-out test perplexity with hw_support.lm_checks' reference model, and the accuracy of both
classifiers on the hidden test labels.

calibrate(args, folder) writes report.json and report.md (evidence and thresholds) and the first
seed's result files to reference_run/ (copied into solutions/ by the build, so that
`python build.py grade solutions/` scores full marks); the tests read the thresholds from report.json.
Thresholds: perplexities at most PPL_MARGIN above the worst run (rounded up to 0.05), accuracy
ACC_MARGIN below the worst run (rounded down to 0.01). check(build, report): the thresholds lie on
the right side of the worst run.

The study (`train_lm.py --size S` for the four sizes, and small on 1000 texts) runs once (seed 0);
its lm_metrics_<size>.json files join reference_run/ and its times the report. To redo only the
study: `python autograder/parts/decoder_lm/calibration/calibrate.py study` (or `... study --from-json
bench/part4_study_latest.json --files DIR` to take a saved run of bench/part4_study.py --keep DIR).
"""
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

CALIBRATION = os.path.dirname(os.path.abspath(__file__))
PART = os.path.dirname(CALIBRATION)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(PART)))
SOURCE = os.path.join(ROOT, "assignment", "parts", "decoder_lm")
RELEASE = os.path.join(SOURCE, "release")
REFERENCE = os.path.join(CALIBRATION, "reference_run")
RESULT_FILES = ("lm_params.pt", "sentiment_predictions.txt", "sentiment_scratch_predictions.txt", "lm_metrics_main.json")
STUDY_RUNS = (("tiny", None), ("small", None), ("medium", None), ("large", None), ("small", 1000))
PPL_MARGIN = 0.05  # relative
ACC_MARGIN = 0.05  # absolute


def _helpers():
    """hw_support's lm_checks and lm_data (Part 4's own helpers) as modules."""
    from hwbuild import pipeline
    pipeline.hw_support_on_path(pipeline.parts_mod.compose())
    from hw_support import lm_checks, lm_data
    return lm_checks, lm_data


def hidden_constant(question, name):
    with open(os.path.join(PART, "tests", question + ".py")) as f:
        return int(re.search(rf"^{name} = (\d+)", f.read(), re.M).group(1))


SENT_TEST_SEED = hidden_constant("q4_6_classifier", "SENT_TEST_SEED")
LM_TEST_SEED = hidden_constant("q4_5_lm_results", "LM_TEST_SEED")
N_LM_TEST = hidden_constant("q4_5_lm_results", "N_LM_TEST")


def load():
    return [round(x, 2) for x in os.getloadavg()]


def workdir(tmp):
    """The release of Part 4 alone, with the reference solution's modules."""
    from hwbuild import pipeline
    d = os.path.join(tmp, "release")
    if not os.path.exists(d):
        number = next(p.number for p in pipeline.parts_mod.compose().parts if p.name == "decoder_lm")
        build = pipeline.build(select=[number])
        pipeline.write_tree(d, dict(build.release, **{n: b for n, b in build.solutions.items() if n.endswith(".py")}))
    return d


def score(out, suffix=""):
    lm_checks, lm_data = _helpers()
    model = lm_checks.load_submitted_lm(os.path.join(out, f"lm_params{suffix}.pt"))
    dev = lm_checks.perplexity(model, lm_data.read_lines(os.path.join(RELEASE, "data", "lm_dev.txt")))
    test = lm_checks.perplexity(model, lm_data.lm_sentences(N_LM_TEST, LM_TEST_SEED))
    labels = [y for _, y in lm_data.sentiment_examples(lm_data.N_SENT_TEST, SENT_TEST_SEED)]
    accs = {}
    for key, name in (("finetuned", "sentiment_predictions"), ("scratch", "sentiment_scratch_predictions")):
        path = os.path.join(out, f"{name}{suffix}.txt")
        if os.path.exists(path):
            got = lm_checks.read_predictions(path, lm_data.N_SENT_TEST)
            accs[key] = sum(g == y for g, y in zip(got, labels)) / len(labels)
    return {"dev_ppl": round(dev, 4), "test_ppl": round(test, 4),
            "finetuned_test_acc": accs.get("finetuned"), "scratch_test_acc": accs.get("scratch")}


def run(tmp, seed, threads=1, no_pos=False):
    d = workdir(tmp)
    out = os.path.join(tmp, f"out_s{seed}_t{threads}{'_nopos' if no_pos else ''}")
    cmd = [sys.executable, "train_lm.py", "--seed", str(seed), "--threads", str(threads), "--out", out]
    if no_pos:
        cmd.append("--no-pos")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    before = load()
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    proc = subprocess.run(cmd, cwd=d, env=env, capture_output=True, text=True)
    wall = time.time() - t0
    usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    if proc.returncode:
        raise RuntimeError(f"train_lm.py failed:\n{proc.stdout}\n{proc.stderr}")
    suffix = "_nopos" if no_pos else ""
    with open(os.path.join(out, f"train_lm_log{suffix}.json")) as f:
        log = json.load(f)
    result = {"seed": seed, "threads": threads, "pos_emb": not no_pos, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
              "load_before": before, "load_after": load(), "phase_s": log["seconds"],
              "dev_ppl_train_lm": log["lm_dev_ppl"], "finetuned_dev_acc": log["finetuned_dev_acc"],
              "scratch_dev_acc": log.get("scratch_dev_acc"),
              "finetuned_curve": log["finetuned_curve"], "scratch_curve": log.get("scratch_curve"),
              "lm_curve": log["lm_curve"], "samples": log["samples"] if seed == 0 else None}
    result.update(score(out, suffix))
    print(f"seed {seed} threads {threads} pos {not no_pos}: {wall:.1f} s wall, {cpu:.1f} s CPU (load {before} -> {result['load_after']}), "
          f"dev ppl {result['dev_ppl']:.3f}, test ppl {result['test_ppl']:.3f}, test acc fine-tuned "
          f"{result['finetuned_test_acc']:.3f}, scratch {result['scratch_test_acc']:.3f}", flush=True)
    return result, out


def run_study(tmp, threads=1, names=None, keep=None, echo=print):
    """Run the study's sizes (STUDY_RUNS, or those named `size` / `size_nN` in `names`) one after the
    other with the reference solution; a list of {name, wall_s, cpu_s, load_before, load_after, ...}.
    Their metrics files are copied into `keep` when given."""
    d = workdir(tmp)
    out = os.path.join(tmp, "out_study")
    runs = []
    for size, n in STUDY_RUNS:
        name = size + (f"_n{n}" if n else "")
        if names and name not in names:
            continue
        cmd = [sys.executable, "train_lm.py", "--size", size, "--threads", str(threads), "--out", out, "--no-progress"]
        cmd += ["--num-train", str(n)] if n else []
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        before, usage0, t0 = load(), resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
        proc = subprocess.run(cmd, cwd=d, env=env, capture_output=True, text=True)
        wall, usage1 = round(time.time() - t0, 1), resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
        fname = f"lm_metrics_{name}.json"
        with open(os.path.join(out, fname)) as f:
            m = json.load(f)
        runs.append({"name": name, "wall_s": wall, "threads": threads, "load_before": before, "load_after": load(),
                     "cpu_s": round((usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime), 1),
                     **{k: m[k] for k in ("n_parameters", "device", "steps", "reduced_on_cpu", "epochs")}})
        echo(f"{proc.stdout.strip().splitlines()[0]} -> {wall} s wall", flush=True)
        if keep:
            os.makedirs(keep, exist_ok=True)
            shutil.copy(os.path.join(out, fname), os.path.join(keep, fname))
    return runs


def _copy_study(study, src, dest):
    """The four sizes' metrics files (not the data-limited run's) from `src` into `dest` (reference_run/)."""
    for r in study:
        if "_n" not in r["name"]:
            shutil.copy(os.path.join(src, f"lm_metrics_{r['name']}.json"), dest)


def study_markdown(runs):
    lines = ["| run | parameters | device | steps | epochs run | wall s | CPU s | dev NLL | dev acc | load before -> after |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        last = r["epochs"][-1]
        lines.append(f"| {r['name']} | {r['n_parameters']:,} | {r['device']} | {r['steps']}"
                     f"{' (fewer on CPU)' if r['reduced_on_cpu'] else ''} | {last['epoch']:g} | {r['wall_s']} | "
                     f"{r.get('cpu_s', '')} | {last['dev_nll']:.4f} | {last['dev_acc']:.4f} | "
                     f"{r['load_before']} -> {r['load_after']} |")
    four = sum(r["wall_s"] for r in runs if r["name"] in ("tiny", "small", "medium", "large"))
    sizes = [r for r in runs if "_n" not in r["name"]]
    if len(sizes) > 1:
        nlls = [r["epochs"][-1]["dev_nll"] for r in sizes]
        lines += ["", f"Every size ends within {max(nlls) - min(nlls):.3f} nats of the others' dev NLL "
                  f"({min(nlls):.3f} to {max(nlls):.3f}): the grammar's sentences leave little to learn beyond what "
                  "the tiny model learns (its entropy bounds the NLL from below), so size buys almost nothing here."]
    for r in runs:
        if "_n" in r["name"]:
            best, last = min(r["epochs"], key=lambda e: e["dev_nll"]), r["epochs"][-1]
            lines += ["", f"{r['name']}: the dev NLL is lowest after epoch {best['epoch']:g} ({best['dev_nll']:.3f}), then "
                      f"rises to {last['dev_nll']:.3f} while the train NLL falls to {last['train_nll']:.3f}: overfitting."]
    lines.append("")
    lines.append(f"The four sizes together: {four:.0f} s wall ({four / 60:.1f} min; target: at most 20 min on 2 CPU "
                 "cores), one torch thread each, one after the other.")
    return lines


def thresholds(runs):
    main = [r for r in runs if r["pos_emb"]]
    worst = {"dev_ppl": max(r["dev_ppl"] for r in main), "test_ppl": max(r["test_ppl"] for r in main),
             "finetuned_test_acc": min(r["finetuned_test_acc"] for r in main)}
    up = lambda x: math.ceil(x * (1 + PPL_MARGIN) / 0.05) * 0.05  # noqa: E731
    th = {"DEV_PPL_MAX": round(up(worst["dev_ppl"]), 2), "TEST_PPL_MAX": round(up(worst["test_ppl"]), 2),
          "FINETUNED_ACC_MIN": round(math.floor((worst["finetuned_test_acc"] - ACC_MARGIN) * 100 + 1e-9) / 100, 2)}
    return worst, th


def markdown(report):
    rows = ["| seed | threads | positions | wall s | CPU s | load before -> after | dev ppl | test ppl | "
            "fine-tuned test acc | scratch test acc |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in report["runs"]:
        rows.append(f"| {r['seed']} | {r['threads']} | {'yes' if r['pos_emb'] else 'no'} | {r['wall_s']} | {r['cpu_s']} | "
                    f"{r['load_before']} -> {r['load_after']} | {r['dev_ppl']:.3f} | {r['test_ppl']:.3f} | "
                    f"{r['finetuned_test_acc']:.3f} | {r['scratch_test_acc']:.3f} |")
    th, w = report["thresholds"], report["worst"]
    _, lm_data = _helpers()
    lines = [
        "# Part 4 calibration (generated by `python build.py calibrate 4`; do not edit)", "",
        f"Machine: {report['machine']}. Release defaults of train_lm.py: `{json.dumps(report['defaults'])}` "
        "(one torch thread unless the table says otherwise). Load averages are `os.getloadavg()` "
        "(1, 5, 15 min) before and after each run: other jobs on the machine inflate the wall times.", "",
        *rows, "",
        "Scoring as the autograder does: perplexities by hw_support.lm_checks' reference model on "
        f"data/lm_dev.txt and on {N_LM_TEST} held-out sentences; accuracies on the {lm_data.N_SENT_TEST} "
        "hidden test labels.", "",
        "## Thresholds", "",
        f"- `DEV_PPL_MAX = {th['DEV_PPL_MAX']}`: worst dev perplexity {w['dev_ppl']:.3f} "
        f"+ {PPL_MARGIN:.0%}, rounded up to 0.05",
        f"- `TEST_PPL_MAX = {th['TEST_PPL_MAX']}`: worst test perplexity {w['test_ppl']:.3f} "
        f"+ {PPL_MARGIN:.0%}, rounded up to 0.05",
        f"- `FINETUNED_ACC_MIN = {th['FINETUNED_ACC_MIN']}`: worst fine-tuned test accuracy "
        f"{w['finetuned_test_acc']:.3f} - {ACC_MARGIN}, rounded down to 0.01",
        "- the from-scratch classifier is reported (its file is checked), not thresholded", "",
        "## Findings", "",
        "- Pretraining is what makes the classifier: after the same 150 fine-tuning steps the pretrained model "
        "is at or near 100% while the from-scratch one is mostly near chance (50%).",
        "- Without positional embeddings the results hardly change: a causal model still sees word order, since "
        "token i attends only to tokens 0..i (a bag-of-words model is at 50% by construction, see "
        "tests/test_part4.py).",
        "- Two torch threads on this shared, loaded 2-core machine cost about ten times the CPU time of one "
        "thread (threads spin while waiting for a core), hence the release default of one thread.", "",
        f"Longest run with the release defaults: {report['max_wall_s_default']} s wall clock on a loaded machine, "
        f"{report['max_cpu_s_default']} s of CPU time (limit 300 s on 2 cores; the release default uses one thread, "
        "so CPU time is what the run costs on an idle 2-core machine).",
    ]
    if report.get("reference_rerun"):
        r = report["reference_rerun"]
        lines += ["", f"reference_run/ was remade by a default run of seed 0 on {r['machine']} (the same code and "
                  "seed; float arithmetic differs between CPUs, so its weights differ from the run in the table): "
                  f"dev ppl {r['dev_ppl']:.3f}, test ppl {r['test_ppl']:.3f}, fine-tuned test accuracy "
                  f"{r['finetuned_test_acc']:.3f}, from scratch {r['scratch_test_acc']:.3f}."]
    if report.get("study"):
        lines += ["", "## The study (`train_lm.py --size`, seed 0)", "", *study_markdown(report["study"]), "",
                  "Its lm_metrics_<size>.json files are in reference_run/ (the grader checks that they are there, "
                  "that the sizes fall in their ranges and that the dev NLL decreases; no threshold)."]
    return "\n".join(lines) + "\n"


def calibrate(args, folder=CALIBRATION):
    """Train with the release defaults for args.seeds (plus a no-positions run and a two-thread run of
    the first seed, for the report), write report.json, report.md and reference_run/ into `folder`."""
    seeds = args.seeds
    runs = []
    with tempfile.TemporaryDirectory(prefix="part4-") as tmp:
        for s in seeds:
            r, out = run(tmp, s)
            runs.append(r)
            if s == seeds[0]:
                os.makedirs(os.path.join(folder, "reference_run"), exist_ok=True)
                for name in RESULT_FILES:
                    shutil.copy(os.path.join(out, name), os.path.join(folder, "reference_run", name))
        runs.append(run(tmp, seeds[0], no_pos=True)[0])
        runs.append(run(tmp, seeds[0], threads=2)[0])
        study = run_study(tmp, keep=os.path.join(tmp, "keep"))
        _copy_study(study, os.path.join(tmp, "keep"), os.path.join(folder, "reference_run"))
        sys.path.insert(0, os.path.join(tmp, "release"))
        import train_lm  # noqa: E402
        defaults = dict(train_lm.DEFAULTS)
    worst, th = thresholds([r for r in runs if r["threads"] == 1])
    report = {"defaults": defaults, "machine": f"{platform.platform()}, {os.cpu_count()} CPUs, "
              f"torch {__import__('torch').__version__}", "runs": runs, "worst": worst, "thresholds": th,
              "margins": {"ppl_relative": PPL_MARGIN, "acc_absolute": ACC_MARGIN},
              "max_wall_s_default": max(r["wall_s"] for r in runs if r["threads"] == 1 and r["pos_emb"]),
              "max_cpu_s_default": max(r["cpu_s"] for r in runs if r["threads"] == 1 and r["pos_emb"]),
              "reference_seed": seeds[0], "study": study}
    from hwbuild.calibration import write_report
    print(write_report(folder, report, markdown))


def check(build, report):
    """The thresholds lie on the right side of the worst calibration run."""
    th, worst = report["thresholds"], report["worst"]
    problems = [f"{k} is missing" for k in ("DEV_PPL_MAX", "TEST_PPL_MAX", "FINETUNED_ACC_MIN") if k not in th]
    if problems:
        return False, "; ".join(problems)
    for const, limit in (("DEV_PPL_MAX", worst["dev_ppl"]), ("TEST_PPL_MAX", worst["test_ppl"])):
        if float(th[const]) < limit:
            problems.append(f"{const} is below the worst calibration run ({limit})")
    if float(th["FINETUNED_ACC_MIN"]) > worst["finetuned_test_acc"]:
        problems.append(f"FINETUNED_ACC_MIN is above the worst calibration run ({worst['finetuned_test_acc']})")
    if problems:
        return False, "; ".join(problems)
    return True, ", ".join(f"{k} = {v}" for k, v in th.items()) + f" ({len(report['runs'])} runs)"


def study_only(argv=None):
    """Rerun (or take from a saved bench run) only the study: reference_run/'s metrics files of the four
    sizes and the report's study section; the thresholds and the other runs stay."""
    import argparse
    p = argparse.ArgumentParser(description=study_only.__doc__)
    p.add_argument("--from-json", help="bench/part4_study_latest.json of a run of bench/part4_study.py --keep DIR")
    p.add_argument("--files", help="DIR of that run (its lm_metrics_*.json)")
    p.add_argument("--main", help="DIR of a default run (train_lm.py --out DIR, seed 0) whose result files replace "
                                  "reference_run/'s, so that lm_metrics_main.json and lm_params.pt come from one run")
    args = p.parse_args(argv)
    ref = os.path.join(CALIBRATION, "reference_run")
    with open(os.path.join(CALIBRATION, "report.json")) as f:
        report = json.load(f)
    if args.main:
        for name in RESULT_FILES:
            shutil.copy(os.path.join(args.main, name), ref)
        report["reference_rerun"] = dict(score(args.main), machine=f"{platform.platform()}, {os.cpu_count()} CPUs")
    if args.from_json:
        with open(args.from_json) as f:
            study = json.load(f)["runs"]
        _copy_study(study, args.files, ref)
    else:
        with tempfile.TemporaryDirectory(prefix="part4-") as tmp:
            study = run_study(tmp, keep=os.path.join(tmp, "keep"))
            _copy_study(study, os.path.join(tmp, "keep"), ref)
    report["study"] = study
    from hwbuild.calibration import write_report
    write_report(CALIBRATION, report, markdown)


if __name__ == "__main__" and sys.argv[1:2] == ["study"]:
    sys.path.insert(0, ROOT)
    study_only(sys.argv[2:])
