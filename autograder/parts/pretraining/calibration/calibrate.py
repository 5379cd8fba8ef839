"""Part 3's calibration (hwbuild/calibration.py's interface): `python build.py calibrate 3`.

calibrate(args, folder): experiment.py's reference experiment for args.seeds (or, with --from-logs,
only the report from saved runs), writing report.json (thresholds: the worst run minus the stated
margin), report.md and reference_run/ here.

check(build, report) -> (ok, message): the report must be for the data seed the hidden answers come
from, every run the hidden accuracy test scores must have a threshold, and the reference run's files
must be in solutions/ and score at least the thresholds on the hidden answers; the question-answering
thresholds must be well above the baseline (OVER_BASELINE).
"""
import ast

from hwbuild.parts import hidden_module

SCORED = ("vanilla.pretrain", "synthesizer.pretrain")  # the runs q3_3_accuracy thresholds
PROBED = tuple(f"{run}.probe" for run in SCORED)  # ... and the cloze probes of their fine-tuned params
# Question answering must prove pretraining: its threshold at least this many times the most-common-place
# baseline (CS224N: 10% against London's 5%; the synthesizer learns less, and its probe grades it too).
OVER_BASELINE = {"vanilla.pretrain": 2.0, "synthesizer.pretrain": 1.5}


def _constants(source):
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return out


def calibrate(args, folder):
    experiment = hidden_module("pretraining", "calibration/experiment.py")
    if getattr(args, "from_logs", None):
        print(experiment.markdown(experiment.finish(args.from_logs, note=args.note)))
    else:
        spans = getattr(args, "span_variants", None)
        spans = experiment.SPAN_VARIANTS if spans == [] else (spans or ())
        experiment.calibrate(args.seeds, args.threads, note=args.note, jobs=args.jobs, span_variants=spans,
                             pretrained=getattr(args, "pretrained", None))


def check(build, report):
    q = next((q for q in build.questions if q.name.endswith("_accuracy") and "TEST_ANSWERS" in q.source), None)
    if q is None:
        return False, "no hidden accuracy question (q3_3_accuracy)"
    consts = _constants(q.source)
    tests = report["thresholds"]
    problems = [f"{run}: no threshold in the report" for run in SCORED + PROBED if run not in tests]
    if consts.get("DATA_SEED") != report.get("data_seed"):
        problems.append(f"the hidden answers are for data seed {consts.get('DATA_SEED')} but the report for "
                        f"{report.get('data_seed')}: run `python build.py calibrate 3`")
    answers = consts.get("TEST_ANSWERS", [])
    for run in PROBED:  # pretraining must be what the probe measures: never-pretrained models stay below
        scratch = [(x["seed"], x["acc"].get(run.replace(".pretrain", ".nopretrain") + ".test"))
                   for x in report.get("runs", []) if x.get("span_corruption", "reference") == "reference"]
        problems += [f"seed {seed}: a never-pretrained model's {run} {a}% reaches the threshold {tests.get(run)}%"
                     for seed, a in scratch if a is None or a >= tests.get(run, 0)]
    baseline = max((x["acc"].get("baseline.test", 0.0) for x in report.get("runs", [])), default=0.0)
    problems += [f"{run}: threshold {tests[run]}% is below {factor:g}x the most-common-place baseline ({baseline}%), "
                 "so it cannot show that pretraining helps: the calibration runs are too weak for this corpus"
                 for run, factor in OVER_BASELINE.items() if run in tests and tests[run] < factor * baseline]
    for run, t in tests.items():
        if run in PROBED:
            continue
        name = f"{run}.test.predictions"
        data = build.solutions.get(name)
        if data is None:
            problems.append(f"solutions/{name} is missing (the reference run)")
            continue
        preds = data.decode("utf-8").split("\n")[:len(answers)]
        acc = 100.0 * sum(p == a for p, a in zip(preds, answers)) / max(1, len(answers))
        if acc < t:
            problems.append(f"the reference run's {run} scores {acc:.1f}% < threshold {t}%")
    if problems:
        return False, "; ".join(problems)
    runs = report.get("runs", [])
    worst = {r: min(x["acc"][f"{r}.test"] for x in runs if f"{r}.test" in x["acc"]) for r in tests} if runs else {}
    return True, (f"{len(runs)} calibration run(s); thresholds " +
                  ", ".join(f"{r} {t}% (worst run {worst.get(r, float('nan')):.1f}%)" for r, t in tests.items()))
