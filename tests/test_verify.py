"""build.py verify (hwbuild/verify.py): the release gate proves the graders right."""
import argparse
import contextlib
import glob
import io
import json
import os

import pytest

from conftest import ROOT
from hwbuild import parts, pipeline, testfiles, verify


def _build_py():
    return verify.import_path("build_py", os.path.join(ROOT, "build.py"))


@pytest.fixture(scope="module")
def gate(build, tmp_path_factory):
    """One in-process run of `python build.py verify --json OUT` on the session's build: (exit, stdout, json)."""
    out = tmp_path_factory.mktemp("verify") / "verify.json"
    buf = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(buf):
        mp.setattr(pipeline, "build", lambda *args, **kwargs: build)  # share the one build
        code = _build_py().main(["verify", "--json", str(out)])
    return code, buf.getvalue(), json.loads(out.read_text())


def _variants(report, kind):
    return [v for v in report["variants"] if v["kind"] == kind]


def _describe(variants):
    return "\n".join(f"{v['module']}.{v['function']} '{v['name']}': {v['problem']}" for v in variants)


def test_every_mutant_is_caught(gate):
    _, _, report = gate
    mutants = _variants(report, "mutant")
    assert len(mutants) >= verify.MIN_TOTAL_MUTANTS
    escaped = [v for v in mutants if not v["ok"]]
    assert not escaped, _describe(escaped)
    for v in mutants:  # caught where the catalog says
        assert set(v["caught_by"]) <= set(v["failed_questions"]), _describe([v])


def test_every_alternative_keeps_full_marks(gate):
    _, _, report = gate
    alternatives = _variants(report, "alternative")
    assert alternatives
    wrong = [v for v in alternatives if not v["ok"] or v["failed_questions"]]
    assert not wrong, _describe(wrong)


def test_solution_passes_and_stub_fails(gate, build):
    _, _, report = gate
    given = [v for v in _variants(report, "solution") if v["module"] == "(given modules)"]
    n = sum(len(q.cases) for q in build.questions if not q.modules & set(build.assignment.modules))
    assert n >= 3 and len(given) == 1 and given[0]["ok"] and given[0]["problem"] == f"passes {n}/{n} tests", given
    for kind in ("solution", "stub"):
        got = {v["module"]: v for v in _variants(report, kind) if v["module"] != "(given modules)"}
        assert set(got) == set(build.assignment.modules)
        assert all(v["ok"] for v in got.values()), _describe(got.values())
    for v in _variants(report, "solution"):
        assert not v["failed_questions"], _describe([v])
    for v in _variants(report, "stub"):  # every question loses all its points on the stub
        for q in build.questions:
            if v["module"] in q.modules:
                assert v["points_lost"].get(q.name) == sum(c.points for c in q.cases), (v["module"], q.name)


def test_gate_passes_with_a_table_of_every_graded_function(gate):
    code, out, report = gate
    assert report["failures"] == [] and report["ok"], "\n".join(report["failures"])
    assert code == 0, out
    assert "part | function" in out and "mutants caught" in out and "alternatives passed" in out
    assert "verify: OK" in out and "100%" in out
    rows = {(r["module"], r["function"]): r for r in report["rows"]}
    for fn in ("pairwise_similarities", "attn_scaled", "attn_softmax", "compute_outputs", "make_causal_mask",
               "apply_causal_mask", "split_heads", "merge_heads", "self_attention"):
        r = rows[("attention", fn)]
        assert r["part"] == "2" and r["tests"] > 0
        assert r["mutants_caught"] == r["mutants_total"] >= verify.MIN_MUTANTS, r
        assert r["alternatives_passed"] == r["alternatives_total"] >= verify.MIN_ALTERNATIVES, r
        assert f"attention.{fn}" in out
    assert ("attention", "init_qkv_proj") not in rows  # given code is not graded
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["part 3 calibration"]["ok"] and checks["part 4 calibration"]["ok"]


def test_mutant_catalogs_never_leave_the_autograder_folder(build):
    catalogs = glob.glob(os.path.join(ROOT, "autograder", "parts", "*", "mutants", "*.py"))
    assert catalogs
    for tree in (build.release, build.autograder):
        assert not any("mutants" in name for name in tree), sorted(n for n in tree if "mutants" in n)
        contents = set(tree.values())
        for path in catalogs:
            with open(path, "rb") as f:
                assert f.read() not in contents, path
        assert not any(b"from hwbuild.mutants import" in data for data in tree.values())


# ---- the gate's core on a tiny synthetic part -----------------------------------------------------

TOY_SOLUTION = 'def double(x):\n    """Twice x."""\n    return 2 * x\n'
TOY_STUB = 'def double(x):\n    """Twice x."""\n    raise NotImplementedError("double")\n'
TOY_TEST = '''\
from otter.test_files import test_case

OK_FORMAT = False
name = "q9_1_double"


@test_case(name="double(2) is 4", points=1)
def public_two(toy):
    assert toy.double(2) == 4
'''
STRONGER = '''

@test_case(name="double(3) is 6", points=1)
def public_three(toy):
    assert toy.double(3) == 6
'''
TOY_CATALOG = '''\
from hwbuild.mutants import Alternative, Mutant

MUTANTS = [Mutant(function="double", name="adds 2 instead of doubling", caught_by=["q9_1_double"],
                  replace=("return 2 * x", "return x + 2"))]
ALTERNATIVES = [Alternative(function="double", name="x + x", replace=("return 2 * x", "return x + x"))]
'''


def _toy_build(test_source, root):
    q = testfiles.parse("q9_1_double", test_source, "tests/q9_1_double.py", ["toy"])
    part = parts.Part(name="toy", number="9", home="9", title="Toy", modules=("toy",), root=str(root))
    return pipeline.Build(assignment=parts.Assignment("toy", (part,)), questions=[q],
                          release={"toy.py": TOY_STUB.encode()}, solutions={"toy.py": TOY_SOLUTION.encode()},
                          autograder={})


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """(project root of the toy part, write(catalog text)), with the per-function minimum lowered to 1."""
    monkeypatch.setattr(verify, "MIN_MUTANTS", 1)
    catalogs = tmp_path / "autograder" / "parts" / "toy" / "mutants"
    catalogs.mkdir(parents=True)

    def write(text):
        (catalogs / "toy.py").write_text(text)
    write(TOY_CATALOG)
    return tmp_path, write


def _run(build, timeout=10):
    args = argparse.Namespace(json=None, module="toy", timeout=timeout)
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = verify.run(args, build=build)
    return code, out.getvalue()


def test_a_weak_test_lets_a_mutant_escape_and_verify_fails(toy):
    root, _ = toy
    code, out = _run(_toy_build(TOY_TEST + STRONGER, root))
    assert code == 0, out  # double(3) == 6 catches x + 2
    code, out = _run(_toy_build(TOY_TEST, root))  # 2 + 2 == 2 * 2: the weak test misses it
    assert code == 1, out
    assert "ESCAPED" in out and "adds 2 instead of doubling" in out and "verify: FAILED" in out
    report = verify.verify(_toy_build(TOY_TEST, root), only="toy")
    (mutant,) = [v for v in report.variants if v.kind == "mutant"]
    assert not mutant.ok and mutant.lost == {} and mutant.caught_by == ["q9_1_double"]
    assert [(r.function, r.mutants_caught, r.mutants_total) for r in report.rows] == [("double", 0, 1)]



def test_functions_restricts_the_variants_and_rows_to_graded_functions(toy):
    """verify(only=M, functions=[...]) runs those functions' variants only (a drawn Part 1 term: the
    exercises on K and V); a name that is not a graded function of M, or functions without only, fail."""
    root, write = toy
    build = _toy_build(TOY_TEST + STRONGER, root)
    report = verify.verify(build, only="toy", functions=["double"])
    assert report.ok and [r.function for r in report.rows] == ["double"]
    assert sorted(v.kind for v in report.variants) == ["alternative", "mutant", "solution", "stub"]
    report = verify.verify(build, only="toy", functions=["triple"])
    assert not report.ok and report.rows == [] and not [v for v in report.variants if v.kind == "mutant"]
    assert any("triple: not graded functions of toy" in f for f in report.failures), report.failures
    assert not verify.verify(build, functions=["double"]).ok


def test_a_trivial_output_must_lose_every_point_of_loses_all_of(toy):
    """`x * 0` passes 'double(0) is 0' (a property zeros have); with loses_all_of that is a failure."""
    root, write = toy
    zero_case = ('\n\n@test_case(name="double(0) is 0", points=1)\n'
                 'def public_zero(toy):\n    assert toy.double(0) == 0\n')
    build = _toy_build(TOY_TEST + STRONGER + zero_case, root)
    zeros = TOY_CATALOG.replace('name="adds 2 instead of doubling"', 'name="returns zero"').replace(
        '"return x + 2"', '"return x * 0"')
    write(zeros)
    assert verify.verify(build, only="toy").ok  # caught_by alone: losing some points is enough
    write(zeros.replace('caught_by=["q9_1_double"],', 'caught_by=["q9_1_double"], loses_all_of=["q9_1_double"],'))
    report = verify.verify(build, only="toy")
    (mutant,) = [v for v in report.variants if v.kind == "mutant"]
    assert not report.ok and not mutant.ok
    assert "PAID for a trivial output" in mutant.problem and "double(0) is 0" in mutant.problem

def test_a_broken_or_half_written_catalog_is_a_failure_row_not_a_crash(toy):
    root, write = toy
    build = _toy_build(TOY_TEST + STRONGER, root)
    for text, expected in [("MUTANTS = [\n", "is broken: SyntaxError"),
                           ("MUTANTS = []\n", "defines no ALTERNATIVES"),
                           (TOY_CATALOG.replace('"return x + 2"', '"return x - 2"').replace(
                               '("return 2 * x", "return x + x")', '("return 3 * x", "return x + x")'),
                            "cannot be applied"),
                           (TOY_CATALOG.replace('function="double", name="x', 'function="triple", name="x'),
                            "'triple' is not a graded function")]:
        write(text)
        report = verify.verify(build, only="toy")
        assert not report.ok
        assert any(expected in f for f in report.failures), report.failures
        assert "verify: FAILED" in report.table()


def test_a_hanging_variant_is_stopped_and_reported(toy):
    root, write = toy
    write(TOY_CATALOG.replace('"return x + x"', '"while True:\\n        pass"'))
    report = verify.verify(_toy_build(TOY_TEST + STRONGER, root), only="toy", timeout=0.5)
    (alt,) = [v for v in report.variants if v.kind == "alternative"]
    assert not alt.ok and "timed out" in alt.problem
    assert not report.ok


def test_a_catalog_without_a_student_module_is_reported(toy):
    root, _ = toy
    (root / "autograder" / "parts" / "toy" / "mutants" / "ghost.py").write_text(TOY_CATALOG)
    report = verify.verify(_toy_build(TOY_TEST + STRONGER, root))
    assert any("'ghost' is not a student module of the selected parts" in f for f in report.failures), report.failures
