"""Catalogs of realistic student mistakes (mutants) and of correct alternative implementations.

Each part may have a catalog `autograder/parts/<part>/mutants/<module>.py` per module it writes (never
released) defining

    MUTANTS = [Mutant(function=..., name=..., caught_by=[question, ...], replace=(old, new)), ...]
    ALTERNATIVES = [Alternative(function=..., name=..., code="def f(...): ..."), ...]

A variant's source is the module's solution with one edit: `replace=(old, new)` swaps one exact,
unique snippet of the solution, `code=` replaces the top-level definitions it defines (functions
or classes of the same name) and may add helpers. A mutant must lose points in every question of
`caught_by`, and every point of each question in its optional `loses_all_of` (a trivial output, e.g.
zeros, that no property test may pay for); an alternative must keep full marks. A variant that imports
a module of another part says so with `needs=[module]`; verify of a selection without it skips it.
"""
import ast
from dataclasses import dataclass, field
from typing import Optional, Tuple


@dataclass
class Variant:
    function: str  # the graded function or class it changes
    name: str  # what the student did, in a few words
    replace: Optional[Tuple[str, str]] = None
    code: Optional[str] = None
    needs: list = field(default_factory=list)  # modules of other parts it imports (skipped without them)

    def apply(self, solution):
        """The solution source with this variant's edit."""
        if (self.replace is None) == (self.code is None):
            raise ValueError(f"{self.name}: give exactly one of replace= or code=")
        if self.replace is not None:
            old, new = self.replace
            n = solution.count(old)
            if n != 1:
                raise ValueError(f"{self.name}: the snippet {old!r} occurs {n} times in the solution (need exactly 1)")
            return solution.replace(old, new)
        return replace_definitions(solution, self.code)


@dataclass
class Mutant(Variant):
    caught_by: list = field(default_factory=list)  # question names, e.g. "q2_1_pairwise_similarities"
    loses_all_of: list = field(default_factory=list)  # questions in which it must fail every test case


@dataclass
class Alternative(Variant):
    pass


def mutant(function, name, caught_by, old=None, new=None, code=None, loses_all_of=()):
    """A Mutant that replaces `old` by `new`, or (with `code`) whole definitions."""
    return Mutant(function=function, name=name, caught_by=caught_by,
                  replace=(old, new) if code is None else None, code=code, loses_all_of=list(loses_all_of))


def alternative(function, name, code=None, old=None, new=None, needs=()):
    """An Alternative that replaces whole definitions with `code`, or `old` by `new`; `needs`: the modules of
    other parts it imports (verify skips it, saying so, in a selection without them)."""
    return Alternative(function=function, name=name, code=code, replace=(old, new) if code is None else None,
                       needs=list(needs))


def _definitions(tree):
    return {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))}


def replace_definitions(solution, code):
    """`solution` with each top-level def/class in `code` swapped for the one in `code`.

    Definitions in `code` that the solution lacks (helpers) are added just before the first replaced one.
    """
    code = code.strip("\n") + "\n"
    new_defs = _definitions(ast.parse(code))
    old_defs = _definitions(ast.parse(solution))
    lines = solution.splitlines(keepends=True)
    code_lines = code.splitlines(keepends=True)

    def span(node, src_lines):
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        return start, node.end_lineno

    replaced = sorted((span(old_defs[n], lines), n) for n in new_defs if n in old_defs)
    if not replaced:
        raise ValueError("code= defines none of the solution's top-level functions or classes")
    helpers = "".join("".join(code_lines[slice(*span(new_defs[n], code_lines))]) + "\n\n"
                      for n in new_defs if n not in old_defs)
    out, cursor = [], 0
    for i, ((start, end), name) in enumerate(replaced):
        out.append("".join(lines[cursor:start]))
        if i == 0:
            out.append(helpers)
        out.append("".join(code_lines[slice(*span(new_defs[name], code_lines))]))
        cursor = end
    out.append("".join(lines[cursor:]))
    return "".join(out)
