"""The student's one-command public check: same tests, direct calls, exit code follows the results."""
import os
import shutil
import subprocess
import sys

from conftest import ROOT


def _check(release, *args):
    return subprocess.run([sys.executable, "check.py", *args], cwd=release, capture_output=True, text=True)


def test_check_fails_on_the_stub(tmp_path):
    release = tmp_path / "release"
    shutil.copytree(os.path.join(ROOT, "student_release"), release)
    r = _check(release)
    assert r.returncode == 1
    assert "FAIL" in r.stdout and "PASS" not in r.stdout
    assert "NotImplementedError: pairwise_similarities: compute A = Q K^T" in r.stdout


def test_check_passes_with_the_solution_and_selects_a_module(tmp_path):
    release = tmp_path / "release"
    shutil.copytree(os.path.join(ROOT, "student_release"), release)
    shutil.copy(os.path.join(ROOT, "solutions", "attention.py"), release / "attention.py")
    r = _check(release, "attention")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 failed" in r.stdout and "FAIL" not in r.stdout


def test_check_reports_expected_and_got(tmp_path):
    release = tmp_path / "release"
    shutil.copytree(os.path.join(ROOT, "student_release"), release)
    src = open(os.path.join(ROOT, "solutions", "attention.py")).read()
    (release / "attention.py").write_text(src.replace("return A / math.sqrt(n_embd / n_heads)",
                                                      "return A / math.sqrt(n_embd)"))
    r = _check(release, "q2_2_attn_scaled")
    assert r.returncode == 1
    row = next(l for l in r.stdout.splitlines() if "FAIL" in l)  # part | question | test | result | hint
    assert row.split()[:2] == ["2", "q2_2_attn_scaled"]
    assert "attn_scaled: at index (0, 0) expected 1, got 0.707107" in row
    assert "0 passed, 1 failed" in r.stdout
    r = _check(release, "--verbose", "q2_2_attn_scaled")
    assert r.returncode == 1
    assert "max abs error" in r.stdout and "expected" in r.stdout and "got" in r.stdout


def test_check_prints_a_table_with_hints_and_a_summary(tmp_path, build):
    release = tmp_path / "release"
    shutil.copytree(os.path.join(ROOT, "student_release"), release)
    shutil.copy(os.path.join(ROOT, "solutions", "query_crafting.py"), release / "query_crafting.py")
    r = _check(release, "query_crafting", "q2_1_pairwise_similarities")
    assert r.returncode == 1, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["part", "question", "test", "result", "hint"]
    rows = [l.split(None, 2) for l in lines if l.startswith(("1 ", "2 "))]
    part1 = [q for q in build.questions if q.part == "1"]
    n1 = sum(1 for q in part1 for c in q.cases if not c.hidden)
    assert {q for _, q, _ in rows} == {q.name for q in part1} | {"q2_1_pairwise_similarities"}
    assert all(" PASS" in rest for p, _, rest in rows if p == "1")
    (fail,) = [rest for p, _, rest in rows if p == "2"]
    assert " FAIL " in fail and fail.rstrip().endswith(
        "NotImplementedError: pairwise_similarities: compute A = Q K^T over the last two dimensions")
    assert f"{n1} passed, 1 failed (Part 1 {n1}/{n1}, Part 2 0/1)" in r.stdout
    assert "Error at line" not in r.stdout  # the full message only with --verbose


def test_check_points_to_the_students_line_for_python_errors(tmp_path):
    release = tmp_path / "release"
    shutil.copytree(os.path.join(ROOT, "student_release"), release)
    src = open(os.path.join(ROOT, "solutions", "attention.py")).read()
    (release / "attention.py").write_text(src.replace("return Q @ K.transpose(-2, -1)", "return Q @ K"))
    r = _check(release, "q2_1_pairwise_similarities")
    assert r.returncode == 1
    row = next(l for l in r.stdout.splitlines() if "FAIL" in l)
    assert "in pairwise_similarities (attention.py:" in row and "RuntimeError: mat1 and mat2" in row
