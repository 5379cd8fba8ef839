"""Part 1, attention exploration (`query_crafting.py`), graded through the Gradescope entry point.

Submissions are the solution with variants from the catalog autograder/mutants/query_crafting.py
applied (hwbuild.mutants), graded by the real autograder zip (the `grade` fixture) on the
query_crafting tests only. Several variants share one submission to keep the number of grades low.
The committed term's K and V are drawn (`matrices: {seed: 0}` in assignment.yml,
autograder/parts/attention_exploration/generate_data.py); the end of this file builds terms with other
seeds and with UW's published matrices (`matrices: uw`).
"""
import json
import os
import re
import types

import pytest
import torch

from conftest import ROOT, graded_tests
from hwbuild import catalogs, parts, verify

MODULE = "query_crafting"
FUNCTIONS = ("select_first", "select_all", "average_all", "average_first_two",
             "new_k2_average_first_three", "new_k2_select_third")  # the exercises on the term's K and V
GENERAL = ("copy_query", "average_query", "single_vs_two_heads")  # graded on random orthogonal keys
GENERATOR = parts.hidden_module("attention_exploration", "generate_data.py")
with open(os.path.join(ROOT, "student_release", "hw_support", "part_data.json"), encoding="utf-8") as _f:
    COMMITTED = json.load(_f)["attention_exploration"]  # the committed term's K and V
K = torch.tensor(COMMITTED["K"], dtype=torch.float64)
V = torch.tensor(COMMITTED["V"], dtype=torch.float64)
UW_K = torch.tensor(GENERATOR.UW["K"], dtype=torch.float64)


CATALOG = types.SimpleNamespace(MUTANTS=[], ALTERNATIVES=[])  # mutants/query_crafting.py + query_crafting/*.py
for _part, _path in catalogs.catalogs(parts.compose(select=["attention_exploration"]))["query_crafting"]:
    _mutants, _alternatives, _ = catalogs.load_catalog(_path)
    CATALOG.MUTANTS += _mutants
    CATALOG.ALTERNATIVES += _alternatives
ALTERNATIVES = {f: [a for a in CATALOG.ALTERNATIVES if a.function == f] for f in FUNCTIONS}
N_CORRECT = max(len(a) for a in ALTERNATIVES.values())


def mutant(function, contains):
    """The one catalog mutant of `function` whose name contains `contains`."""
    found = [m for m in CATALOG.MUTANTS if m.function == function and contains in m.name]
    assert len(found) == 1, (function, contains, [m.name for m in found])
    return found[0]


def combine(solution, variants):
    """The solution with every variant's edit applied, in order."""
    for v in variants:
        solution = v.apply(solution)
    return solution


def write_submission(directory, source):
    directory.mkdir()
    (directory / f"{MODULE}.py").write_text(source)
    return directory


def part1_tests(results):
    tests = [t for t in graded_tests(results) if MODULE in t["tags"]]
    assert tests, "no query_crafting tests were graded"
    return tests


def cases_of(results, function):
    return [t for t in part1_tests(results) if t["name"].startswith(function + ":")]


def tolerance_tests(results, function):
    found = [t for t in cases_of(results, function) if "within 0.05" in t["name"]]
    assert found, f"no tolerance test for {function}"
    return found


def failed(tests):
    return [f"{t['name']}: {t['output'][-300:]}" for t in tests if t["status"] != "passed"]


def source_of(build, tree, name):
    return getattr(build, tree)[name].decode()


@pytest.fixture(scope="module")
def solution(build):
    return source_of(build, "solutions", f"{MODULE}.py")


def attention(q, keys=K, values=V):
    return torch.softmax(torch.as_tensor(q, dtype=torch.float64) @ keys.T, dim=-1) @ values


# ---------------------------------------------------------------------------------------------
# The catalog and the written part (no grading)


def test_catalog_has_enough_variants_per_function():
    for f in FUNCTIONS:
        assert len([m for m in CATALOG.MUTANTS if m.function == f]) >= 5, f
        assert len(ALTERNATIVES[f]) >= 3, f
    for f in GENERAL:
        assert len([m for m in CATALOG.MUTANTS if m.function == f]) >= 5, f
        assert len([a for a in CATALOG.ALTERNATIVES if a.function == f]) >= 2, f
    questions = {os.path.basename(p)[:-3] for p in os.listdir(os.path.join(ROOT, "assignment", "parts",
                                                                             "attention_exploration", "tests"))}
    for m in CATALOG.MUTANTS:
        assert m.caught_by and set(m.caught_by) <= questions, (m.name, m.caught_by)


def test_written_answers_match_the_manual_questions(build):
    md = build.release["written_answers.md"].decode()
    headings = [(name, float(points)) for name, points in
                re.findall(r"^### (\d\.\d+ .+?) \[(\d+) points?\]$", md, re.M)]
    settings = json.loads(build.autograder["harness/grading.json"])
    manual = [(q["name"], float(q["points"])) for q in settings["manual_questions"]]
    assert headings == manual
    assert {n.split(".")[0] for n, _ in manual} == {p.number for p in parts.compose().parts if p.written()}
    assert [n.split()[0] for n, _ in manual if n.startswith("1.")] == [f"1.{i}" for i in range(1, 9)]


# ---------------------------------------------------------------------------------------------
# check_answer, the students' own helper


@pytest.fixture(scope="module")
def module_from(build, tmp_path_factory):
    def _module(source, label):
        path = tmp_path_factory.mktemp(label) / f"{MODULE}.py"
        path.write_text(source)
        return verify.import_path(f"{MODULE}_{label}", str(path))
    return _module


def test_check_answer_on_the_solution(module_from, solution, capsys):
    """check_answer reports the errors the term's generator computes for the solution's answers (within
    half the tolerance: the generator's guarantee for the committed term)."""
    module = module_from(solution, "solution")
    errors = module.check_answer()
    lines = capsys.readouterr().out.strip().splitlines()
    assert [l.split(":")[0] for l in lines] == list(FUNCTIONS)
    assert all(", within 0.05" in l for l in lines), lines
    expected = GENERATOR.errors(K.numpy(), V.numpy(), _answers(module, K, V))
    assert set(errors) == set(FUNCTIONS) and all(0 <= e <= 0.025 for e in errors.values()), errors
    assert all(errors[f] == pytest.approx(expected[f], abs=1e-4) for f in FUNCTIONS), (errors, expected)
    assert errors["average_all"] < 1e-12
    assert "|k2| = 1.0000 (ok)" in lines[-1]
    assert f"average_first_two: max abs error {errors['average_first_two']:.4f}, within 0.05" in lines


def test_check_answer_on_the_stub(build, module_from, capsys):
    stub = module_from(source_of(build, "release", f"{MODULE}.py"), "stub")
    assert stub.check_answer() == dict.fromkeys(FUNCTIONS)
    out = capsys.readouterr().out
    assert out.count("not implemented yet") == 4
    assert out.count("implement that first") == 2


def test_check_answer_on_wrong_answers(module_from, solution, capsys):
    wrong = module_from(combine(solution, [
        mutant("select_first", "no scaling"), mutant("select_all", "transposed"),
        mutant("new_k2_select_third", "k2 = q:")]), "wrong")
    q = torch.as_tensor(wrong.select_first(K.float(), V.float()), dtype=torch.float64)
    error = float((attention(q) - V[0]).abs().max())  # this term's error of the unscaled query
    assert error > 0.05 and wrong.check_answer("select_first") == pytest.approx(error, abs=1e-4)
    assert wrong.check_answer("select_all") is None
    wrong.check_answer("new_k2_select_third")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == f"select_first: max abs error {error:.4f}, NOT within 0.05"
    assert lines[1] == "select_all: expected shape (4, 3), got (3, 4)"
    norm = float(torch.as_tensor(wrong.average_first_two(K.float(), V.float())).norm())  # k2 = q: |q|, not 1
    assert abs(norm - 1) > 0.001 and lines[2].endswith(f"|k2| = {norm:.4f} (must be 1 within 0.001)")
    with pytest.raises(ValueError, match="unknown exercise"):
        wrong.check_answer("select_second")


# ---------------------------------------------------------------------------------------------
# Grading through the Gradescope entry point


def test_solution_gets_full_marks_and_the_manual_questions_are_listed(build, grade, solution, tmp_path):
    results = grade(write_submission(tmp_path / "solution", solution), only=MODULE)
    tests = part1_tests(results)
    assert not failed(tests)
    assert results["score"] == sum(t["max_score"] for t in tests) > 0
    assert {t["name"].split(":")[0] for t in tests} == set(FUNCTIONS + GENERAL)
    for f in FUNCTIONS:  # every exercise has a hidden tolerance test
        assert any("hidden" in t["tags"] for t in tolerance_tests(results, f)), f
    manual = json.loads(build.autograder["harness/grading.json"])["manual_questions"]
    assert f"**Graded by hand** ({sum(q['points'] for q in manual):g} points" in results["output"]
    assert "1.1 Selecting one value (1)" in results["output"]
    assert "1.8 One head or two (3)" in results["output"]


@pytest.mark.parametrize("index", range(N_CORRECT))
def test_correct_alternatives_get_full_marks(grade, solution, tmp_path, index):
    """Submission `index` takes the index-th alternative of every function (the last one when fewer)."""
    picked = [ALTERNATIVES[f][min(index, len(ALTERNATIVES[f]) - 1)] for f in FUNCTIONS]
    results = grade(write_submission(tmp_path / f"correct{index}", combine(solution, picked)), only=MODULE)
    assert not failed(part1_tests(results)), [a.name for a in picked]


WRONG = {
    "unscaled": [("select_first", "no scaling"), ("select_all", "Q = K with no scaling"),
                 ("average_all", "all-ones"), ("average_first_two", "q = k_0 + k_1 with no scaling"),
                 ("new_k2_average_first_three", "keeps the old k_2"), ("new_k2_select_third", "k2 = q:")],
    "rows_and_shapes": [("select_first", "row 1"), ("select_all", "transposed"), ("average_all", "number 0"),
                        ("average_first_two", "rows 1 and 2"), ("new_k2_average_first_three", "k2 = 0"),
                        ("new_k2_select_third", "normalizes the value")],
}


@pytest.mark.parametrize("label", sorted(WRONG))
def test_wrong_variants_fail_every_tolerance_test(grade, solution, tmp_path, label):
    source = combine(solution, [mutant(f, name) for f, name in WRONG[label]])
    results = grade(write_submission(tmp_path / label, source), only=MODULE)
    for f in FUNCTIONS:
        assert all(t["status"] == "failed" for t in tolerance_tests(results, f)), (f, tolerance_tests(results, f))
    hidden = [t for t in part1_tests(results) if "hidden" in t["tags"] and t["status"] == "failed"]
    assert hidden and all("target" not in t["output"] and "Error at line" not in t["output"] for t in hidden)
    assert results["score"] < sum(t["max_score"] for t in part1_tests(results))


def test_keys_are_graded_with_the_students_own_query(grade, solution, module_from, tmp_path):
    """Keys that work with the solution's query but not with the student's own (correct) query fail."""
    avg3 = mutant("new_k2_average_first_three", "right for the solution's query")
    sel3 = mutant("new_k2_select_third", "fixed for the solution's query")
    variant = module_from(combine(solution, [avg3, sel3]), "other_query")
    q_solution = module_from(solution, "reference").average_first_two(K.float(), V.float())
    for fn, target in ((variant.new_k2_average_first_three, V[:3].mean(0)), (variant.new_k2_select_third, V[2])):
        keys = K.clone()
        keys[2] = torch.as_tensor(fn(K.float(), V.float(), q_solution), dtype=torch.float64)
        assert (attention(q_solution, keys) - target).abs().max() < 0.05  # right for the solution's query
    results = grade(write_submission(tmp_path / "other_query", combine(solution, [avg3, sel3])), only=MODULE)
    assert not failed(cases_of(results, "average_first_two"))  # the student's query itself is correct
    for f in ("new_k2_average_first_three", "new_k2_select_third"):
        assert all(t["status"] == "failed" for t in tolerance_tests(results, f)), f
    norm = [t for t in cases_of(results, "new_k2_select_third") if "norm 1" in t["name"]]
    assert norm and not failed(norm)  # the hand-made key is unit norm: only the tolerance test catches it


def test_release_stub_fails_every_test(build, grade, tmp_path):
    stub = source_of(build, "release", f"{MODULE}.py")
    assert stub.count("raise NotImplementedError('") == len(FUNCTIONS + GENERAL)
    results = grade(write_submission(tmp_path / "stub", stub), only=MODULE)
    tests = part1_tests(results)
    assert [t["name"] for t in tests if t["status"] == "passed"] == []
    assert results["score"] == 0
    assert all("NotImplementedError" in t["output"] for t in tests)


# ---------------------------------------------------------------------------------------------
# Terms with drawn K and V (assignment.yml: `matrices: {seed: N}`)

SEEDS = range(20)  # every seed drawn here must give a term the reference solution solves


def test_the_committed_term_ships_the_matrices_of_its_choice(build):
    data = json.loads(build.release["hw_support/part_data.json"])["attention_exploration"]
    choice = parts.compose().parts[0].options["matrices"]
    keys, values, _ = GENERATOR.draw(choice["seed"])
    assert data == {"matrices": f"seed {choice['seed']}", "K": [list(k) for k in keys], "V": [list(v) for v in values]}
    assert json.loads(build.autograder["files/hw_support/part_data.json"]) == json.loads(
        build.release["hw_support/part_data.json"])


def _answers(module, K, V):
    """The module's six answers for K, V (float32 inputs, as the tests pass them) as float64 arrays."""
    K32, V32 = K.float(), V.float()
    q = torch.as_tensor(module.average_first_two(K32.clone(), V32.clone()), dtype=torch.float32)
    got = {f: getattr(module, f)(K32.clone(), V32.clone()) for f in FUNCTIONS if not f.startswith("new_k2")}
    got.update({f: getattr(module, f)(K32.clone(), V32.clone(), q.clone()) for f in FUNCTIONS if f.startswith("new_k2")})
    return {f: torch.as_tensor(a).detach().double().numpy() for f, a in got.items()}


@pytest.mark.parametrize("seed", SEEDS)
def test_a_drawn_term_is_solvable_and_keeps_the_unreliable_exercise(module_from, solution, seed):
    """The solution module (as built) solves every exercise of seed's K, V within half the tolerance; a
    small balanced query still averages v_0, v_1 but leaves exercise 6 unsolvable (written 1.6); UW's
    answers, hard-coded, fail every exercise whose answer depends on K."""
    keys, values, _ = GENERATOR.draw(seed)
    K_, V_ = torch.tensor(keys, dtype=torch.float64), torch.tensor(values, dtype=torch.float64)
    assert GENERATOR.problems(K_.numpy(), V_.numpy()) == []
    assert (K_ - UW_K).abs().max() > 0.3
    ref = module_from(solution, "reference")
    errors = GENERATOR.errors(K_.numpy(), V_.numpy(), _answers(ref, K_, V_))
    assert max(errors.values()) <= 0.025, errors
    assert abs(float(torch.tensor(_answers(ref, K_, V_)["new_k2_select_third"]).norm()) - 1) <= 1e-3
    small = module_from(combine(solution, [mutant("average_first_two", "balanced but small")]), "small")
    errors = GENERATOR.errors(K_.numpy(), V_.numpy(), _answers(small, K_, V_))
    assert errors["average_first_two"] <= 0.05 < errors["new_k2_select_third"], errors
    best = _answers(small, K_, V_)["average_first_two"]
    k2 = torch.tensor(best / (best @ best) ** 0.5)  # the unit key with the largest score q . k2
    keys2 = K_.clone()
    keys2[2] = k2
    assert (attention(torch.tensor(best), keys2, V_) - V_[2]).abs().max() > 0.05
    hard_coded = GENERATOR.errors(K_.numpy(), V_.numpy(), _answers(ref, UW_K, torch.tensor(GENERATOR.UW["V"])))
    for f in ("select_first", "select_all", "average_first_two", "new_k2_average_first_three"):
        assert hard_coded[f] > 0.05, (f, hard_coded)


DRAWN_SEED = 7


@pytest.fixture(scope="module")
def drawn_build(tmp_path_factory):
    """Part 1 built with K and V drawn from DRAWN_SEED (a copy of assignment.yml with that choice)."""
    from hwbuild import pipeline
    b = pipeline.build(str(_with_matrices(tmp_path_factory, f"{{seed: {DRAWN_SEED}}}")), ["1"])
    yield b
    pipeline.hw_support_on_path(parts.compose())  # the committed term's helpers and data again


def _with_matrices(tmp_path_factory, choice):
    """A copy of assignment.yml whose Part 1 entry chooses `choice` (YAML text)."""
    config = tmp_path_factory.mktemp("term") / "assignment.yml"
    with open(parts.CONFIG, encoding="utf-8") as f:
        text = f.read()
    new, n = re.subn(r"(\{part: attention_exploration, [^\n]*?matrices: )(uw|\{seed: \d+\})", rf"\g<1>{choice}", text)
    assert n == 1, "assignment.yml's Part 1 entry has no matrices choice"
    config.write_text(new)
    return config


def test_uw_matrices_stay_a_named_choice(tmp_path_factory):
    from hwbuild import pipeline
    try:
        b = pipeline.build(str(_with_matrices(tmp_path_factory, "uw")), ["1"])
    finally:
        pipeline.hw_support_on_path(parts.compose())
    data = json.loads(b.release["hw_support/part_data.json"])["attention_exploration"]
    assert data == {"matrices": "uw", **GENERATOR.UW}


def test_a_drawn_term_ships_its_matrices_and_its_graders_pass_verify(drawn_build):
    """One owner: part_data.json holds the drawn K, V for the stub, tests, notebook and zip; the solution
    scores full marks, the stub 0, every catalog mutant of the six exercises on K and V is caught and every
    alternative passes. The general math (copy_query, average_query, single_vs_two_heads) is graded on
    random keys whatever the term: its variants are verified on the committed term (tests/test_verify.py)."""
    keys, values, _ = GENERATOR.draw(DRAWN_SEED)
    data = json.loads(drawn_build.release["hw_support/part_data.json"])["attention_exploration"]
    assert data == {"matrices": f"seed {DRAWN_SEED}", "K": [list(k) for k in keys], "V": [list(v) for v in values]}
    assert drawn_build.autograder["files/hw_support/part_data.json"] == drawn_build.release["hw_support/part_data.json"]
    uw_rows = [json.dumps(row)[1:-1].encode() for row in GENERATOR.UW["K"] + GENERATOR.UW["V"]]  # "0.47, 0.65, 0.6"
    for name, text in drawn_build.release.items():  # no copy of UW's numbers anywhere
        assert not [row for row in uw_rows if row in text], name
    on_k_and_v = sorted(GENERATOR.SHAPES)  # the exercises whose answers depend on K and V
    report = verify.verify(drawn_build, only=MODULE, functions=on_k_and_v)
    assert report.ok, report.table()
    assert sorted(r.function for r in report.rows) == on_k_and_v
    assert all(r.mutants_caught == r.mutants_total >= verify.MIN_MUTANTS and
               r.alternatives_passed == r.alternatives_total >= verify.MIN_ALTERNATIVES for r in report.rows)
    text = report.table()
    assert "solution of query_crafting: ok (passes 27/27 tests)" in text
    assert "stub of query_crafting: ok (fails 27/27 tests" in text


def uw_answers_hard_coded():
    """A submission returning UW's reference answers as literal numbers (what a student copying the
    public worked answers would hand in); average_all and new_k2_select_third do not depend on K."""
    answers = GENERATOR.reference_answers(UW_K.numpy())
    source = "import torch\n"
    for f in ("select_first", "select_all", "average_first_two", "new_k2_average_first_three"):
        args = "K, V, q" if f.startswith("new_k2") else "K, V"
        source += f"\n\ndef {f}({args}):\n    return torch.tensor({answers[f].round(4).tolist()})\n"
    source += "\n\ndef average_all(K, V):\n    return [0.0, 0.0, 0.0]\n"
    return source + "\n\ndef new_k2_select_third(K, V, q):\n    return q / q.norm()\n"


def test_a_drawn_term_fails_uw_answers_hard_coded(drawn_build, tmp_path):
    """The drawn zip's hidden tests fail UW's answers copied as numbers."""
    from hwbuild import grading, zips
    zip_path = tmp_path / "drawn.zip"
    zips.write_zip(str(zip_path), drawn_build.autograder)
    submission = write_submission(tmp_path / "uw_answers", uw_answers_hard_coded())
    drawn, _ = grading.grade(str(zip_path), str(submission), only=MODULE)
    for f in ("select_first", "select_all", "average_first_two", "new_k2_average_first_three"):
        assert all(t["status"] == "failed" for t in tolerance_tests(drawn, f)), f
    assert not failed(cases_of(drawn, "average_all"))


def test_data_seed_sets_the_drawn_choice_in_the_composition(tmp_path):
    config = tmp_path / "assignment.yml"
    with open(parts.CONFIG, encoding="utf-8") as f:
        config.write_text(f.read())
    summary = GENERATOR.write(11, config=str(config))
    assert "seed 11" in summary
    text = config.read_text()
    assert "{part: attention_exploration, number: 1, matrices: {seed: 11}}" in text
    assert text.startswith("# A term's assignment")  # the comments stay
    part = parts.compose(str(config)).parts[0]
    assert part.options == {"matrices": {"seed": 11}}

