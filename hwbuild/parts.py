"""Parts: the units an assignment is composed of, and the composition (assignment/assignment.yml).

A part is two folders named after it: `assignment/parts/<part>/` (what students see) and
`autograder/parts/<part>/` (what they never see). Nothing outside them names a part:

    assignment/parts/<part>/
        part.yml            title, number, modules, given modules, submission files, time limits, README rows,
                            requirements (pip lines for the autograder image and the release)
        <module>.py         master modules (# BEGIN SOLUTION ... # END SOLUTION); given modules as written
        tests/q<n>_<k>_<topic>.py   public tests (otter's exception format)
        notebook.py         the part's notebook (jupytext percent script), optional
        written.md          hand-graded questions, `### <n>.<k> Title [P points]` headings, optional
        hw_support/*.py     test helpers and tools, merged into the release's hw_support package, optional
        release/            copied into the release as is (scripts, data/), optional
    autograder/parts/<part>/
        tests/q<n>_<k>_<topic>.py   hidden cases, appended to the public file of the same name
        mutants/<module>.py catalogs of mistakes and correct alternatives (hwbuild/mutants.py)
        calibration/        optional: calibrate.py (hwbuild/calibration.py's interface), report.json, report.md,
                            reference_run/ (the reference solution's result files, copied into solutions/)

A module several parts write (Part 3 adds SynthesizerAttention to Part 2's attention.py) is listed in
each part's `modules`; each part's `<module>.py` holds its share and the build appends the shares of
the selected parts in part order, so a part works whether or not the other part is selected.
"""
import glob
import os
import re
from dataclasses import dataclass, field

import yaml

from .markers import MasterError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSIGNMENT = os.path.join(ROOT, "assignment")
AUTOGRADER = os.path.join(ROOT, "autograder")
CONFIG = os.path.join(ASSIGNMENT, "assignment.yml")
PART_KEYS = {"title", "number", "modules", "given", "submission_files", "time_limits", "readme", "requirements"}
PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13")  # what student machines and Gradescope may run
WRITTEN_HEADING = re.compile(r"^### (\d+)\.(\d+) (.+?) \[(\d+(?:\.\d+)?) points?\]\s*$")


def rel(path):
    return os.path.relpath(path, ROOT)


def read_yaml(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise MasterError(rel(path), mark.line + 1 if mark else 1, f"not valid YAML: {e}") from None
    return data or {}


@dataclass(frozen=True)
class Part:
    name: str  # the folder name under assignment/parts/ and autograder/parts/
    number: str  # its number in the composed assignment
    home: str  # its number in part.yml: the number its question files are written with
    title: str
    modules: tuple  # student modules this part writes (its share of each)
    given: tuple = ()  # modules shipped as written, never taken from a submission
    submission_files: tuple = ()
    time_limits: dict = field(default_factory=dict)
    readme: dict = field(default_factory=dict)
    requirements: tuple = ()  # pip requirement lines its tests or helpers need beyond torch, numpy and otter
    root: str = ROOT  # the project the part's folders are in

    def source(self, *path):
        return os.path.join(self.root, "assignment", "parts", self.name, *path)

    def hidden(self, *path):
        return os.path.join(self.root, "autograder", "parts", self.name, *path)

    def question_files(self, hidden=False):
        """{question name in the composed assignment: path} of this part's public (or hidden) test files."""
        where = self.hidden("tests") if hidden else self.source("tests")
        return {self.renumber(os.path.basename(p)[:-3]): p for p in sorted(glob.glob(os.path.join(where, "*.py")))}

    def renumber(self, question):
        """A question name as written in this part's files (q<home>_...) in the composed numbering."""
        prefix = f"q{self.home}_"
        return f"q{self.number}_" + question[len(prefix):] if question.startswith(prefix) else question

    def renumber_text(self, text):
        """Question names, `Part <n>` and `<n>.<k>` headings of a test file, notebook or written.md, renumbered."""
        if self.number == self.home:
            return text
        text = re.sub(rf"\bq{self.home}_(?=\d)", f"q{self.number}_", text)
        text = re.sub(rf"\bPart {self.home}\b", f"Part {self.number}", text)
        return re.sub(rf"^(#+ ){self.home}\.(?=\d)", rf"\g<1>{self.number}.", text, flags=re.M)

    def written(self):
        """[{name: 'n.k Title', points}] of written.md's headings (the hand-graded questions), renumbered."""
        path = self.source("written.md")
        if not os.path.exists(path):
            return []
        out = []
        with open(path, encoding="utf-8") as f:
            for i, line in enumerate(f, 1):
                if line.startswith("### "):
                    m = WRITTEN_HEADING.match(line)
                    if not m or m.group(1) != self.home:
                        raise MasterError(rel(path), i, f"a written question's heading must read "
                                          f"'### {self.home}.<k> Title [P points]'")
                    points = float(m.group(4))
                    out.append({"name": f"{self.number}.{m.group(2)} {m.group(3)}",
                                "points": int(points) if points.is_integer() else points})
        return out


def load_part(name, number=None, title=None):
    path = os.path.join(ASSIGNMENT, "parts", name, "part.yml")
    if not os.path.exists(path):
        known = ", ".join(discover()) or "none"
        raise MasterError(rel(CONFIG), 1, f"no part '{name}' (no {rel(path)}); parts: {known}")
    data = read_yaml(path)
    unknown = set(data) - PART_KEYS
    if unknown:
        raise MasterError(rel(path), 1, f"unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(PART_KEYS))})")
    for key in ("title", "number", "modules"):
        if key not in data:
            raise MasterError(rel(path), 1, f"'{key}' is missing")
    home = str(data["number"])
    return Part(name=name, number=str(number) if number is not None else home, home=home,
                title=title or data["title"], modules=tuple(data["modules"]), given=tuple(data.get("given") or ()),
                submission_files=tuple(data.get("submission_files") or ()),
                time_limits=dict(data.get("time_limits") or {}), readme=dict(data.get("readme") or {}),
                requirements=_requirements(data.get("requirements"), path))


def _requirements(value, path):
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(r, str) and r.strip() and "\n" not in r for r in value):
        raise MasterError(rel(path), 1, "requirements must be a list of pip requirement lines, e.g. [scipy>=1.10]")
    return tuple(r.strip() for r in value)


def discover():
    """The names of every part folder (those with a part.yml)."""
    return sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(ASSIGNMENT, "parts", "*", "part.yml")))


@dataclass(frozen=True)
class Assignment:
    name: str
    parts: tuple  # Part, in order
    title: str = ""  # what the student README's heading says after the name
    python_version: str = "3.11"  # the Python of the Gradescope image (hwbuild/image.py)

    @property
    def modules(self):
        """Student modules in part order (a module several parts write: once, at its first part)."""
        return list(dict.fromkeys(m for p in self.parts for m in p.modules))

    @property
    def given(self):
        return list(dict.fromkeys(m for p in self.parts for m in p.given))

    @property
    def loaded(self):
        """Every module tests may take as a parameter: the student modules, then the given ones."""
        return self.modules + self.given

    @property
    def submission_files(self):
        return [f for p in self.parts for f in p.submission_files]

    def masters(self, module):
        """The master files of `module`, one per selected part that writes (or gives) it, in part order."""
        return [p.source(module + ".py") for p in self.parts if module in p.modules + p.given]

    def time_limits(self):
        return {p.renumber(k): v for p in self.parts for k, v in p.time_limits.items()}


def _select(parts, select, config):
    """The parts named in `select` by number or folder name; a folder not in `config` (a part just added)
    joins with its own number."""
    chosen = []
    for s in select:
        part = next((p for p in parts if s in (p.number, p.name)), None)
        if part is None and s in discover():
            part = load_part(s)
        if part is None:
            raise MasterError(rel(config), 1, f"--parts {s}: no such part (parts: "
                              f"{', '.join(f'{p.number} {p.name}' for p in parts)}; folders: {', '.join(discover())})")
        if part.name not in [c.name for c in chosen]:
            chosen.append(part)
    order = [p.name for p in parts]
    return sorted(chosen, key=lambda p: order.index(p.name) if p.name in order else len(order))


def compose(config=CONFIG, select=None):
    """The Assignment of `config` (assignment.yml), keeping only the parts in `select` (numbers or names)."""
    data = read_yaml(config)
    entries = data.get("parts") or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "part" in e for e in entries):
        raise MasterError(rel(config), 1, "parts must be a list of {part: <folder>, number: N, title: ...}")
    parts = [load_part(e["part"], e.get("number"), e.get("title")) for e in entries]
    numbers = [p.number for p in parts]
    if len(set(numbers)) != len(numbers):
        raise MasterError(rel(config), 1, f"two parts have the same number ({', '.join(numbers)})")
    if select is not None:
        parts = _select(parts, [str(s) for s in select], config)
    title = data.get("title") if select is None or [p.name for p in parts] == [e["part"] for e in entries] else None
    for p in parts:
        shared = set(p.given) & {m for q in parts for m in q.modules}
        if shared:
            raise MasterError(rel(p.source("part.yml")), 1, f"{', '.join(sorted(shared))}: both given and a student module")
    title = title or "; ".join(p.title for p in parts)
    return Assignment(name=data.get("name", "assignment"), parts=tuple(parts), title=title,
                      python_version=_python_version(data.get("python_version", "3.11"), config))


def _python_version(value, config):
    if value not in PYTHON_VERSIONS:  # a number (3.10 reads as 3.1) or another version
        raise MasterError(rel(config), 1, f"python_version must be one of {', '.join(PYTHON_VERSIONS)}, "
                          f"quoted (\"3.11\"), not {value!r}")
    return value


def hidden_module(part_name, relpath):
    """A Python file of autograder/parts/<part_name>/ (e.g. "calibration/calibrate.py") as a module,
    imported once and kept in sys.modules under a name of its own (so worker processes can unpickle
    its functions)."""
    import importlib.util
    import sys
    name = f"_hw_part_{part_name}_" + relpath[:-3].replace("/", "_")
    if name not in sys.modules:
        if ROOT not in sys.path:
            sys.path.insert(0, ROOT)  # these files import hwbuild
        spec = importlib.util.spec_from_file_location(name, os.path.join(AUTOGRADER, "parts", part_name, relpath))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        try:
            spec.loader.exec_module(mod)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]
