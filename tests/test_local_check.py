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
    assert "max abs error" in r.stdout and "expected" in r.stdout and "got" in r.stdout
