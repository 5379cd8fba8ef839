"""The class's grade sheet: one CSV row per submission from its results.json, and shard merging.

Columns: submission, names, sids, emails (a group's joined with '; '), created_at, one column per
question (its points: the question's test cases summed, matched through results.json's test
`number`, part.question.case, the numbering of autograder/harness/results.py), total, and three
0/1 flags:

- timed_out: a test hit its time limit (the sandbox's "timed out after ..." messages) or grading
  ran past the total limit (the grader's log says so);
- crashed: grade() failed (no results.json; OUT/<submission>/error.txt says why) or the harness
  reported that it could not finish or could not isolate student code (grade.py's summaries);
- not_run: some test did not run (its output is the settings' not_run_message).

Cells holding student text (names, file names) that a spreadsheet would read as a formula get a
leading apostrophe.
"""
import csv
import json
import os

from . import pipeline, zips  # noqa: F401 (pipeline puts hw_support on sys.path)
from hw_support.otter_adapter import question_part  # noqa: E402

IDENTITY = ["submission", "names", "sids", "emails", "created_at"]
FLAGS = ["timed_out", "crashed", "not_run"]
TIMEOUT_MARKERS = ("timed out after ", "timed out in an earlier test")  # sandbox/client.py StudentTimeout
TOTAL_LIMIT_MARKER = "grading ran past its total limit"  # grade.py, in the grader's log
CRASH_MARKERS = ("The grader could not finish running your code",  # grade.py's summaries
                 "Grading stopped: the grader's sandbox could not be set up",
                 "The grader could not summarise its results")
DEFAULT_NOT_RUN = "Not run: the grader stopped before reaching this test"  # settings.NOT_RUN's start


class GradesError(Exception):
    """CSVs that cannot be merged; the message names the file and the problem."""


def limits(autograder_zip):
    """{'not_run_message': ...} from the zip's harness/grading.json (the harness's own settings)."""
    settings = json.loads(zips.read_zip(autograder_zip).get("harness/grading.json", b"{}"))
    return {"not_run_message": settings.get("not_run_message") or DEFAULT_NOT_RUN}


def columns(questions):
    return IDENTITY + list(questions) + ["total"] + FLAGS


def question_numbers(questions):
    """{'2.3': 'q2_3_attn_scaled'}: results.json's part.question prefix of each question's cases."""
    counter, out = {}, {}
    for q in questions:
        part = question_part(q)
        counter[part] = counter.get(part, 0) + 1
        out[f"{part}.{counter[part]}"] = q
    return out


def _safe(text):
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _points(value):
    return f"{round(float(value), 5):g}"


def row(submission, folder, questions, limits):
    """The CSV row (a dict) of one submission graded into `folder`."""
    people = submission.submitters
    r = {"submission": _safe(submission.id), "created_at": _safe(submission.created_at),
         "names": _safe("; ".join(p.name for p in people)), "sids": _safe("; ".join(p.sid for p in people)),
         "emails": _safe("; ".join(p.email for p in people))}
    try:
        with open(os.path.join(folder, "results.json"), encoding="utf-8") as f:
            results = json.load(f)
    except (OSError, ValueError):
        results = None
    if not isinstance(results, dict):
        return dict(r, **{q: "0" for q in questions}, total="0", timed_out=0, crashed=1, not_run=0)
    numbers = question_numbers(questions)
    points = dict.fromkeys(questions, 0.0)
    tests = results.get("tests")
    tests = [t for t in tests if isinstance(t, dict)] if isinstance(tests, list) else []
    for t in tests:
        q = numbers.get(".".join(str(t.get("number", "")).split(".")[:2]))
        if q is not None and "max_score" in t:
            points[q] += _number(t.get("score"))
    outputs = [str(t.get("output", "")) for t in tests]
    overall = str(results.get("output", ""))
    r.update({q: _points(p) for q, p in points.items()}, total=_points(_number(results.get("score"))))
    r["timed_out"] = int(any(m in o for o in outputs for m in TIMEOUT_MARKERS)
                         or TOTAL_LIMIT_MARKER in _read(os.path.join(folder, "grader.log")))
    r["crashed"] = int(any(m in overall for m in CRASH_MARKERS))
    r["not_run"] = int(any(limits["not_run_message"] in o for o in outputs))
    return r


def write(path, header, rows):
    """Rows sorted by submission id."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, header)
        w.writeheader()
        w.writerows(sorted(rows, key=lambda r: r["submission"]))


def merge(paths, out):
    """Join shard CSVs with the same columns into `out`; GradesError on different columns or a
    submission in more than one file. Returns the number of rows."""
    header, rows, seen = None, [], {}
    for path in paths:
        try:
            with open(path, newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                fields = reader.fieldnames
                part = list(reader)
        except OSError as e:
            raise GradesError(f"{path}: cannot be read ({e.strerror})") from None
        if not fields or "submission" not in fields:
            raise GradesError(f"{path}: not a grade-all CSV (no submission column)")
        if header is None:
            header, first = fields, path
        elif fields != header:
            extra, missing = sorted(set(fields) - set(header)), sorted(set(header) - set(fields))
            detail = (f"extra {', '.join(extra)}; " if extra else "") + \
                (f"missing {', '.join(missing)}; " if missing else "") + ("" if extra or missing else "another order; ")
            raise GradesError(f"{path}: its columns differ from {first}'s ({detail}graded with another "
                              "autograder zip or --only?)")
        for r in part:
            if r["submission"] in seen:
                raise GradesError(f"submission {r['submission']} is in both {seen[r['submission']]} and {path} "
                                  "(overlapping shards?)")
            seen[r["submission"]] = path
            rows.append(r)
    write(out, header, rows)
    return len(rows)
