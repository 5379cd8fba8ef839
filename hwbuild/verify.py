"""Release gate: prove the graders right (`python build.py verify`).

For every student module of the selected parts:

1. the solution passes every test case that uses the module, and the release stub fails every case
   that exercises student-written code (a case that only uses given code may pass on the stub);
2. each mutant of the module's catalogs (`autograder/parts/<part>/mutants/<module>.py` of every
   selected part that writes the module; format: hwbuild/mutants.py) loses points in every question
   of its `caught_by` (written with the part's own numbers, renumbered like its questions);
3. each correct alternative of the catalog keeps full marks;
4. every graded function (a `module.name` the tests use, whose stub is not the given solution code)
   has at least MIN_MUTANTS mutants and MIN_ALTERNATIVES alternatives, so a new part is brought in
   just by declaring its catalog; and, for the full assignment, all catalogs together hold at least
   MIN_TOTAL_MUTANTS mutants;
5. each selected part with a calibration passes its check (hwbuild/calibration.py: thresholds, report
   and reference run agree), and any `CHECKS` a catalog defines pass.

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
import tempfile
import time
from dataclasses import dataclass, field

from . import calibration, parts as parts_mod, pipeline
from .catalogs import case_uses, catalogs, given_names, load_catalogs
from .variants import (TIMEOUT, last_line, import_path, load_variant, one_thread_and_kept_modules,  # noqa: F401
                       run_questions)
from .verify_report import Report, Row, VariantResult

MIN_MUTANTS = 5  # per graded function
MIN_ALTERNATIVES = 1  # per graded function
MIN_TOTAL_MUTANTS = 60  # over all catalogs, once every student module has one


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


def _write_submitted_files(build, directory):
    """Write the files of solutions/ that match the parts' submission_files; {name: path}."""
    import fnmatch
    patterns = build.assignment.submission_files
    out = {}
    for name, data in build.solutions.items():
        if "/" not in name and any(fnmatch.fnmatch(name, p) for p in patterns):
            os.makedirs(directory, exist_ok=True)
            path = os.path.join(directory, name)
            with open(path, "wb") as f:
                f.write(data)
            out[name] = path
    return out


@dataclass
class Gate:
    """One verify run: the build, the report it fills, and the solution modules every variant runs beside."""
    build: object
    report: Report
    tmp: str
    timeout: float = TIMEOUT
    solutions: dict = field(default_factory=dict)  # {module: the loaded solution}
    submitted: dict = field(default_factory=dict)  # {file name: path}: the solutions' result files

    def run_variant(self, module, source, questions, tag):
        """Load `source` as `module` (the other modules: the solutions) and run `questions` on it."""
        others = {k: v for k, v in self.solutions.items() if k != module}
        mod = load_variant(module, source, os.path.join(self.tmp, tag), others)
        env = dict(others, **{module: mod, pipeline.SUBMITTED_FILES: dict(self.submitted)})
        results, problem = run_questions(questions, env, self.timeout)
        broken = getattr(mod, "_error", None) if type(mod).__name__ == "BrokenModule" else None
        return results, problem, broken


def verify(build=None, only=None, timeout=TIMEOUT, select=None, config=parts_mod.CONFIG, functions=None):
    """Run the gate; returns a Report (report.ok is False on any failure). `only`: one module name;
    `functions` (with `only`): the variants of these graded functions only, each still run on every
    question of the module (e.g. a drawn Part 1 term: the functions whose answers depend on K and V);
    `select`, `config`: the parts to build and the composition they come from (when no `build` is given)."""
    start = time.time()
    build = build if build is not None else pipeline.build(config, select)
    report = Report(build=build)
    assignment = build.assignment
    modules = assignment.modules
    found = catalogs(assignment)
    for m, entries in found.items():
        if m not in modules:
            report.fail(f"{pipeline.rel(entries[0][1])}: '{m}' is not a student module of the selected parts")
            report.rows.append(Row("?", m, "(catalog without a module)", 0))
    selected = [m for m in modules if only in (None, m)]
    if only is not None and not selected:
        report.fail(f"--module {only}: no such student module")
    if functions is not None and only is None:
        report.fail("--functions needs --module: the functions are those of one module")
        selected = []
    total_mutants, extra_checks = 0, []
    loaded = assignment.loaded
    with one_thread_and_kept_modules(loaded), tempfile.TemporaryDirectory(prefix="hw-verify-") as tmp:
        gate = Gate(build, report, tmp, timeout)
        gate.submitted = _write_submitted_files(build, os.path.join(tmp, "submitted"))
        for m in loaded:
            gate.solutions[m] = load_variant(m, build.solutions[m + ".py"].decode(), os.path.join(tmp, "solutions"),
                                             gate.solutions)
        for m in selected:
            n, checks = verify_module(gate, m, found.get(m, []), functions)
            total_mutants += n
            extra_checks += checks
        if only is None:
            check_given_questions(gate, modules)
    if only is None and len(assignment.parts) == len(parts_mod.discover()):
        ok = total_mutants >= MIN_TOTAL_MUTANTS
        report.checks.append({"name": "catalog size", "ok": ok, "message": f"{total_mutants} mutants in all "
                              f"catalogs (at least {MIN_TOTAL_MUTANTS} needed for the full assignment)"})
        if not ok:
            report.fail(f"only {total_mutants} mutants in all catalogs; at least {MIN_TOTAL_MUTANTS} are required")
    checks = [] if only is not None else [(f"part {p.number} calibration", calibration.checker(p))
                                          for p in assignment.parts if calibration.has_calibration(p)]
    for name, fn in checks + extra_checks:
        try:
            ok, message = fn(build)
        except Exception as e:
            ok, message = False, f"the check raised {type(e).__name__}: {e}"
        report.checks.append({"name": name, "ok": bool(ok), "message": str(message)})
        if not ok:
            report.fail(f"check {name}: {message}")
    report.seconds = time.time() - start
    return report


def graded_functions(build, m, questions, given):
    """({function: {"parts", "cases"}} of `m`'s graded functions, {(question, case)} of cases that run
    student-written code)."""
    graded, student_cases = {}, set()
    for q in questions:
        uses = case_uses(q.source, build.assignment.loaded)
        for c in q.cases:
            attrs = {a for (mod, a) in uses.get(c.function, set()) if mod == m}
            for a in attrs - given:
                g = graded.setdefault(a, {"parts": set(), "cases": 0})
                g["parts"].add(q.part)
                g["cases"] += 1
            if attrs - given or not attrs:
                student_cases.add((q.name, c.name))
    return graded, student_cases


def check_solution_and_stub(gate, m, questions, student_cases):
    """The solution passes every test of `m`; the stub fails every test of student-written code."""
    report = gate.report
    for kind in ("solution", "stub"):
        source = (gate.build.solutions if kind == "solution" else gate.build.release)[m + ".py"].decode()
        results, problem, broken = gate.run_variant(m, source, questions, kind)
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


def check_given_questions(gate, modules):
    """Questions that use no student module (only given modules and result files, e.g. Part 3's rerun of
    the submitted predictions) pass on the solutions and the reference run's files."""
    questions = [q for q in gate.build.questions if not q.modules & set(modules)]
    if not questions:
        return
    env = dict(gate.solutions, **{pipeline.SUBMITTED_FILES: dict(gate.submitted)})
    results, problem = run_questions(questions, env, gate.timeout)
    lost, failed, passed = _score(results)
    n = sum(len(cs) for cs in results.values())
    v = VariantResult("(given modules)", "solution", "*", "solution", lost=lost, failed_cases=failed,
                      passed_cases=passed, ok=not failed and problem is None,
                      problem=f"passes {n - sum(map(len, failed.values()))}/{n} tests")
    gate.report.variants.append(v)
    if not v.ok:
        gate.report.fail("the solutions fail tests of given modules: " + (problem or "; ".join(
            f"{q}: {c}: {msg}" for q, cs in failed.items() for c, msg in cs.items())))


def verify_module(gate, m, entries, functions=None):
    """Verify one module against its catalogs [(part, path)]; returns (number of mutants, catalog CHECKS).
    `functions`: only the variants (and rows) of these graded functions; None: all of them."""
    build, report = gate.build, gate.report
    questions = [q for q in build.questions if m in q.modules]
    solution = build.solutions[m + ".py"].decode()
    given = given_names(solution, build.release[m + ".py"].decode())
    graded, student_cases = graded_functions(build, m, questions, given)
    check_solution_and_stub(gate, m, questions, student_cases)
    if not questions:
        report.fail(f"{m}: no test uses this module")
    if not entries:
        report.fail(f"{m}: no catalog autograder/parts/<part>/mutants/{m}.py (mutants and alternatives of its "
                    "graded functions)")
    mutants, alternatives, checks = load_catalogs(report, m, entries)
    if functions is not None:
        unknown = sorted(set(functions) - set(graded))
        if unknown:
            report.fail(f"--functions: {', '.join(unknown)}: not graded functions of {m} "
                        f"(graded: {', '.join(sorted(graded))})")
        graded = {f: g for f, g in graded.items() if f in functions}
        mutants, alternatives = ([v for v in vs if getattr(v, "function", None) in functions]
                                 for vs in (mutants, alternatives))
    order = {n.name: n.lineno for n in ast.parse(solution).body if hasattr(n, "name")}
    rows = {f: Row(",".join(sorted(g["parts"])), m, f, g["cases"]) for f, g in sorted(
        graded.items(), key=lambda kv: (sorted(kv[1]["parts"]), order.get(kv[0], 0), kv[0]))}
    check = ModuleCheck(gate, m, solution, questions, rows)
    loaded = set(build.assignment.loaded)
    for i, var in enumerate(mutants + alternatives):
        kind = "mutant" if i < len(mutants) else "alternative"
        missing = sorted(set(getattr(var, "needs", None) or []) - loaded)
        if missing:
            report.checks.append({"name": f"{kind} {m}.{var.function} '{var.name}'", "ok": True, "message":
                                  f"skipped: it imports {', '.join(missing)}, not in this selection of parts"})
            continue
        check_variant(check, kind, i, var)
    where = " + ".join(pipeline.rel(path) for _, path in entries) or f"autograder/parts/<part>/mutants/{m}.py"
    for f, row in rows.items():
        if row.mutants_total < MIN_MUTANTS or row.alternatives_total < MIN_ALTERNATIVES:
            report.fail(f"{m}.{f}: {row.mutants_total} mutants and {row.alternatives_total} alternatives in "
                        f"{where}; at least {MIN_MUTANTS} and {MIN_ALTERNATIVES} are required")
        report.rows.append(row)
    return len(mutants), checks


@dataclass
class ModuleCheck:
    """What every variant of one module is run against, and the rows it counts into."""
    gate: Gate
    module: str
    solution: str  # the module's solution source, which each variant edits
    questions: list  # the questions that use the module
    rows: dict  # {graded function: Row}
    seen: set = field(default_factory=set)  # (kind, function, name) of the variants so far


def _variant_problems(check, var, kind, function, caught_by):
    """(problems that stop a variant from running, its source)."""
    problems, m = [], check.module
    name = getattr(var, "name", repr(var))
    if check.rows.get(function) is None:
        problems.append(f"'{function}' is not a graded function of {m} (graded: {', '.join(check.rows) or 'none'})")
    if (kind, function, name) in check.seen:
        problems.append("has the same name as another variant of this function")
    check.seen.add((kind, function, name))
    if kind == "mutant":
        if not caught_by:
            problems.append("caught_by is empty: record the question meant to catch it")
        unknown = [q for q in list(caught_by) + list(getattr(var, "loses_all_of", None) or [])
                   if q not in {q.name for q in check.questions}]
        if unknown:
            problems.append(f"caught_by names {', '.join(unknown)}, not a question that uses {m}")
    try:
        source = var.apply(check.solution)
        if source == check.solution:
            problems.append("does not change the solution")
    except Exception as e:
        source = None
        problems.append(f"cannot be applied: {e}")
    return problems, source


def check_variant(check, kind, i, var):
    """Run one mutant (must lose points in its caught_by questions) or alternative (must keep full marks)."""
    report, m = check.gate.report, check.module
    function, name = getattr(var, "function", "?"), getattr(var, "name", repr(var))
    v = VariantResult(m, kind, function, name, caught_by=list(getattr(var, "caught_by", []) or []))
    report.variants.append(v)
    label = f"{kind} {m}.{function} '{name}'"
    row = check.rows.get(function)
    if row is not None:
        if kind == "mutant":
            row.mutants_total += 1
        else:
            row.alternatives_total += 1
    problems, source = _variant_problems(check, var, kind, function, v.caught_by)
    if problems:
        v.problem = "; ".join(problems)
        report.fail(f"{label}: {v.problem}")
        return
    results, problem, broken = check.gate.run_variant(m, source, check.questions, f"v{i}")
    v.lost, v.failed_cases, v.passed_cases = _score(results)
    lost = {q for q, pts in v.lost.items() if pts > 0}
    if broken is not None:
        v.problem = "does not import: " + last_line(broken)
        report.fail(f"{label} {v.problem} (a catalog bug, not a test of the tests)")
    elif kind == "mutant":
        missed = [q for q in v.caught_by if q not in lost]
        kept = {q: v.passed_cases[q] for q in getattr(var, "loses_all_of", None) or [] if v.passed_cases.get(q)}
        v.ok = not missed and not kept
        if not lost:
            v.problem = "ESCAPED: lost no points" + (f" ({problem})" if problem else "")
        elif missed:
            v.problem = (f"ESCAPED {', '.join(missed)}: lost points only in {', '.join(sorted(lost))}"
                         + (f" ({problem})" if problem else ""))
        elif kept:
            v.problem = "PAID for a trivial output: " + "; ".join(f"{q} passed {', '.join(cs)}"
                                                                   for q, cs in kept.items())
        else:
            v.problem = problem or f"caught by {', '.join(sorted(lost))}"
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


# ----------------------------------------------------------------------------------------------
# Command line


def add_arguments(parser):
    parser.add_argument("--json", metavar="OUT", help="write the full report as JSON to OUT")
    parser.add_argument("--module", metavar="M", help="verify one student module only (e.g. attention)")
    parser.add_argument("--functions", metavar="F,G", help="with --module: only the mutants and alternatives of "
                        "these graded functions (each still run on every question of the module)")
    parser.add_argument("--parts", default=argparse.SUPPRESS, metavar="N,M", help="verify only these parts")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help=f"seconds per variant (default {TIMEOUT})")


def run(args, build=None):
    """`python build.py verify` with parsed `args`; prints the table, returns the exit status (0 or 1)."""
    select = [s for s in args.parts.split(",") if s] if getattr(args, "parts", None) else None
    functions = [f for f in args.functions.split(",") if f] if getattr(args, "functions", None) else None
    report = verify(build, only=args.module, timeout=args.timeout, select=select,
                    config=getattr(args, "config", None) or parts_mod.CONFIG, functions=functions)
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
