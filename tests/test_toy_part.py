"""A new part is added by its two folders alone (README: Adding a part): built, graded, verified."""
import json
import subprocess
import sys

from conftest import run_build

# Every file of the toy part: README's "Adding a part" lists exactly these.
TOY_FILES = {
    "assignment/parts/toy/part.yml": """\
title: Toy clipping
number: 5
modules: [toy]
readme: {what: "`clip`", training: none, cpu: seconds, gpu: seconds}
""",
    "assignment/parts/toy/toy.py": '''\
"""Toy part: one function."""


def clip(x, lo, hi):
    """x limited to the range [lo, hi]."""
    # BEGIN SOLUTION limit x to the range [lo, hi]
    return max(lo, min(x, hi))
    # END SOLUTION
''',
    "assignment/parts/toy/tests/q5_1_clip.py": '''\
from otter.test_files import test_case

OK_FORMAT = False
name = "q5_1_clip"


@test_case(name="clip: inside, below and above the range", points=1)
def public_clip(toy):
    assert toy.clip(5, 0, 10) == 5 and toy.clip(-3, 0, 10) == 0 and toy.clip(12, 0, 10) == 10
''',
    "assignment/parts/toy/written.md": """\
## Part 5: Toy clipping

### 5.1 Why clip [1 point]

_Your answer:_
""",
    "autograder/parts/toy/rubrics.md": """\
### 5.1 Why clip [1 point]

#### Model answer
Clipping keeps a value inside the range that the code after it can handle.

#### Rubric
- +1: says that the value stays inside a range that later code needs
""",
    "autograder/parts/toy/tests/q5_1_clip.py": '''\
from otter.test_files import test_case


@test_case(name="clip: the bounds and fractions", points=1, hidden=True)
def hidden_bounds(toy):
    assert toy.clip(0, 0, 10) == 0 and toy.clip(10, 0, 10) == 10 and toy.clip(2.5, -1.5, 7) == 2.5
''',
    "autograder/parts/toy/mutants/toy.py": '''\
from hwbuild.mutants import Alternative, Mutant

SOLUTION = "return max(lo, min(x, hi))"
MUTANTS = [Mutant(function="clip", name=name, caught_by=["q5_1_clip"], replace=(SOLUTION, new)) for name, new in [
    ("returns x", "return x"), ("min and max swapped", "return min(lo, max(x, hi))"),
    ("lower bound only", "return max(lo, x)"), ("upper bound only", "return min(x, hi)"),
    ("rounds to an int", "return int(max(lo, min(x, hi)))")]]
ALTERNATIVES = [Alternative(function="clip", name="conditional expression",
                            replace=(SOLUTION, "return lo if x < lo else hi if x > hi else x"))]
''',
}


def test_a_toy_part_added_by_its_folders_is_built_graded_and_verified(repo_copy, tmp_path):
    for path, text in TOY_FILES.items():
        (repo_copy / path).parent.mkdir(parents=True, exist_ok=True)
        (repo_copy / path).write_text(text)
    out = tmp_path / "toy"
    r = run_build(repo_copy, "--parts", "toy", "--out", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Part 5 Toy clipping: 1 / 1" in r.stdout, r.stdout
    release = out / "student_release"
    assert sorted(p.name for p in release.iterdir()) == [
        "README.md", "check.py", "hw_support", "make_submission.py", "requirements.txt", "tests", "toy.py",
        "written_answers.md"]
    assert "raise NotImplementedError('clip: limit x" in (release / "toy.py").read_text()
    assert "### 5.1 Why clip [1 point]" in (release / "written_answers.md").read_text()
    for kind, expected in (("solutions", 2), ("student_release", 0)):
        g = subprocess.run([sys.executable, "build.py", "grade", str(out / kind), "--autograder",
                            str(out / "dist" / "autograder.zip"), "--json", str(tmp_path / f"{kind}.json")],
                           cwd=repo_copy, capture_output=True, text=True)
        assert g.returncode == 0, g.stdout[-2000:] + g.stderr[-2000:]
        results = json.loads((tmp_path / f"{kind}.json").read_text())
        assert results["score"] == expected, results
        assert "5.1 Why clip" in results["output"]  # the written question, listed with its points
    rubric = (out / "solutions" / "written_rubrics.md").read_text()
    assert "## Part 5: Toy clipping" in rubric and "- +1: says that the value stays" in rubric
    v = run_build(repo_copy, "verify", "--parts", "toy")
    assert v.returncode == 0, v.stdout[-3000:] + v.stderr[-3000:]
    assert "toy.clip" in v.stdout and "5/5" in v.stdout and "1/1" in v.stdout and "verify: OK" in v.stdout
    # the term's assignment is untouched: the new part joins it only when assignment.yml lists it
    c = run_build(repo_copy, "--check")
    assert c.returncode == 0, c.stdout + c.stderr
