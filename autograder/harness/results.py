"""Gradescope's results.json from otter's grading results: one Gradescope test per test case.

Public cases show otter's full message. Hidden cases show only pass/fail and the exception raised
(our hidden assertions never print expected values); the line of test code otter quotes is
dropped so hidden test code never reaches a student.

Every output is Markdown (results_md.py): student text (exception messages, file names, import
errors) sits in code blocks or is escaped, and sizes are bounded before fences are written. `write`
also cleans every string (lone surrogates replaced, control characters other than newline and tab
removed) and always leaves a valid results.json. The summary at the top starts with a table of
points per part. With the leaderboard on (assignment.yml), `leaderboard` holds the metrics the
tests recorded (hw_support/leaderboard.py), validated here.
"""
import json
import os
import re
import sys

from hw_support.otter_adapter import question_part
from results_md import MAX_OUTPUT, MAX_TEST_OUTPUT, clean, join_summary, points_table, test_output, truncate

FAILED = "❌"


def student_safe(message):
    """otter's failure message without its 'Error at line N in test X:' line and the quoted test code."""
    lines = message.split("\n")
    if len(lines) >= 3 and re.match(r"Error at line \d+ in test ", lines[1]):
        return "\n".join([lines[0]] + lines[3:])
    return message


def case_entry(question, number, case, passed, message, modules, hidden_visibility):
    points = case.points or 0
    shown = message if not case.hidden else student_safe(message)
    return {
        "name": case.name,
        "number": number,
        "score": round(points if passed else 0, 5),
        "max_score": round(points, 5),
        "status": "passed" if passed else "failed",
        "visibility": hidden_visibility if case.hidden else "visible",
        "output": test_output(shown, hint=None if passed else case.failure_message,
                              note=case.success_message if passed else None),
        "output_format": "md",
        "tags": sorted(modules) + ["hidden" if case.hidden else "public"],
    }


def build(test_files, outcomes, config, summary, notice="", leaderboard=None):
    """results.json as a dict.

    test_files: [(question, [TestCase], modules)] in grading order; outcomes: {(question, case name):
    (passed, message)}; a case with no outcome failed with `config.not_run_message` (settings.Settings).
    The top output: `notice` (a grading problem), the points table, then `summary` (Markdown sections,
    results_md.summary_sections). `leaderboard`: leaderboard_entries(...), kept only if
    config.leaderboard declares metrics.
    """
    tests, part_counter, points = [], {}, {}
    for question, cases, modules in test_files:
        part = question_part(question)
        part_counter[part] = part_counter.get(part, 0) + 1
        for i, case in enumerate(cases, 1):
            passed, message = outcomes.get((question, case.name), (False, FAILED + " " + config.not_run_message))
            entry = case_entry(question, f"{part}.{part_counter[part]}.{i}", case, passed, message,
                               modules, config.hidden_visibility)
            tests.append(entry)
            row = points.setdefault(part, {"public": [0.0, 0.0], "hidden": [0.0, 0.0]})
            kind = row["hidden" if case.hidden else "public"]
            kind[0] += entry["score"]
            kind[1] += entry["max_score"]
    titles = {str(p.get("number")): str(p.get("title", "")) for p in config.parts}
    table = points_table(points, titles, config.hidden_visibility == "visible") if points else ""
    doc = {
        "score": round(sum(t.get("score", 0) for t in tests), 5),
        "output": join_summary([notice, table] + list(summary)),
        "output_format": "md",
        "test_output_format": "md",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    if config.leaderboard:
        doc["leaderboard"] = list(leaderboard or [])
    return doc


# ------------------------------------------------------------------------------ leaderboard

MAX_LEADERBOARD_BYTES = 65536  # of the file the tests write
MAX_METRIC = 1e12


def leaderboard_entries(path, metrics):
    """[{name, value, order}] for Gradescope, from the metrics the tests recorded in `path` (JSON lines
    {"name", "value"}; a later line wins), in the order of `metrics` ([{name, order}], the selected
    parts' declarations). Only declared names, real finite numbers of at most MAX_METRIC in size and
    the file's first MAX_LEADERBOARD_BYTES count; anything else is dropped."""
    declared = {m["name"]: m.get("order", "desc") for m in metrics}
    values = {}
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            data = f.read(MAX_LEADERBOARD_BYTES)
    except OSError:
        return []
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            record = json.loads(line)
            name, value = record["name"], record["value"]
        except (ValueError, KeyError, TypeError):
            continue
        if isinstance(name, str) and name in declared and type(value) in (int, float) \
                and abs(value) <= MAX_METRIC:  # (False for NaN; exact for huge ints)
            values[name] = round(float(value), 6)
    return [{"name": n, "value": values[n], "order": declared[n]} for n in declared if n in values]


# ------------------------------------------------------------------------------ results.json

def _cleaned(obj):
    """A copy of a JSON-able object with every string (keys too) cleaned and test outputs cut."""
    if isinstance(obj, dict):
        return {clean(k): _cleaned(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_cleaned(v) for v in obj]
    if isinstance(obj, str):
        return clean(obj)
    if isinstance(obj, float) and obj != obj:  # NaN is not JSON
        return 0.0
    if obj is None or isinstance(obj, (bool, int, float)):
        return obj
    return clean(obj)


def _safe_document(results):
    doc = _cleaned(results)
    for t in doc.get("tests", []):
        if isinstance(t.get("output"), str):
            t["output"] = truncate(t["output"], MAX_TEST_OUTPUT)
    doc["output"] = truncate(doc.get("output", ""), MAX_OUTPUT)
    doc.setdefault("stdout_visibility", "hidden")  # stdout holds tracebacks: instructors only
    return doc


def _minimal(results):
    """A minimal valid document: the tests' scores without outputs, or nothing at all."""
    tests = []
    try:
        for t in results.get("tests", []):
            score, max_score = float(t["score"]), float(t["max_score"])
            tests.append({"name": clean(t["name"])[:200], "score": score, "max_score": max_score,
                          "status": "passed" if score >= max_score else "failed",
                          "visibility": clean(t.get("visibility", "visible"))})
    except Exception:
        tests = []
    return {"score": sum(t["score"] for t in tests), "stdout_visibility": "hidden", "tests": tests,
            "output": "The grader could not write its full results; scores only."}


def write(results, results_dir):
    """Write results_dir/results.json atomically; it always succeeds in leaving a valid document
    (cleaned and cut as the module docstring says, or a minimal one if that fails). Returns what
    was written."""
    path = os.path.join(results_dir, "results.json")
    tmp = path + ".tmp"
    for make in (_safe_document, _minimal, lambda r: {"score": 0, "tests": [], "stdout_visibility": "hidden",
                                                      "output": "The grader could not write its results."}):
        try:
            doc = make(results)
            text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
            return doc
        except Exception as e:
            print(f"results.json: {type(e).__name__}: {e!r}"[:2000], file=sys.stderr, flush=True)
    return None
