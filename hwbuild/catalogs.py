"""Mutant catalogs and what the tests use, for `build.py verify` (hwbuild/verify.py).

A part's catalogs are `autograder/parts/<part>/mutants/<module>.py` (format: hwbuild/mutants.py); a
module several parts write has one catalog per part, merged here.
"""
import ast
import os
import sys

from . import pipeline
from .variants import import_path
from .verify_report import Row


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


def load_catalog(path):
    """(MUTANTS, ALTERNATIVES, CHECKS) of the catalog file at `path`, imported by path."""
    if pipeline.ROOT not in sys.path:
        sys.path.insert(0, pipeline.ROOT)  # catalogs import hwbuild.mutants
    name = "_hw_catalog_" + os.path.relpath(path, pipeline.ROOT).replace(os.sep, "_")[:-3]
    mod = import_path(name, path)
    for attr in ("MUTANTS", "ALTERNATIVES"):
        if not isinstance(getattr(mod, attr, None), (list, tuple)):
            raise ValueError(f"defines no {attr} list")
    return list(mod.MUTANTS), list(mod.ALTERNATIVES), list(getattr(mod, "CHECKS", []))


def catalogs(assignment):
    """{module: [(part, catalog path)]} of every catalog in the selected parts' autograder/parts/<part>/mutants/:
    `<module>.py`, then any `<module>/*.py` (a long catalog split by topic, each file a catalog itself)."""
    out = {}
    for part in assignment.parts:
        folder = part.hidden("mutants")
        names = sorted(f[:-3] for f in os.listdir(folder) if f.endswith(".py")) if os.path.isdir(folder) else []
        for m in names:
            out.setdefault(m, []).append((part, os.path.join(folder, m + ".py")))
            extra = os.path.join(folder, m)
            if os.path.isdir(extra):
                out[m] += [(part, os.path.join(extra, f)) for f in sorted(os.listdir(extra)) if f.endswith(".py")]
    return out


def load_catalogs(report, m, entries):
    """(mutants, alternatives, checks) of `m` from every selected part's catalog; caught_by and
    loses_all_of renumbered."""
    mutants, alternatives, checks = [], [], []
    for part, path in entries:
        try:
            mu, alt, ch = load_catalog(path)
        except BaseException as e:  # a half-written catalog is a failure row, not a crash
            if isinstance(e, KeyboardInterrupt):
                raise
            report.fail(f"{pipeline.rel(path)} is broken: {type(e).__name__}: {e}")
            report.rows.append(Row("?", m, "(broken catalog)", 0))
            continue
        for var in mu + alt:
            for attr in ("caught_by", "loses_all_of"):
                named = getattr(var, attr, None)
                if named:
                    object.__setattr__(var, attr, [part.renumber(q) for q in named])
        mutants += mu
        alternatives += alt
        checks += [(f"{m}: {getattr(fn, '__name__', 'check')}", fn) for fn in ch]
    return mutants, alternatives, checks
