"""Parts: the units an assignment is composed of, and the composition (assignment/assignment.yml).

A part is two folders named after it: `assignment/parts/<part>/` (what students see) and
`autograder/parts/<part>/` (what they never see). Nothing outside them names a part:

    assignment/parts/<part>/
        part.yml            title, number, modules, given modules, submission files, time limits, README rows,
                            leaderboard metrics ([{name, order: desc|asc}], recorded by its tests)
                            options (the choices a term makes in its assignment.yml entry, e.g. Part 1's matrices)
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
        rubrics.md          model answers and Gradescope rubric items of written.md's questions, for graders
                            (required with written.md; hwbuild/rubrics.py)
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
GRADESCOPE_MEMORY_MB = 768  # a Gradescope assignment's default container memory
PART_KEYS = {"title", "number", "modules", "given", "submission_files", "time_limits", "readme", "leaderboard",
             "options", "requirements", "container_memory_mb"}
ENTRY_KEYS = ("part", "number", "title")  # an assignment.yml entry's own keys; the rest are the part's options
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
    leaderboard: tuple = ()  # ({name, order}) metrics its tests record with hw_support.leaderboard.record
    options: dict = field(default_factory=dict)  # {option: the term's value} (part.yml's defaults, assignment.yml's choices)
    requirements: tuple = ()  # pip requirement lines its tests or helpers need beyond torch, numpy and otter
    container_memory_mb: int = GRADESCOPE_MEMORY_MB  # the Gradescope container memory its grading needs (measured)
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


def _leaderboard_metrics(path, entries):
    """part.yml's `leaderboard`: a list of {name, order: desc (default) | asc}, each name recorded by one
    of the part's test files (public or hidden)."""
    if not isinstance(entries, list):
        raise MasterError(rel(path), 1, "leaderboard must be a list of {name: ..., order: desc|asc}")
    folder = os.path.dirname(path)
    tests = ""
    for test_file in sorted(glob.glob(os.path.join(folder, "tests", "*.py"))
                            + glob.glob(os.path.join(AUTOGRADER, "parts", os.path.basename(folder), "tests", "*.py"))):
        with open(test_file, encoding="utf-8") as f:
            tests += f.read()
    out = []
    for e in entries:
        if not isinstance(e, dict) or set(e) - {"name", "order"} or not isinstance(e.get("name"), str) \
                or not 0 < len(e["name"]) <= 100 or e.get("order", "desc") not in ("desc", "asc"):
            raise MasterError(rel(path), 1, f"leaderboard entry {e!r}: expected {{name: <at most 100 characters>, "
                              "order: desc|asc}")
        if repr(e["name"]) not in tests and f'"{e["name"]}"' not in tests:
            raise MasterError(rel(path), 1, f"leaderboard metric {e['name']!r}: no test of this part records it "
                              "(hw_support.leaderboard.record with that exact name)")
        out.append({"name": e["name"], "order": e.get("order", "desc")})
    return tuple(out)


def load_part(name, number=None, title=None, chosen=None, where=None):
    """The Part of folder `name`; `chosen` ({option: value}) are its assignment.yml entry's options, checked
    against part.yml's `options` (`where`: (file, {key: line}) of that entry, for errors)."""
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
                leaderboard=_leaderboard_metrics(path, data.get("leaderboard") or []),
                options=part_options(name, data.get("options") or {}, chosen or {}, where or (rel(CONFIG), {})),
                requirements=_requirements(data.get("requirements"), path),
                container_memory_mb=_memory_mb(data.get("container_memory_mb", GRADESCOPE_MEMORY_MB), path))


def _memory_mb(value, path):
    if isinstance(value, bool) or not isinstance(value, int) or value < GRADESCOPE_MEMORY_MB:
        raise MasterError(rel(path), 1, f"container_memory_mb must be a whole number of MB, at least Gradescope's "
                          f"default {GRADESCOPE_MEMORY_MB}")
    return value


def _allowed(value, choices):
    """`value` is one of `choices`: a name (a string) or a mapping {key: "int"} (e.g. {seed: int})."""
    for c in choices:
        if isinstance(c, dict):
            if isinstance(value, dict) and set(value) == set(c) and all(
                    isinstance(value[k], int) and not isinstance(value[k], bool) and value[k] >= 0 for k in c):
                return True
        elif value == c:
            return True
    return False


def _shown(choices):
    return " or ".join(c if isinstance(c, str) else "{" + ", ".join(f"{k}: N" for k in c) + "}" for c in choices)


def part_options(name, specs, chosen, where):
    """{option: value} of part `name`: part.yml's `options` ({option: {default, choices, help}}) with the
    values `chosen` in assignment.yml (`where`: (file, {key: line})); a typo or a value that is not one of
    the choices stops the build with the entry's file and line."""
    config, lines = where
    for option, spec in specs.items():
        choices = spec.get("choices") if isinstance(spec, dict) else None
        if not (isinstance(choices, list) and _allowed(spec.get("default"), choices)):
            raise MasterError(rel(os.path.join(ASSIGNMENT, "parts", name, "part.yml")), 1, f"options: {option} needs "
                              "`choices` (names, or mappings such as {seed: int}) and a `default` among them")
    for option, value in chosen.items():
        line = lines.get(option, lines.get("part", 1))
        if option not in specs:
            known = ", ".join(list(ENTRY_KEYS) + list(specs))
            raise MasterError(config, line, f"part {name}: unknown key '{option}' (known: {known})")
        if not _allowed(value, specs[option]["choices"]):
            raise MasterError(config, line, f"part {name}: {option}: {value!r} is not one of "
                              f"{_shown(specs[option]['choices'])} ({specs[option].get('help', 'see its part.yml')})")
    return {option: chosen.get(option, spec["default"]) for option, spec in specs.items()}


def entry_lines(config):
    """[{key: line}] of each entry of `config`'s parts list (1-based lines; "part": the entry's first line)."""
    with open(config, encoding="utf-8") as f:
        root = yaml.compose(f)
    out = []
    for key, value in getattr(root, "value", None) or []:
        if key.value == "parts" and isinstance(value, yaml.SequenceNode):
            for item in value.value:
                lines = {"part": item.start_mark.line + 1}
                if isinstance(item, yaml.MappingNode):
                    lines.update({k.value: k.start_mark.line + 1 for k, _ in item.value})
                out.append(lines)
    return out


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
    leaderboard: bool = False  # assignment.yml's `leaderboard: true`: report the parts' metrics to Gradescope
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

    def leaderboard_metrics(self):
        """[{name, order}] of the selected parts, in part order; none unless the leaderboard is on."""
        return [dict(m) for p in self.parts for m in p.leaderboard] if self.leaderboard else []


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
    lines = entry_lines(config)
    parts = [load_part(e["part"], e.get("number"), e.get("title"), {k: v for k, v in e.items() if k not in ENTRY_KEYS},
                       (rel(config), lines[i] if i < len(lines) else {})) for i, e in enumerate(entries)]
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
    names = [m["name"] for p in parts for m in p.leaderboard]
    if len(set(names)) != len(names):
        raise MasterError(rel(config), 1, f"two parts declare the same leaderboard metric ({', '.join(names)})")
    leaderboard = data.get("leaderboard", False)
    if not isinstance(leaderboard, bool):
        raise MasterError(rel(config), 1, f"leaderboard must be true or false, not {leaderboard!r}")
    return Assignment(name=data.get("name", "assignment"), parts=tuple(parts), title=title, leaderboard=leaderboard,
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
