"""Parts as plug-ins: a selection of parts builds a self-contained assignment, and a new part is added
by its folders alone (hwbuild/parts.py)."""
import json
import os
import re
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT, run_build
from hwbuild import catalogs, parts, verify_report
from hwbuild.markers import MasterError

EVERY = parts.compose().parts
SELECTIONS = ["2", "1,2", "3", "4", "5"]


def _grade(repo, submission, autograder_zip, out_json):
    r = subprocess.run([sys.executable, "build.py", "grade", str(submission), "--autograder", str(autograder_zip),
                        "--json", str(out_json)], cwd=repo, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    with open(out_json) as f:
        results = json.load(f)
    tests = [t for t in results["tests"] if "max_score" in t]
    return sum(t["score"] for t in tests), sum(t["max_score"] for t in tests), tests


@pytest.fixture(scope="module", params=SELECTIONS)
def selection(request, tmp_path_factory):
    """(selected parts, output dir, solutions' grade, stub's grade) of `build.py --parts S --out DIR`."""
    out = tmp_path_factory.mktemp("parts" + request.param.replace(",", "_"))
    r = run_build(ROOT, "--parts", request.param, "--out", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    chosen = [p for p in EVERY if p.number in request.param.split(",")]
    ag = out / "dist" / "autograder.zip"
    graded = {kind: _grade(ROOT, out / kind, ag, out / f"{kind}.json") for kind in ("solutions", "student_release")}
    return chosen, out, graded


def test_a_selection_grades_its_solutions_full_and_its_stub_zero(selection):
    chosen, _, graded = selection
    got, possible, tests = graded["solutions"]
    assert possible > 0 and got == possible, [t["name"] for t in tests if t["status"] != "passed"]
    assert {t["number"].split(".")[0] for t in tests} == {p.number for p in chosen}
    got, possible, _ = graded["student_release"]
    assert got == 0 and possible == graded["solutions"][1]


def _forbidden(chosen):
    """What of the unselected parts must not be shipped: {path in the release: why}, and texts."""
    chosen_modules = {m for p in chosen for m in p.modules + p.given}
    paths, texts = {}, {}
    for p in EVERY:
        if p in chosen:
            continue
        for m in set(p.modules + p.given) - chosen_modules:
            paths[f"{m}.py"] = f"module of part {p.number}"
        for q in p.question_files():
            paths[f"tests/{q}.py"] = f"test of part {p.number}"
        paths[f"part{p.number}_{p.name}.ipynb"] = f"notebook of part {p.number}"
        for folder, prefix in ((p.source("release"), ""), (p.source("hw_support"), "hw_support/")):
            for base, _, files in os.walk(folder):
                for f in files:
                    paths[prefix + os.path.relpath(os.path.join(base, f), folder)] = f"file of part {p.number}"
        texts[f"### {p.number}."] = f"written question of part {p.number}"
    return paths, texts


def test_nothing_of_another_part_reaches_the_release_or_the_zip(selection):
    chosen, out, _ = selection
    release = {os.path.relpath(os.path.join(b, f), out / "student_release")
               for b, _, fs in os.walk(out / "student_release") for f in fs}
    with zipfile.ZipFile(out / "dist" / "autograder.zip") as zf:
        zipped = set(zf.namelist())
        settings = json.loads(zf.read("harness/grading.json"))
    paths, texts = _forbidden(chosen)
    for path, why in paths.items():
        assert path not in release, (path, why)
        assert not {f"tests/{os.path.basename(path)}", f"files/{path}", f"harness/stubs/{path}"} & zipped, (path, why)
    written = out / "student_release" / "written_answers.md"
    if written.exists():
        for text, why in texts.items():
            assert text not in written.read_text(), why
    numbers = {p.number for p in chosen}
    assert {q["name"].split(".")[0] for q in settings["manual_questions"]} <= numbers
    assert {k.split("_")[0][1:] for k in settings["sandbox"]["time_limits"] if k != "default"} <= numbers
    thresholds = json.loads((out / "student_release" / "hw_support" / "thresholds.json").read_text())
    assert set(thresholds) <= {p.name for p in chosen}
    part_data = json.loads((out / "student_release" / "hw_support" / "part_data.json").read_text())
    assert set(part_data) == {p.name for p in chosen} & {"attention_exploration"}
    readme = (out / "student_release" / "README.md").read_text()
    assert not re.search(r"\{\{\w+\}\}", readme)
    assert {m.group(1) for m in re.finditer(r"^\| (\d+)\. ", readme, re.M)} == numbers


def test_a_module_two_parts_write_holds_only_the_selected_shares(selection):
    chosen, out, _ = selection
    names = {p.name for p in chosen}
    stub = out / "student_release" / "attention.py"
    if not names & {"attention_from_scratch", "pretraining"}:
        assert not stub.exists()
        return
    text = stub.read_text()
    assert ("def pairwise_similarities" in text) == ("attention_from_scratch" in names)
    assert ("class SynthesizerAttention" in text) == ("pretraining" in names)
    compile(text, str(stub), "exec")


def test_building_a_selection_leaves_the_committed_trees_alone():
    r = run_build(ROOT, "--check")
    assert r.returncode == 0, r.stdout + r.stderr


def test_an_unknown_part_is_a_clear_error(tmp_path):
    r = run_build(ROOT, "--parts", "9", "--out", str(tmp_path))
    assert r.returncode == 2 and "--parts 9: no such part" in r.stderr, r.stderr


def _config_with(tmp_path, old, new):
    """A copy of assignment.yml with `old` replaced by `new`; (its path, the line `new` is on)."""
    with open(parts.CONFIG, encoding="utf-8") as f:
        text = f.read()
    assert text.count(old) == 1
    text = text.replace(old, new)
    config = tmp_path / "assignment.yml"
    config.write_text(text)
    return config, text[:text.index(new)].count("\n") + 1


@pytest.mark.parametrize("new, message", [
    ("matrix: uw", "part attention_exploration: unknown key 'matrix' (known: part, number, title, matrices)"),
    ("matrices: UW", "part attention_exploration: matrices: 'UW' is not one of uw or {seed: N}"),
    ("matrices: {seed: -1}", "matrices: {'seed': -1} is not one of uw or {seed: N}"),
    ("matrices: {sead: 3}", "matrices: {'sead': 3} is not one of uw or {seed: N}"),
    ("matrices: {seed: 3.5}", "is not one of uw or {seed: N}"),
])
def test_a_part_option_typo_is_a_clear_error_with_its_line(tmp_path, new, message):
    config, line = _config_with(tmp_path, "matrices: {seed: 0}", new)
    with pytest.raises(MasterError) as e:
        parts.compose(str(config))
    assert str(e.value).startswith(f"{parts.rel(str(config))}:{line}: ") and message in str(e.value), str(e.value)


def test_a_part_option_typo_stops_build_py(tmp_path):
    config, line = _config_with(tmp_path, "matrices: {seed: 0}", "matrices: drawn")
    r = run_build(ROOT, "--config", str(config), "--out", str(tmp_path / "out"))
    expected = f"assignment.yml:{line}: part attention_exploration: matrices: 'drawn' is not one of uw or {{seed: N}}"
    assert r.returncode == 2 and expected in r.stderr, r.stderr


def test_part_options_default_to_part_yml_and_take_the_composition_choice(tmp_path):
    assert [p.options for p in EVERY][0] == {"matrices": {"seed": 0}} and all(not p.options for p in EVERY[1:])
    config, _ = _config_with(tmp_path, "matrices: {seed: 0}", "matrices: {seed: 4}")
    assert parts.compose(str(config)).parts[0].options == {"matrices": {"seed": 4}}
    config, _ = _config_with(tmp_path, ", matrices: {seed: 0}", "")
    assert parts.compose(str(config)).parts[0].options == {"matrices": "uw"}  # part.yml's default


def test_a_selection_never_overwrites_the_committed_trees():
    r = run_build(ROOT, "--parts", "2")
    assert r.returncode != 0 and "give --out DIR" in r.stderr, r.stdout + r.stderr


RENUMBERED = """\
name: renumbered
parts:
  - {part: attention_from_scratch, number: 1}
  - {part: attention_exploration, number: 2, title: Crafting queries}
"""


def _points(build, number):
    """'public / hidden' points of the part numbered `number` in the term's build."""
    qs = [q for q in build.questions if q.part == number]
    return f"{sum(q.points(False) for q in qs):g} / {sum(q.points(True) for q in qs):g}"


def test_renumbered_parts_rename_their_questions_and_keep_full_marks(tmp_path, build):
    config = tmp_path / "assignment.yml"
    config.write_text(RENUMBERED)
    out = tmp_path / "out"
    r = run_build(ROOT, "--config", str(config), "--out", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"Part 1 Attention from scratch: {_points(build, '2')}" in r.stdout, r.stdout
    assert f"Part 2 Crafting queries: {_points(build, '1')}" in r.stdout, r.stdout
    release = out / "student_release"
    tests = sorted(p.name for p in (release / "tests").iterdir())
    n_files = sum(len(p.question_files()) for p in EVERY if p.number in ("1", "2"))
    assert "q1_1_pairwise_similarities.py" in tests and "q2_1_select_first.py" in tests and len(tests) == n_files
    assert 'name = "q1_1_pairwise_similarities"' in (release / "tests" / "q1_1_pairwise_similarities.py").read_text()
    notebook = (release / "part1_attention_from_scratch.ipynb").read_text()
    assert 'grader.check(\\"q1_1_pairwise_similarities\\")' in notebook and "q2_1_pairwise" not in notebook
    written = (release / "written_answers.md").read_text()
    assert "### 1.1 Scaling the scores by 1/sqrt(d)" in written and "### 2.1 Selecting one value" in written
    assert written.index("### 1.1 Scaling") < written.index("### 2.1 Selecting")
    score, possible, graded = _grade(ROOT, out / "solutions", out / "dist" / "autograder.zip", tmp_path / "r.json")
    expected = sum(q.points(False) + q.points(True) for q in build.questions if q.part in ("1", "2"))
    assert score == possible == expected, [t["name"] for t in graded if t["status"] != "passed"]
    assert {t["number"].split(".")[0] for t in graded} == {"1", "2"}
    # the catalogs follow the renumbering: every caught_by names a question of the renumbered build
    renumbered = parts.compose(str(config))
    names = {os.path.basename(p)[:-3] for p in (release / "tests").iterdir()}
    report = verify_report.Report()
    for m, entries in catalogs.catalogs(renumbered).items():
        mutants, _, _ = catalogs.load_catalogs(report, m, entries)
        assert mutants and all(set(v.caught_by) <= names for v in mutants), m
    assert not report.failures, report.failures


def test_verify_of_a_selection_skips_alternatives_that_import_an_unselected_part():
    """Part 4's alternative that calls Part 2's self_attention cannot run without Part 2: verify says so.
    (Only TransformerBlock's variants: the whole of Part 4 is verified by tests/test_verify.py.)"""
    r = run_build(ROOT, "verify", "--parts", "4", "--module", "lm", "--functions", "TransformerBlock")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "'calls Part 2's self_attention': ok (skipped: it imports attention, not in this selection" in r.stdout


def test_a_part_that_needs_more_container_memory_makes_the_build_say_so(tmp_path):
    import build as build_py
    from hwbuild.parts import GRADESCOPE_MEMORY_MB, _memory_mb
    assert _memory_mb(1024, "part.yml") == 1024
    for bad in (512, "1 GB", 1024.5, True):
        with pytest.raises(MasterError, match="container_memory_mb must be a whole number of MB"):
            _memory_mb(bad, "part.yml")
    needs = {p.number: p.container_memory_mb for p in EVERY}
    assert all(m >= GRADESCOPE_MEMORY_MB for m in needs.values())
    big = [p for p in EVERY if p.container_memory_mb > GRADESCOPE_MEMORY_MB]
    small = [p for p in EVERY if p.container_memory_mb == GRADESCOPE_MEMORY_MB]
    assert big and small  # Part 5 (transformers in the worker) needs 1 GB; the others fit the default
    assert f"raise the assignment's container memory to {big[0].container_memory_mb} MB" in \
        build_py.points_summary([], EVERY)
    assert "container memory" not in build_py.points_summary([], small)
