"""Grading through the Gradescope entry point: full marks, zero for the stub, broken submissions."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, graded_tests

SOLUTIONS = os.path.join(ROOT, "solutions")
RELEASE = os.path.join(ROOT, "student_release")
STATUS = {"passed", "failed"}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def assert_gradescope_schema(results):
    assert isinstance(results["score"], (int, float))
    assert results["stdout_visibility"] in VISIBILITY
    for t in results["tests"]:
        assert isinstance(t["name"], str) and t["name"]
        assert t.get("visibility", "visible") in VISIBILITY
        assert t.get("status", "passed") in STATUS
        assert isinstance(t.get("output", ""), str)
        if "max_score" in t:
            assert 0 <= t["score"] <= t["max_score"]
    assert results["score"] == pytest.approx(sum(t.get("score", 0) for t in results["tests"]))


@pytest.fixture(scope="module")
def solution_results(grade):
    return grade(SOLUTIONS)


@pytest.fixture(scope="module")
def stub_results(grade):
    return grade(RELEASE)


def test_solutions_score_full_marks(solution_results):
    tests = graded_tests(solution_results)
    assert tests and all(t["status"] == "passed" for t in tests), [t["name"] for t in tests if t["status"] != "passed"]
    assert solution_results["score"] == sum(t["max_score"] for t in tests) > 0
    assert_gradescope_schema(solution_results)


def test_stub_fails_every_single_test(stub_results, solution_results):
    tests = graded_tests(stub_results)
    assert len(tests) == len(graded_tests(solution_results))
    assert [t["name"] for t in tests if t["status"] == "passed"] == []
    assert stub_results["score"] == 0
    assert any("NotImplementedError" in t["output"] for t in tests)
    assert_gradescope_schema(stub_results)


def test_public_and_hidden_visibility(stub_results):
    tests = graded_tests(stub_results)
    public = [t for t in tests if "public" in t["tags"]]
    hidden = [t for t in tests if "hidden" in t["tags"]]
    assert public and hidden
    assert all(t["visibility"] == "visible" for t in public)
    assert all(t["visibility"] == "after_published" for t in hidden)
    # otter quotes the failing line of test code; hidden tests must not show it
    assert all("Error at line" not in t["output"] for t in hidden)
    assert any("Error at line" in t["output"] for t in public)


def test_syntax_error_costs_only_that_module_and_shows_the_error(grade, tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    src = open(os.path.join(SOLUTIONS, "attention.py")).read().replace("import math\n", "import math(\n", 1)
    (sub / "attention.py").write_text(src)
    results = grade(sub)
    attention_tests = [t for t in graded_tests(results) if "attention" in t["tags"]]
    assert attention_tests and all(t["status"] == "failed" for t in attention_tests)
    assert "SyntaxError" in results["output"] and "attention.py" in results["output"]
    assert "SyntaxError" in attention_tests[0]["output"]
    assert "/tmp" not in results["output"]  # paths shown relative to the student's own files
    assert_gradescope_schema(results)


def test_make_submission_zip_and_flat_files_grade_the_same(grade, tmp_path, solution_results):
    release = tmp_path / "release"
    shutil.copytree(RELEASE, release)
    for name in os.listdir(SOLUTIONS):  # the modules and the reference run's result files
        if name != "README.md":
            shutil.copy(os.path.join(SOLUTIONS, name), release / name)
    out = subprocess.run([sys.executable, "make_submission.py"], cwd=release, capture_output=True, text=True)
    assert out.returncode == 0 and "attention.py" in out.stdout, out.stdout + out.stderr
    zipped = grade(release / "submission.zip")
    assert zipped["score"] == solution_results["score"]
    assert "submitted as submission_unzipped/attention.py" in zipped["output"]
    assert "not submitted" not in zipped["output"]


def test_missing_module_falls_back_to_the_release_stub(grade, tmp_path):
    sub = tmp_path / "empty"
    sub.mkdir()
    (sub / "notes.txt").write_text("forgot my code")
    results = grade(sub)
    assert results["score"] == 0
    assert "not submitted" in results["output"]
    assert any("NotImplementedError" in t["output"] for t in graded_tests(results))


def test_only_grades_one_module(grade, solution_results):
    only = grade(SOLUTIONS, only="attention")
    assert {t["name"] for t in graded_tests(only)} == {t["name"] for t in graded_tests(solution_results)
                                                        if "attention" in t["tags"]}


def test_grade_cli_prints_table_and_writes_json(tmp_path):
    out = tmp_path / "results.json"
    r = subprocess.run([sys.executable, "build.py", "grade", SOLUTIONS, "--json", str(out), "--only", "attention"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    results = json.loads(out.read_text())
    total = sum(t["max_score"] for t in graded_tests(results))
    assert f"Total: {total:g} / {total:g}" in r.stdout
    assert "pass" in r.stdout and "FAIL" not in r.stdout


def test_harness_reads_test_metadata_without_importing_torch(build, tmp_path):
    """The harness process learns every case's name, points and visibility from harness/tests.json, never by
    executing test files (that would load torch into a third process in Gradescope's 768 MB container)."""
    from hwbuild import pipeline

    source = tmp_path / "source"
    pipeline.write_tree(str(source), build.autograder)
    probe = ("import sys; sys.path[:0] = [sys.argv[1] + '/harness', sys.argv[1] + '/files']\n"
             "import grade\n"
             "questions = grade.load_test_files(sys.argv[1])\n"
             "print(sum(c.points for _, cases, _ in questions for c in cases), len(questions))\n"
             "assert 'torch' not in sys.modules, 'the harness imported torch'")
    out = subprocess.run([sys.executable, "-c", probe, str(source)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    total = sum(c.points for q in build.questions for c in q.cases)
    points, questions = out.stdout.split()
    assert float(points) == pytest.approx(total) and int(questions) == len(build.questions)
