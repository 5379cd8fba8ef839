"""Part 3's calibration hook for `python build.py verify` (hwbuild/verify.py: part3_calibration).

check(build, report_path) -> (ok, message): the thresholds of the hidden accuracy test
(autograder/tests/q3_3_accuracy.py, THRESHOLDS) must not exceed those of the committed calibration
report part3.json (the worst calibration run minus the stated margin), the report must be for the
data seed the hidden answers come from, and the reference run's files must be in solutions/ and
score at least the thresholds on the hidden answers.
"""
import ast
import json


def _constants(source):
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return out


def check(build, report_path):
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    q = next((q for q in build.questions if q.name == "q3_3_accuracy"), None)
    if q is None:
        return False, "no question q3_3_accuracy"
    consts = _constants(q.source)
    tests, calibrated = consts.get("THRESHOLDS", {}), report.get("thresholds_pct", {})
    problems = []
    if consts.get("DATA_SEED") != report.get("data_seed"):
        problems.append(f"the hidden answers are for data seed {consts.get('DATA_SEED')} but the report for "
                        f"{report.get('data_seed')}: run `python build.py calibrate`")
    for run, t in tests.items():
        if run not in calibrated:
            problems.append(f"{run}: no calibrated threshold in the report")
        elif t > calibrated[run] + 1e-9:
            problems.append(f"{run}: the test's threshold {t}% is above the calibrated {calibrated[run]}%")
    answers = consts.get("TEST_ANSWERS", [])
    for run, t in tests.items():
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
    worst = {r: min(x["acc"][f"{r}.test"] for x in runs) for r in tests} if runs else {}
    return True, (f"{len(runs)} calibration run(s); thresholds " +
                  ", ".join(f"{r} {t}% (worst run {worst.get(r, float('nan')):.1f}%)" for r, t in tests.items()))
