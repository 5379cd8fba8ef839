"""Metrics for Gradescope's leaderboard, reported by the tests that compute them.

A test calls `record("vanilla pretrain accuracy (%)", acc)` with a number it computed itself (never
an object a student function returned). While the autograder grades, its entry file points FILE at
a file in the results directory, which the harness reads after grading (autograder/harness/results.py
keeps only the metrics the selected parts declare in part.yml under `leaderboard`, finite numbers,
and only when assignment.yml has `leaderboard: true`). Anywhere else (check.py, notebooks,
`build.py verify`) FILE is None and `record` does nothing.
"""
import json
import math

FILE = None  # set by the autograder's entry file (autograder/harness/entry.py)
MAX_NAME = 100


def record(name, value):
    """Report metric `name` (as declared in the part's part.yml) with `value`, a real finite number;
    anything else is ignored, so a metric can never make a test fail."""
    if FILE is None or not isinstance(name, str) or len(name) > MAX_NAME or isinstance(value, bool) \
            or not isinstance(value, (int, float)):
        return
    try:
        value = float(value)
        if math.isfinite(value):
            with open(FILE, "a", encoding="utf-8") as f:
                f.write(json.dumps({"name": name, "value": value}) + "\n")
    except (OverflowError, OSError):
        pass
