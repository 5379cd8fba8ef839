"""Release gate: prove the graders right (`python build.py verify`).

For every student module (from assignment.yml, plus any catalog under autograder/mutants/):

1. the solution passes every test case that uses the module, and the release stub fails every case
   that exercises student-written code (a case that only uses given code may pass on the stub);
2. each mutant of the module's catalog `autograder/mutants/<module>.py` (see hwbuild/mutants.py)
   loses points in every question of its `caught_by`;
3. each correct alternative of the catalog keeps full marks;
4. every graded function (a `module.name` the tests use, whose stub is not the given solution code)
   has at least MIN_MUTANTS mutants and MIN_ALTERNATIVES alternatives, so a new part is brought in
   just by declaring its catalog; and all catalogs together hold at least MIN_TOTAL_MUTANTS mutants;
5. the pluggable checks in CHECKS (and any `CHECKS` a catalog defines) pass, e.g. Part 3's accuracy
   thresholds against its committed calibration report.

Everything runs in this one process on one build: each variant (the solution with one edit) is
written to its own temporary directory, loaded with hw_support.loader.load_module under the
module's name (other modules are the solutions) and every merged question that uses the module is
run against {module name: module}, as the autograder's entry file does, without a kernel. A
variant that runs longer than `timeout` seconds is stopped and reported.
"""
import argparse
import ast
import json
import os
import sys
import tempfile
import time

from . import pipeline
from .variants import (TIMEOUT, last_line, import_path, load_variant, one_thread_and_kept_modules,  # noqa: F401
                       run_questions)
from .verify_report import Report, Row, VariantResult

CATALOG_DIR = os.path.join(pipeline.AUTOGRADER, "mutants")
CALIBRATION_DIR = os.path.join(pipeline.AUTOGRADER, "calibration")
MIN_MUTANTS = 5  # per graded function
MIN_ALTERNATIVES = 1  # per graded function
MIN_TOTAL_MUTANTS = 60  # over all catalogs, once every student module has one


# ----------------------------------------------------------------------------------------------
# What the tests use


def case_uses(source, modules):
    """{test function: {(module, attribute)}}: what each top-level function reads off a module parameter,
    including through the module-level helpers it calls (e.g. `_compare(attention, ...)`)."""
    tree = ast.parse(source)
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    direct, calls = {}, {}
    for name, node in funcs.items():
        params = {a.arg for a in node.args.args} & set(modules)
        direct[name] = {(s.value.id, s.attr) for s in ast.walk(node) if isinstance(s, ast.Attribute)
                        and isinstance(s.value, ast.Name) and s.value.id in params}
        calls[name] = {s.func.id for s in ast.walk(node) if isinstance(s, ast.Call)
                       and isinstance(s.func, ast.Name) and s.func.id in funcs}
    out = {}
    for name in funcs:
        seen, todo, used = set(), [name], set()
        while todo:
            f = todo.pop()
            if f not in seen:
                seen.add(f)
                used |= direct[f]
                todo.extend(calls[f])
        out[name] = used
    return out


def given_names(solution, stub):
    """Top-level functions/classes whose stub is identical to the solution (given code, not graded)."""
    def defs(text):
        return {n.name: ast.dump(n) for n in ast.parse(text).body
                if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))}
    sol, stu = defs(solution), defs(stub)
    return {n for n in sol if stu.get(n) == sol[n]}


# ----------------------------------------------------------------------------------------------
# Catalogs


def load_catalog(path):
    """(MUTANTS, ALTERNATIVES, CHECKS) of the catalog file at `path`, imported by path."""
    if pipeline.ROOT not in sys.path:
        sys.path.insert(0, pipeline.ROOT)  # catalogs import hwbuild.mutants
    mod = import_path("_hw_catalog_" + os.path.splitext(os.path.basename(path))[0], path)
    for attr in ("MUTANTS", "ALTERNATIVES"):
        if not isinstance(getattr(mod, attr, None), (list, tuple)):
            raise ValueError(f"defines no {attr} list")
    return list(mod.MUTANTS), list(mod.ALTERNATIVES), list(getattr(mod, "CHECKS", []))


def _catalog_modules(catalog_dir):
    if not os.path.isdir(catalog_dir):
        return []
    return sorted(f[:-3] for f in os.listdir(catalog_dir) if f.endswith(".py") and not f.startswith("_"))


# ----------------------------------------------------------------------------------------------
# Pluggable checks: fn(build) -> (ok, message)

CHECKS = []


def check(name):
    def register(fn):
        CHECKS.append((name, fn))
        return fn
    return register


@check("part 3 accuracy thresholds")
def part3_calibration(build):
    """Part 3's accuracy thresholds against its committed calibration report.

    Plug point: Part 3 commits `autograder/calibration/part3.json` (the solution's measured accuracies)
    and `autograder/calibration/check.py` with `check(build, report_path) -> (ok, message)` that compares
    the thresholds its tests use with the report. Until Part 3 has questions, this passes.
    """
    if not any(q.part == "3" for q in build.questions):
        return True, "no calibration report yet (no Part 3)"
    report = os.path.join(CALIBRATION_DIR, "part3.json")
    hook = os.path.join(CALIBRATION_DIR, "check.py")
    if not os.path.exists(report):
        return False, f"Part 3 has tests but no committed calibration report {pipeline.rel(report)}"
    if not os.path.exists(hook):
        return False, f"Part 3 has a calibration report but no {pipeline.rel(hook)} defining check(build, report_path)"
    ok, message = import_path("_hw_calibration_check", hook).check(build, report)
    return bool(ok), str(message)


# ----------------------------------------------------------------------------------------------
# The gate


def _score(results):
    lost, failed, passed = {}, {}, {}
    for q, cases in results.items():
        for name, points, ok, message in cases:
            if ok:
                passed.setdefault(q, []).append(name)
            else:
                lost[q] = lost.get(q, 0.0) + points
                failed.setdefault(q, {})[name] = last_line(message)
    return lost, failed, passed


def _run_variant(module, source, questions, solutions, tmp, tag, timeout):
    """Load `source` as `module` (the other modules: the solutions) and run `questions` on it."""
    others = {k: v for k, v in solutions.items() if k != module}
    mod = load_variant(module, source, os.path.join(tmp, tag), others)
    env = dict(others, **{module: mod, pipeline.SUBMITTED_FILES: dict(SUBMITTED)})
    results, problem = run_questions(questions, env, timeout)
    broken = getattr(mod, "_error", None) if type(mod).__name__ == "BrokenModule" else None
    return results, problem, broken


SUBMITTED = {}  # {file name: path}: the solutions' result files (submission_files), as the tests receive them


def _write_submitted_files(build, directory):
    """Write the files of solutions/ that match assignment.yml's submission_files; {name: path}."""
    import fnmatch
    patterns = build.config.get("submission_files", []) or []
    out = {}
    for name, data in build.solutions.items():
        if "/" not in name and any(fnmatch.fnmatch(name, p) for p in patterns):
            os.makedirs(directory, exist_ok=True)
            path = os.path.join(directory, name)
            with open(path, "wb") as f:
                f.write(data)
            out[name] = path
    return out


def verify(build=None, catalog_dir=CATALOG_DIR, only=None, timeout=TIMEOUT):
    """Run the gate; returns a Report (report.ok is False on any failure). `only`: one module name."""
    start = time.time()
    build = build if build is not None else pipeline.build()
    if pipeline.ASSIGNMENT not in sys.path:
        sys.path.insert(0, pipeline.ASSIGNMENT)  # test files and the loader live in hw_support
    report = Report(build=build)
    modules = list(build.config["modules"])
    catalogs = _catalog_modules(catalog_dir)
    selected = [m for m in modules + [c for c in catalogs if c not in modules] if only in (None, m)]
    if only is not None and not selected:
        report.fail(f"--module {only}: no such student module or catalog")
    total_mutants, all_catalogs = 0, True
    extra_checks = []
    with one_thread_and_kept_modules(modules + catalogs), tempfile.TemporaryDirectory(prefix="hw-verify-") as tmp:
        SUBMITTED.clear()
        SUBMITTED.update(_write_submitted_files(build, os.path.join(tmp, "submitted")))
        solutions = {}
        for m in modules:
            solutions[m] = load_variant(m, build.solutions[m + ".py"].decode(), os.path.join(tmp, "solutions"),
                                        solutions)
        for m in selected:
            n, has_catalog, checks = _verify_module(report, build, m, modules, solutions, catalog_dir,
                                                    catalogs, tmp, timeout)
            total_mutants += n
            all_catalogs &= has_catalog
            extra_checks += checks
        all_catalogs &= all(m in catalogs for m in modules)

    if only is None:
        ok = total_mutants >= MIN_TOTAL_MUTANTS or not all_catalogs
        msg = f"{total_mutants} mutants in all catalogs (at least {MIN_TOTAL_MUTANTS} needed" + (
            ")" if all_catalogs else " once every student module has a catalog)")
        report.checks.append({"name": "catalog size", "ok": ok, "message": msg})
        if not ok:
            report.fail(f"only {total_mutants} mutants in all catalogs; at least {MIN_TOTAL_MUTANTS} are required")
    for name, fn in CHECKS + extra_checks:
        if only is not None and (name, fn) in CHECKS:
            continue
        try:
            ok, message = fn(build)
        except Exception as e:
            ok, message = False, f"the check raised {type(e).__name__}: {e}"
        report.checks.append({"name": name, "ok": bool(ok), "message": str(message)})
        if not ok:
            report.fail(f"check {name}: {message}")
    report.seconds = time.time() - start
    return report


def _verify_module(report, build, m, modules, solutions, catalog_dir, catalogs, tmp, timeout):
    """Verify one module; returns (number of mutants, has a usable catalog, catalog CHECKS)."""
    cat_path = os.path.join(catalog_dir, m + ".py")
    if m not in modules:
        report.fail(f"{pipeline.rel(cat_path)}: '{m}' is not a student module in assignment.yml")
        report.rows.append(Row("?", m, "(catalog without a module)", 0))
        return 0, True, []
    questions = [q for q in build.questions if m in q.modules]
    solution = build.solutions[m + ".py"].decode()
    stub = build.release[m + ".py"].decode()
    given = given_names(solution, stub)

    # graded functions: what the tests use, minus given code; with their parts and cases
    graded = {}  # name -> {"parts": set, "cases": int}
    student_cases = set()  # (question, case name) that exercise student-written code
    for q in questions:
        uses = case_uses(q.source, modules)
        for c in q.cases:
            attrs = {a for (mod, a) in uses.get(c.function, set()) if mod == m}
            for a in attrs - given:
                g = graded.setdefault(a, {"parts": set(), "cases": 0})
                g["parts"].add(q.part)
                g["cases"] += 1
            if attrs - given or not attrs:
                student_cases.add((q.name, c.name))

    # solution and stub
    for kind, source in (("solution", solution), ("stub", stub)):
        results, problem, broken = _run_variant(m, source, questions, solutions, tmp, kind, timeout)
        lost, failed, passed = _score(results)
        v = VariantResult(m, kind, "*", kind, lost=lost, failed_cases=failed, passed_cases=passed)
        n = sum(len(cs) for cs in results.values())
        if kind == "solution":
            v.ok = not failed and problem is None and broken is None
            v.problem = f"passes {n - sum(map(len, failed.values()))}/{n} tests"
            if not v.ok:
                what = problem or broken or "; ".join(f"{q}: {c}: {msg}" for q, cs in failed.items()
                                                      for c, msg in cs.items())
                report.fail(f"the solution of {m} fails: {what}")
        else:
            should_fail = {(q, c) for q, cs in results.items() for c, *_ in cs} & student_cases
            wrongly = sorted(f"{q}: {c}" for q, cases in passed.items() for c in cases if (q, c) in should_fail)
            v.ok = not wrongly and problem is None
            v.problem = f"fails {len(should_fail) - len(wrongly)}/{len(should_fail)} tests of student-written code"
            if wrongly:
                report.fail(f"the stub of {m} passes tests of student-written code: {', '.join(wrongly)}")
            if problem:
                report.fail(f"the stub of {m}: {problem}")
        report.variants.append(v)
    if not questions:
        report.fail(f"{m}: no test uses this module")

    # the catalog
    mutants, alternatives, checks, has_catalog = [], [], [], False
    if m not in catalogs:
        report.fail(f"{m}: no catalog {pipeline.rel(cat_path)} (mutants and alternatives of its graded functions)")
    else:
        try:
            mutants, alternatives, checks = load_catalog(cat_path)
            has_catalog = True
        except BaseException as e:  # a half-written catalog is a failure row, not a crash
            if isinstance(e, KeyboardInterrupt):
                raise
            report.fail(f"{pipeline.rel(cat_path)} is broken: {type(e).__name__}: {e}")
            report.rows.append(Row("?", m, "(broken catalog)", 0))
    checks = [(f"{m}: {getattr(fn, '__name__', 'check')}", fn) for fn in checks]

    order = {n.name: n.lineno for n in ast.parse(solution).body if hasattr(n, "name")}
    rows = {f: Row(",".join(sorted(g["parts"])), m, f, g["cases"]) for f, g in sorted(
        graded.items(), key=lambda kv: (sorted(kv[1]["parts"]), order.get(kv[0], 0), kv[0]))}
    qnames = {q.name for q in questions}
    seen = set()
    for i, var in enumerate(mutants + alternatives):
        kind = "mutant" if i < len(mutants) else "alternative"
        function, name = getattr(var, "function", "?"), getattr(var, "name", repr(var))
        v = VariantResult(m, kind, function, name, caught_by=list(getattr(var, "caught_by", []) or []))
        report.variants.append(v)
        label = f"{kind} {m}.{function} '{name}'"
        row = rows.get(function)
        if row is not None:
            if kind == "mutant":
                row.mutants_total += 1
            else:
                row.alternatives_total += 1
        problems = []
        if row is None:
            problems.append(f"'{function}' is not a graded function of {m} (graded: {', '.join(rows) or 'none'})")
        if (kind, function, name) in seen:
            problems.append("has the same name as another variant of this function")
        seen.add((kind, function, name))
        if kind == "mutant":
            if not v.caught_by:
                problems.append("caught_by is empty: record the question meant to catch it")
            unknown = [q for q in v.caught_by if q not in qnames]
            if unknown:
                problems.append(f"caught_by names {', '.join(unknown)}, not a question that uses {m}")
        try:
            source = var.apply(solution)
            if source == solution:
                problems.append("does not change the solution")
        except Exception as e:
            source = None
            problems.append(f"cannot be applied: {e}")
        if problems:
            v.problem = "; ".join(problems)
            report.fail(f"{label}: {v.problem}")
            continue
        results, problem, broken = _run_variant(m, source, questions, solutions, tmp, f"v{i}", timeout)
        v.lost, v.failed_cases, v.passed_cases = _score(results)
        lost = {q for q, pts in v.lost.items() if pts > 0}
        if broken is not None:
            v.problem = "does not import: " + last_line(broken)
            report.fail(f"{label} {v.problem} (a catalog bug, not a test of the tests)")
        elif kind == "mutant":
            missed = [q for q in v.caught_by if q not in lost]
            v.ok = not missed
            if problem:
                v.problem = problem
            if not lost:
                v.problem = "ESCAPED: lost no points" + (f" ({problem})" if problem else "")
            elif missed:
                v.problem = (f"ESCAPED {', '.join(missed)}: lost points only in {', '.join(sorted(lost))}"
                             + (f" ({problem})" if problem else ""))
            else:
                v.problem = v.problem or f"caught by {', '.join(sorted(lost))}"
            if v.ok:
                row.mutants_caught += 1
            else:
                report.fail(f"{label}: {v.problem}")
        else:
            v.ok = not v.failed_cases and problem is None
            if v.ok:
                row.alternatives_passed += 1
                v.problem = "full marks"
            else:
                first = next((f"{q}: {c}: {msg}" for q, cs in v.failed_cases.items() for c, msg in cs.items()), "")
                v.problem = problem or f"WRONGLY FAILED {sum(map(len, v.failed_cases.values()))} test(s), e.g. {first}"
                report.fail(f"{label}: {v.problem}")
    for f, row in rows.items():
        if row.mutants_total < MIN_MUTANTS or row.alternatives_total < MIN_ALTERNATIVES:
            report.fail(f"{m}.{f}: {row.mutants_total} mutants and {row.alternatives_total} alternatives in "
                        f"{pipeline.rel(cat_path)}; at least {MIN_MUTANTS} and {MIN_ALTERNATIVES} are required")
        report.rows.append(row)
    return len(mutants), has_catalog, checks


# ----------------------------------------------------------------------------------------------
# Command line


def add_arguments(parser):
    parser.add_argument("--json", metavar="OUT", help="write the full report as JSON to OUT")
    parser.add_argument("--module", metavar="M", help="verify one student module only (e.g. attention)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help=f"seconds per variant (default {TIMEOUT})")


def run(args, build=None, catalog_dir=CATALOG_DIR):
    """`python build.py verify` with parsed `args`; prints the table, returns the exit status (0 or 1)."""
    report = verify(build, catalog_dir=catalog_dir, only=args.module, timeout=args.timeout)
    print(report.table())
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report.as_json(), f, indent=2, ensure_ascii=False)
        print(f"report written to {args.json}")
    return 0 if report.ok else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description="Prove the graders right (see hwbuild/verify.py).")
    add_arguments(parser)
    return run(parser.parse_args(argv))
