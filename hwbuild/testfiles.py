"""Otter exception-format test files: merge public and hidden cases, read their points and names.

A question's public cases live in `assignment/tests/<q>.py` (shipped to students); its hidden cases
in `autograder/tests/<q>.py`, which build.py appends to the public file for the autograder.
"""
import ast
import os
from dataclasses import dataclass, field

from otter.test_files import ExceptionTestFile

from .markers import MasterError, marker_lines

HIDDEN_SEPARATOR = "\n\n# ---- hidden cases (autograder only) ----\n"


@dataclass
class Case:
    name: str
    points: float
    hidden: bool
    function: str
    line: int
    modules: set
    success_message: str = None
    failure_message: str = None


@dataclass
class Question:
    name: str
    source: str  # the merged file's text
    cases: list = field(default_factory=list)

    @property
    def part(self):
        from hw_support.otter_adapter import question_part
        return question_part(self.name)

    @property
    def modules(self):
        return set().union(*(c.modules for c in self.cases)) if self.cases else set()

    def points(self, hidden):
        return sum(c.points for c in self.cases if c.hidden == hidden)


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def _top_level_functions(source, path):
    try:
        tree = ast.parse(source, path)
    except SyntaxError as e:
        raise MasterError(path, e.lineno or 0, f"syntax error: {e.msg}") from None
    return {n.name: n.lineno for n in tree.body if isinstance(n, ast.FunctionDef)}


def hidden_offset(public_path):
    """Line number offset of the hidden cases inside a merged file."""
    if not public_path:
        return 0
    return len(_read(public_path).splitlines()) + HIDDEN_SEPARATOR.count("\n")


def merge(public_path, hidden_path, shown=lambda path: path):
    """The autograder's text of one question: public file + hidden cases (either may be absent).

    `shown(path)` is how errors name a file (e.g. relative to the project root)."""
    public = _read(public_path) if public_path and os.path.exists(public_path) else None
    hidden = _read(hidden_path) if hidden_path and os.path.exists(hidden_path) else None
    public_path, hidden_path = public_path and shown(public_path), hidden_path and shown(hidden_path)
    for path, text in ((public_path, public), (hidden_path, hidden)):
        if text is not None and marker_lines(text):
            line = marker_lines(text)[0][0]
            raise MasterError(path, line, "solution/prompt markers belong in master modules, not in test files")
    if public is None:
        return hidden
    if hidden is None:
        return public
    pub_fns, hid_fns = _top_level_functions(public, public_path), _top_level_functions(hidden, hidden_path)
    for fn in sorted(set(pub_fns) & set(hid_fns)):
        raise MasterError(hidden_path, hid_fns[fn], f"function '{fn}' is also defined in {public_path}: "
                          "the later one would silently replace the earlier test")
    return public + HIDDEN_SEPARATOR + hidden


def parse(name, source, path, modules):
    """A Question from test file text; `modules` are the student module names tests may request."""
    from hw_support import otter_adapter  # the build puts hw_support on the path first

    tf = ExceptionTestFile.from_string(source, path=path)
    if tf.name != name:
        raise MasterError(path, 1, f"the file defines name = {tf.name!r}; it must match its file name {name!r}")
    q = Question(name, source)
    for tc in tf.test_cases:
        fn = tc.body.test_func
        q.cases.append(Case(tc.name, float(tc.points or 0), bool(tc.hidden), fn.__name__,
                            fn.__code__.co_firstlineno, otter_adapter.case_modules(tc, modules),
                            tc.success_message, tc.failure_message))
    return q


def manifest(questions):
    """The autograder's harness/tests.json: every question's cases as otter resolved them (names, points,
    visibility, messages) and the modules they use, so the harness never executes a test file itself
    (that would import torch into a third process on Gradescope's 768 MB container)."""
    import json

    return json.dumps([{"name": q.name, "modules": sorted(q.modules),
                        "cases": [{"name": c.name, "points": c.points, "hidden": c.hidden,
                                   "success_message": c.success_message, "failure_message": c.failure_message}
                                  for c in q.cases]} for q in questions], indent=1) + "\n"


def module_attributes(source, path, modules):
    """{(module, attribute): line} for each `module.attribute` a test function reads off a requested module."""
    used = {}
    for node in ast.walk(ast.parse(source, path)):
        if isinstance(node, ast.FunctionDef):
            params = {a.arg for a in node.args.args} & set(modules)
            for sub in ast.walk(node):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id in params:
                    used.setdefault((sub.value.id, sub.attr), sub.lineno)
    return used
