"""The autograder zip run as Gradescope runs it: unpacked into /autograder/source, the submission in
/autograder/submission, the zip's own run_autograder copied to /autograder and run with bash, results
in /autograder/results. This test's Python stands in for the image's environment (ATTENTION_HW_PYTHON,
which run_autograder honours), or the interpreter named by ATTENTION_HW_TEST_IMAGE_PYTHON, e.g. a venv
with only the image's packages (`python bench/image.py --keep DIR`: DIR/after/bin/python; DIR outside
/tmp, which the sandbox replaces with its own). The project
stays hidden from student code (`build.py grade`'s private paths). Scores must equal `build.py grade`'s
for the same submission.
"""
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT, graded_tests
from hwbuild import grading, image
from isolation import PRIVATE_ENV
from test_adversarial import OUT_OF_REACH, hostile
from test_grading import assert_gradescope_schema

AUTOGRADER = "/autograder"
OURS = os.path.join(AUTOGRADER, ".attention-hw-layout-test")  # marks an /autograder this test made
IMAGE_PYTHON = os.environ.get("ATTENTION_HW_TEST_IMAGE_PYTHON", sys.executable)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="lays out /autograder and runs the grader as "
                                "Gradescope does, as root (the sandbox switches to a student user)")


@pytest.fixture
def gradescope(autograder_zip):
    """gradescope(submission) -> (results.json, log, tests/ file sizes) from a fresh /autograder."""
    if os.path.lexists(AUTOGRADER) and not os.path.exists(OURS):
        pytest.skip(f"{AUTOGRADER} exists and was not made by this test: refusing to touch it")

    def _run(submission):
        shutil.rmtree(AUTOGRADER, ignore_errors=True)
        os.makedirs(AUTOGRADER, mode=0o700)  # closed from the start: other tests' student code may be hunting
        os.makedirs(os.path.join(AUTOGRADER, "results"))
        open(OURS, "w").close()
        source = os.path.join(AUTOGRADER, "source")
        with zipfile.ZipFile(autograder_zip) as zf:
            zf.extractall(source)
        shutil.copy(os.path.join(source, "run_autograder"), os.path.join(AUTOGRADER, "run_autograder"))
        grading.place_submission(str(submission), os.path.join(AUTOGRADER, "submission"))
        grading.write_submission_metadata(AUTOGRADER)
        env = dict(os.environ, **{image.PYTHON_OVERRIDE: IMAGE_PYTHON,
                                  PRIVATE_ENV: os.pathsep.join(grading.private_paths(autograder_zip))})
        proc = subprocess.run(["bash", os.path.join(AUTOGRADER, "run_autograder")], cwd=AUTOGRADER, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
        with open(os.path.join(AUTOGRADER, "results", "results.json")) as f:
            results = json.load(f)
        tests = {n: os.path.getsize(os.path.join(source, "tests", n)) for n in os.listdir(os.path.join(source, "tests"))}
        return results, proc.stdout, tests

    try:
        yield _run
    finally:
        if os.path.exists(OURS):
            shutil.rmtree(AUTOGRADER)


def scores(results):
    return {(t.get("number"), t["name"]): (t["score"], t["status"]) for t in graded_tests(results)}


def assert_same_as_build_grade(results, log, grade, submission):
    assert_gradescope_schema(results)
    assert "launcher: bwrap" in log, log[-3000:]  # the sandbox ran, hiding the project
    expected = grade(submission)
    assert scores(results) == scores(expected)
    assert results["score"] == pytest.approx(expected["score"])


def test_reference_solutions_get_full_marks_at_gradescopes_layout(gradescope, grade):
    solutions = os.path.join(ROOT, "solutions")
    results, log, _ = gradescope(solutions)
    assert_same_as_build_grade(results, log, grade, solutions)
    assert results["score"] == sum(t["max_score"] for t in graded_tests(results)) > 0, log[-3000:]


def test_hostile_submission_cannot_reach_results_or_tests_at_gradescopes_layout(gradescope, grade, tmp_path):
    (tmp_path / "attention.py").write_text(hostile(OUT_OF_REACH))  # other modules: the release's stubs
    results, log, tests = gradescope(tmp_path)
    assert_same_as_build_grade(results, log, grade, tmp_path)
    failed = [t for t in graded_tests(results) if t["name"].startswith("pairwise_similarities:")]
    assert failed and all(t["status"] == "failed" and "nothing readable" in t["output"] for t in failed)
    assert 0 < results["score"] < 1000 and results["tests"]
    assert tests and all(size > 0 for size in tests.values())  # the hidden tests were not overwritten
