"""Part 3's experiment, calibration and benchmark (`python build.py calibrate 3`, `bench/part3.py`).

`experiment(workdir, seed)` runs the student's whole experiment with the reference solution, exactly
as a student does (`python run.py ...` in a copy of the release with the solution modules):
pretrain + fine-tune + evaluate for vanilla and synthesizer, the no-pretraining fine-tune, the cloze
probe and the most-common-place baseline; it returns wall times and dev/test accuracies.

`calibrate(seeds)` runs it for several seeds, writes the committed report report.json and report.md
beside this file (accuracies per seed, thresholds = the worst run minus a margin) and copies the
reference run (the first seed) into reference_run/, from which build.py puts the finetuned params
and prediction files into solutions/. The tests read the thresholds from report.json
(hwbuild/calibration.py).
"""
import contextlib
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

from hwbuild import pipeline
from hwbuild.parts import hidden_module

part3_data = hidden_module("pretraining", "generate_data.py")
CALIBRATION_DIR = os.path.dirname(os.path.abspath(__file__))
REFERENCE_RUN = os.path.join(CALIBRATION_DIR, "reference_run")
REPORT_JSON = os.path.join(CALIBRATION_DIR, "report.json")
REPORT_MD = os.path.join(CALIBRATION_DIR, "report.md")
NOPRETRAIN_RUN = os.path.join(CALIBRATION_DIR, "nopretrain_run")  # never-pretrained models, for tests/test_part3.py

# what a student submits for Part 3 (and what solutions/ holds from the reference run)
PREDICTIONS = [f"{run}.{split}.predictions" for run in ("vanilla.nopretrain", "vanilla.pretrain", "synthesizer.pretrain")
               for split in ("dev", "test")]
PARAMS = ["vanilla.finetune.params", "synthesizer.finetune.params"]
THRESHOLDED = {"vanilla.pretrain": "vanilla.finetune.params", "synthesizer.pretrain": "synthesizer.finetune.params"}
PROBED = [f"{run}.probe" for run in THRESHOLDED]  # the cloze probe of the fine-tuned params on the test people
NOPRETRAIN_FILES = [f"{v}.nopretrain.{x}" for v in ("vanilla", "synthesizer") for x in ("params", "test.predictions")]
MARGIN_RULE = "the lower of (worst run - 3 binomial SE on the test questions) and half the worst run, rounded down to 0.5"


# correct span corruption written differently (verify's alternatives, other random schemes): each
# seed's pretrained runs are repeated with these as dataset.py (calibrate --span-variants)
SPAN_VARIANTS = ("torch.randint draws, masked start drawn first", "Gaussian masked length around n/4, clipped")


def span_variant_source(build, name):
    """dataset.py of the solution with CharCorruptionDataset.__getitem__ replaced by the catalog's
    alternative called `name` (autograder/parts/pretraining/mutants/dataset.py)."""
    from hwbuild.catalogs import load_catalog
    _, alternatives, _ = load_catalog(os.path.join(os.path.dirname(CALIBRATION_DIR), "mutants", "dataset.py"))
    alt = next((a for a in alternatives if a.name == name), None)
    if alt is None:
        raise SystemExit(f"no span-corruption alternative called {name!r}: "
                         + "; ".join(a.name for a in alternatives))
    return alt.apply(build.solutions["dataset.py"].decode("utf-8")).encode("utf-8")


def workdir_for(build, directory, span_variant=None):
    """A copy of the student release with the solution modules in `directory` (dataset.py replaced
    by the span-corruption alternative `span_variant`, if given)."""
    for name, data in build.release.items():
        path = os.path.join(directory, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    for name, data in build.solutions.items():
        if name.endswith(".py"):
            with open(os.path.join(directory, name), "wb") as f:
                f.write(span_variant_source(build, span_variant) if span_variant and name == "dataset.py" else data)
    return directory


CPU = {}  # {command: CPU seconds of the run.py process}: on a busy machine, a better proxy than wall time


def _run(cwd, args, log):
    import resource
    cmd = [sys.executable, "run.py", *args]
    start = time.time()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = time.time() - start
    CPU[" ".join(args[:2])] = CPU.get(" ".join(args[:2]), 0.0) + round(
        after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1)
    log.write(f"$ {' '.join(args)}  ({seconds:.1f} s wall, {CPU[' '.join(args[:2])]:.1f} s CPU so far)\n"
              f"{proc.stdout[-2000:]}\n")
    log.flush()
    if proc.returncode:
        raise RuntimeError(f"run.py {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return seconds, proc.stdout


def load_avg():
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def accuracy(pred_path, answers):
    with open(pred_path, encoding="utf-8") as f:
        preds = f.read().split("\n")[:len(answers)]
    return 100.0 * sum(p == a for p, a in zip(preds, answers)) / len(answers)


def reuse_pretrained(workdir, pretrained, variant):
    """Copy `pretrained`/<variant>.pretrain.params into `workdir` and read its pretraining (wall s,
    steps, loss) from the log beside it (calibrate_<run>.log of the calibration that made it); None
    when there is no such checkpoint."""
    src = os.path.join(pretrained or "", f"{variant}.pretrain.params")
    if not pretrained or not os.path.isfile(src):
        return None
    shutil.copy(src, os.path.join(workdir, f"{variant}.pretrain.params"))
    text = "".join(open(os.path.join(pretrained, n), encoding="utf-8").read()
                   for n in sorted(os.listdir(pretrained)) if n.endswith(".log"))
    m = re.search(rf"^\$ pretrain {variant} .*\(([\d.]+) s wall.*\n(?:.*\n)*?pretrained (\d+) steps.*final loss ([\d.]+)",
                  text, re.M)
    if not m:
        raise ValueError(f"{pretrained}: no log of the pretraining of {variant}")
    return float(m.group(1)), int(m.group(2)), float(m.group(3))


def experiment(workdir, seed, threads=None, log=sys.stdout, data_seed=None, epochs=None,
               variants=("vanilla", "synthesizer"), nopretrain=("vanilla", "synthesizer"), pretrained=None):
    """Run the whole Part 3 experiment in `workdir` (a release copy with solutions); returns a dict.

    `variants` (pretrained) / `nopretrain` (fine-tuned from scratch) select parts of it (e.g. to run
    them in parallel; see merge_runs). Every fine-tuned model also gets the cloze probe on the dev and
    test people (acc "<run>.probe.<split>"), as the hidden test q3_3 probes the submitted params.
    `pretrained`: a directory with checkpoints to reuse instead of pretraining (reuse_pretrained)."""
    data_seed = part3_data.current_seed() if data_seed is None else data_seed
    data = part3_data.generate(data_seed)
    answers = {"dev": [p for _, p in data["dev"]], "test": [p for _, p in data["test"]]}
    common = ["data/wiki.txt", "--seed", str(seed), "--quiet"] + (["--threads", str(threads)] if threads else [])
    extra = ["--epochs", str(epochs)] if epochs else []
    evals = {"dev": "data/birth_dev.tsv", "test": "data/birth_test_inputs.tsv"}
    out = {"seed": seed, "data_seed": data_seed, "threads": threads, "load_start": load_avg(), "walls": {}, "acc": {}, "probe": {}}
    t0 = time.time()
    with open(os.path.join(workdir, "test_answers.tsv"), "w", encoding="utf-8") as f:  # for the probe only
        f.writelines(f"{q}\t{a}\n" for q, a in data["test"])
    probes = {"dev": evals["dev"], "test": "test_answers.tsv"}

    def probe(variant, params, key):
        for split, path in probes.items():
            _, text = _run(workdir, ["probe", variant, *common, "--reading_params_path", params,
                                     "--eval_corpus_path", path], log)
            m = re.search(r": ([\d.]+)%", text)
            out["acc"][f"{key}.{split}"] = float(m.group(1)) if m else None

    def evaluate(variant, params, run):
        for split, path in evals.items():
            dest = f"{run}.{split}.predictions"
            s, _ = _run(workdir, ["evaluate", variant, *common, "--reading_params_path", params,
                                  "--eval_corpus_path", path, "--outputs_path", dest], log)
            out["walls"][f"evaluate {run} {split}"] = round(s, 1)
            out["acc"][f"{run}.{split}"] = round(accuracy(os.path.join(workdir, dest), answers[split]), 2)

    for variant in variants:
        reused = reuse_pretrained(workdir, pretrained, variant)
        if reused:
            s, steps, loss = reused
            log.write(f"reused {pretrained}/{variant}.pretrain.params: pretrained {steps} steps in {s} s, "
                      f"final loss {loss}\n")
            out.setdefault("reused_pretraining", []).append(variant)
        else:
            s, text = _run(workdir, ["pretrain", variant, *common, *extra,
                                     "--writing_params_path", f"{variant}.pretrain.params"], log)
            m = re.search(r"pretrained (\d+) steps.*final loss ([\d.]+)", text)
            steps, loss = (int(m.group(1)), float(m.group(2))) if m else (None, None)
        out["walls"][f"pretrain {variant}"] = round(s, 1)
        if steps is not None:
            out.setdefault("pretrain_steps", {})[variant] = steps
            out.setdefault("pretrain_loss", {})[variant] = loss
        s, text = _run(workdir, ["probe", variant, *common, "--reading_params_path", f"{variant}.pretrain.params",
                                 "--eval_corpus_path", evals["dev"]], log)
        m = re.search(r": ([\d.]+)%", text)
        out["probe"][variant] = float(m.group(1)) if m else None
        s, _ = _run(workdir, ["finetune", variant, *common, "--reading_params_path", f"{variant}.pretrain.params",
                              "--writing_params_path", f"{variant}.finetune.params",
                              "--finetune_corpus_path", "data/birth_places_train.tsv"], log)
        out["walls"][f"finetune {variant}"] = round(s, 1)
        evaluate(variant, f"{variant}.finetune.params", f"{variant}.pretrain")
        probe(variant, f"{variant}.finetune.params", f"{variant}.pretrain.probe")
    for variant in nopretrain:
        s, _ = _run(workdir, ["finetune", variant, *common, "--writing_params_path", f"{variant}.nopretrain.params",
                              "--finetune_corpus_path", "data/birth_places_train.tsv"], log)
        out["walls"][f"finetune {variant} (no pretraining)"] = round(s, 1)
        evaluate(variant, f"{variant}.nopretrain.params", f"{variant}.nopretrain")
        probe(variant, f"{variant}.nopretrain.params", f"{variant}.nopretrain.probe")
    for split in ("dev", "test"):
        out["acc"][f"baseline.{split}"] = round(100 * part3_data.baseline(data["train"], data[split]), 2)
    out["wall_total_s"] = round(time.time() - t0, 1)
    out["cpu_s"] = dict(CPU)
    CPU.clear()
    out["load_end"] = load_avg()
    return out


def merge_runs(parts):
    """One run from parts of the same seed run at the same time, each on its own core: the whole
    experiment took as long as its longest part."""
    out = dict(parts[0])
    for key in ("walls", "acc", "probe", "pretrain_steps", "pretrain_loss", "cpu_s"):
        out[key] = {k: v for p in parts for k, v in p.get(key, {}).items()}
    out["wall_total_s"] = round(max(p["wall_total_s"] for p in parts), 1)
    out["load_end"] = max(p.get("load_end") or 0 for p in parts)
    out["note"] = f"{len(parts)} parts run in parallel, one core each; wall_total_s is the longest part"
    return out


def thresholds(runs, margin=None, n_test=200):
    """{run: threshold in %}: the lower of (worst test accuracy - 3 binomial SE) and half the worst,
    rounded down to 0.5 (or, with `margin`, the worst minus `margin` points)."""
    out = {}
    for run in [*THRESHOLDED, *PROBED]:
        worst = min(r["acc"][f"{run}.test"] for r in runs if f"{run}.test" in r["acc"])
        if margin is not None:
            t = worst - margin
        else:
            se = 100 * math.sqrt(max(worst / 100 * (1 - worst / 100), 1e-9) / n_test)
            t = min(worst - 3 * se, worst / 2)
        out[run] = max(0.0, math.floor(2 * t) / 2)
    return out


def machine():
    import torch
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "torch": torch.__version__, "cuda": torch.cuda.is_available(),
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}


def write_report(runs, path_json=REPORT_JSON, path_md=REPORT_MD, note=""):
    data_seed = runs[0].get("data_seed", part3_data.current_seed())
    n_test = len(part3_data.generate(data_seed)["test"])
    th = thresholds(runs, n_test=n_test)
    report = {"data_seed": data_seed, "n_test": n_test, "margin_rule": MARGIN_RULE, "thresholds": th,
              "machine": machine(), "runs": runs, "note": note, "margin_note": margin_note(runs, th, n_test)}
    os.makedirs(os.path.dirname(path_json), exist_ok=True)
    with open(path_json, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    with open(path_md, "w", encoding="utf-8") as f:
        f.write(markdown(report))
    return report


def finish(json_paths, reference_workdir=None, note=""):
    """Write the report from saved experiment results (e.g. runs started in the background with
    bench/part3.py or part3.experiment), and save `reference_workdir` as the reference run."""
    runs = []
    for p in json_paths:
        with open(p) as f:
            runs.append(json.load(f))
    if reference_workdir:
        save_reference_run(reference_workdir)
    return write_report(runs, note=note)


def margin_note(runs, th, n_test):
    """Why the margin: binomial standard error of a test accuracy near the worst run."""
    lines = []
    for run, t in th.items():
        accs = [r["acc"][f"{run}.test"] for r in runs if f"{run}.test" in r["acc"]]
        scratch = [r["acc"].get(f"{run.replace('.pretrain', '.nopretrain')}.test") for r in runs]
        scratch = [a for a in scratch if a is not None]
        p = min(accs) / 100
        se = 100 * math.sqrt(max(p * (1 - p), 1e-9) / n_test)
        lines.append(f"{run}: test accuracy {min(accs):.1f}-{max(accs):.1f}% over {len(accs)} run(s); one binomial "
                     f"SE on {n_test} questions is {se:.1f} pts; threshold {t:.1f}% is "
                     f"{min(accs) - t:.1f} pts ({(min(accs) - t) / se:.1f} SE) below the worst run"
                     + (f"; never pretrained: {min(scratch):.1f}-{max(scratch):.1f}%" if scratch else ""))
    return lines


def markdown(report):
    runs = report["runs"]
    keys = ["vanilla.nopretrain", "vanilla.pretrain", "synthesizer.nopretrain", "synthesizer.pretrain", "baseline",
            "vanilla.nopretrain.probe", "vanilla.pretrain.probe", "synthesizer.nopretrain.probe",
            "synthesizer.pretrain.probe"]
    lines = ["# Part 3 calibration (generated by `python build.py calibrate 3`; do not edit)", "",
             f"Reference solution, release defaults (`run.py`), data seed {report['data_seed']}, "
             f"{report['n_test']} hidden test questions. Machine: {report['machine']['processor']}, "
             f"{report['machine']['cpus']} CPUs, torch {report['machine']['torch']}, "
             f"CUDA {'yes: ' + str(report['machine']['gpu']) if report['machine']['cuda'] else 'no'}.", ""]
    if report.get("note"):
        lines += [report["note"], ""]
    lines += ["| seed | span corruption | threads | load (start/end) | total wall | pretrain v / s | cloze probe v / s (dev) | "
              + " | ".join(f"{k} dev / test" for k in keys) + " |",
              "|" + "---|" * (7 + len(keys))]
    for r in runs:
        w = r["walls"]
        lines.append(f"| {r['seed']} | {r.get('span_corruption', 'reference')} | {r.get('threads') or 'default'} | {r.get('load_start')} / {r.get('load_end')} | "
                     f"{r['wall_total_s'] / 60:.1f} min | {w.get('pretrain vanilla', 0):.0f} s / "
                     f"{w.get('pretrain synthesizer', 0):.0f} s | {r['probe'].get('vanilla')}% / "
                     f"{r['probe'].get('synthesizer')}% | "
                     + " | ".join(_cell(r["acc"], k) for k in keys) + " |")
    lines += ["", f"Thresholds on the hidden test set ({report['margin_rule']}):", ""]
    lines += [f"- `{k}`: at least {v:.1f}%" for k, v in report["thresholds"].items()]
    lines += ["", "Margin:", ""] + [f"- {x}" for x in report["margin_note"]]
    lines += ["", "`*.probe`: the cloze probe ('NAME was born in ') of the fine-tuned params, % of the dev / test "
              "people, as q3_3 probes a submission. `vanilla.nopretrain` is reported, not thresholded; "
              "`synthesizer.nopretrain` (fine-tuned from scratch) shows what a never-pretrained synthesizer scores.", ""]
    return "\n".join(lines)


def _cell(acc, key):
    dev, test = acc.get(key + ".dev"), acc.get(key + ".test")
    return "-" if dev is None or test is None else f"{dev:.1f} / {test:.1f}"


def save_reference_run(workdirs, dest=REFERENCE_RUN):
    """Copy the reference run's finetuned params and prediction files (from whichever of `workdirs`
    holds each) into `dest` (committed)."""
    workdirs = [workdirs] if isinstance(workdirs, str) else workdirs
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    for name in PARAMS + PREDICTIONS:
        src = next(os.path.join(w, name) for w in workdirs if os.path.exists(os.path.join(w, name)))
        shutil.copy(src, os.path.join(dest, name))
    if os.path.isdir(NOPRETRAIN_RUN):
        shutil.rmtree(NOPRETRAIN_RUN)
    os.makedirs(NOPRETRAIN_RUN)
    for name in NOPRETRAIN_FILES:
        src = next((os.path.join(w, name) for w in workdirs if os.path.exists(os.path.join(w, name))), None)
        if src:
            shutil.copy(src, os.path.join(NOPRETRAIN_RUN, name))


# calibrate --jobs: vanilla (with the no-pretraining baseline) and synthesizer as separate processes
PARTS = {"A": dict(variants=("vanilla",), nopretrain=("vanilla",)),
         "B": dict(variants=("synthesizer",), nopretrain=("synthesizer",))}
# a span-corruption variant's run: only the pretrained vanilla model (fine-tuning from scratch uses no span
# corruption; each synthesizer variant run would cost another ~12 CPU-minutes)
VARIANT_PARTS = {"A": dict(variants=("vanilla",), nopretrain=())}


def _experiment_part(job):
    """One part of one seed's run (kwargs {}: the whole experiment); returns (seed, span variant, part, result)."""
    seed, span, part, kwargs, workdir, threads, log_path = job
    with open(log_path, "w") as log:
        r = experiment(workdir, seed, threads, log, **kwargs)
    r["span_corruption"] = span or "reference"
    return seed, span, part, r


def _tag(seed, i, span):
    """A run's name in bench/logs: seed0 (reference), seed0v1 (the first span variant), ..."""
    return f"seed{seed}" + (f"v{i}" if span else "")


def calibrate(seeds=(0, 1, 2), threads=None, keep=None, log_dir=None, note="", jobs=1, span_variants=(),
              pretrained=None):
    """Run the experiment for each seed (the first is the reference run) and write the report.

    jobs > 1 runs the PARTS of every seed as separate processes, `jobs` at a time, one torch thread
    each unless `threads` says otherwise. Each of `span_variants` (names in SPAN_VARIANTS or the
    catalog) reruns every seed's pretrained models with that span corruption instead of the reference's.
    `pretrained`: reuse the checkpoints in pretrained/<run>/ (e.g. seed0A/, seed0v1A/) where there are any."""
    from concurrent.futures import ProcessPoolExecutor
    build = pipeline.build()
    log_dir = log_dir or os.path.join(pipeline.ROOT, "bench", "logs")
    os.makedirs(log_dir, exist_ok=True)
    threads = threads or (1 if jobs > 1 else None)
    plans = [(None, PARTS if jobs > 1 else {None: {}})]
    plans += [(v, VARIANT_PARTS if jobs > 1 else {None: dict(VARIANT_PARTS["A"])}) for v in span_variants]
    with tempfile.TemporaryDirectory() as tmp:
        todo = []
        for seed in seeds:
            for i, (span, plan) in enumerate(plans):
                for part, kwargs in plan.items():
                    tag = _tag(seed, i, span) + (part or "")
                    kwargs = dict(kwargs, pretrained=os.path.join(pretrained, tag)) if pretrained else kwargs
                    todo.append((seed, span, part, kwargs, workdir_for(build, os.path.join(keep or tmp, tag), span),
                                 threads, os.path.join(log_dir, f"calibrate_{tag}.log")))
        results = {}
        with ProcessPoolExecutor(jobs) if jobs > 1 else contextlib.nullcontext() as pool:
            for seed, span, part, r in (pool.map if pool else map)(_experiment_part, todo):
                print(json.dumps(r), flush=True)
                results[seed, span, part] = r
        runs = []
        for seed in seeds:
            for i, (span, plan) in enumerate(plans):
                r = merge_runs([results[seed, span, p] for p in plan]) if jobs > 1 else results[seed, span, None]
                with open(os.path.join(log_dir, f"calibrate_{_tag(seed, i, span)}.json"), "w") as f:
                    json.dump(r, f, indent=1)
                runs.append(r)
        save_reference_run([job[4] for job in todo if job[0] == seeds[0] and job[1] is None])
    report = write_report(runs, note=note)
    print(markdown(report))
    return report
