"""The build as a pipeline of small steps: masters -> stubs and solutions, tests -> public and merged,
everything -> the student release tree, the solutions tree and the autograder zip's files.
"""
import ast
import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass

from . import calibration, image, markers, notebooks, part_data, parts as parts_mod, rubrics, testfiles, zips
from .parts import ASSIGNMENT, AUTOGRADER, ROOT, read_yaml, rel

COMMON = os.path.join(ASSIGNMENT, "common")
if COMMON not in sys.path:
    sys.path.insert(0, COMMON)  # hw_support: the build runs the test files, which import it
from hw_support.otter_adapter import SUBMITTED_FILES  # noqa: E402

SKIP_DIRS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


@dataclass
class Build:
    assignment: parts_mod.Assignment
    questions: list
    release: dict  # {relative path: bytes} of student_release/
    solutions: dict  # of solutions/
    autograder: dict  # the autograder zip's files


def tree_files(directory, prefix=""):
    """{relative path: bytes} of every file under `directory`, skipping caches."""
    out = {}
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for f in sorted(files):
            if f.endswith(".pyc") or f == ".OTTER_LOG":
                continue
            path = os.path.join(root, f)
            with open(path, "rb") as fh:
                out[prefix + os.path.relpath(path, directory).replace(os.sep, "/")] = fh.read()
    return out


def top_level_names(source):
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


IMPORT_LINE = re.compile(r"^(import|from)\s+\S")
SHARE_SEPARATOR = "# " + "-" * 96  # between the shares of a module several parts write


def _docstring_end(text):
    """Line index just after a module docstring (0 when there is none)."""
    body = ast.parse(text).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0].end_lineno
    return 0


def join_shares(texts):
    """One module from the shares several parts write: the first as is, each later one without its
    docstring and without the import lines already above it."""
    out = texts[0].rstrip("\n") + "\n"
    for text in texts[1:]:
        seen = set(out.splitlines())
        lines = text.splitlines()[_docstring_end(text):]
        lines = [l for l in lines if not (IMPORT_LINE.match(l) and l in seen)]
        out += "\n\n" + SHARE_SEPARATOR + "\n" + "\n".join(lines).strip("\n") + "\n"
    return out


def _render(path):
    with open(path, encoding="utf-8") as f:
        r = markers.render(f.read(), rel(path))
    for label, text in (("solution", r.solution), ("student stub", r.stub)):
        try:
            ast.parse(text)
        except SyntaxError as e:
            raise markers.MasterError(rel(path), e.lineno or 0, f"the {label} does not parse: {e.msg}") from None
    return r


def render_masters(assignment):
    """{module: Rendered} of the student and given modules: each part's share rendered, then joined."""
    rendered = {}
    for m in assignment.loaded:
        paths = assignment.masters(m)
        for path in paths:
            if not os.path.exists(path):
                raise markers.MasterError(rel(os.path.join(os.path.dirname(path), "part.yml")), 1,
                                          f"module '{m}' is listed but {rel(path)} does not exist")
        shares = [_render(p) for p in paths]
        r = markers.Rendered(join_shares([s.solution for s in shares]), join_shares([s.stub for s in shares]))
        if m in assignment.given and r.stub != r.solution:
            raise markers.MasterError(rel(paths[0]), 1, f"given module '{m}' has solution markers")
        rendered[m] = r
    return rendered


def load_questions(assignment):
    """Questions of the selected parts: public (assignment/parts/*/tests) + hidden (autograder/parts/*/tests)."""
    modules = assignment.loaded
    questions = []
    for part in assignment.parts:
        public, hidden = part.question_files(), part.question_files(hidden=True)
        for name in sorted(set(public) | set(hidden), key=_question_order):
            pub, hid = public.get(name), hidden.get(name)
            if not name.startswith(f"q{part.number}_"):
                raise markers.MasterError(rel(pub or hid), 1, f"question '{name}' of part {part.name} must be "
                                          f"named q{part.home}_<k>_<topic> (part.yml: number {part.home})")
            source = part.renumber_text(testfiles.merge(pub, hid, shown=rel))
            q = testfiles.parse(name, source, rel(pub or hid), modules + [SUBMITTED_FILES])
            _check_cases(q, pub, hid, modules)
            questions.append(q)
    return questions


def _question_order(name):
    """q3_10 after q3_9."""
    return [int(s) if s.isdigit() else s for s in re.split(r"(\d+)", name)]


def _check_cases(q, pub, hid, modules):
    offset = testfiles.hidden_offset(pub)
    for c in q.cases:
        in_hidden_file = hid is not None and (pub is None or c.line > offset)
        where = (rel(hid), c.line - offset) if in_hidden_file else (rel(pub), c.line)
        if c.hidden != in_hidden_file:
            raise markers.MasterError(*where, f"test '{c.function}': " + (
                "hidden cases belong in autograder/parts/<part>/tests/" if c.hidden else
                "cases in autograder/parts/<part>/tests/ must say hidden=True"))
        if not c.modules:
            raise markers.MasterError(*where, f"test '{c.function}' takes no student module as a parameter "
                                      f"(one of {', '.join(modules + [SUBMITTED_FILES])})")


def check_graded_names(questions, rendered, modules):
    """Every `module.name` a test uses must exist in the student stub."""
    stub_names = {m: top_level_names(r.stub) for m, r in rendered.items()}
    for q in questions:
        for (m, attr), line in testfiles.module_attributes(q.source, q.name, modules).items():
            if attr not in stub_names[m]:
                raise markers.MasterError(f"tests/{q.name}.py", line, f"the tests use {m}.{attr}, "
                                          f"which the student stub {m}.py does not define")


def _merge_into(files, new, shown):
    """Add {path: bytes} to `files`; two parts may not ship the same path."""
    for name, data in new.items():
        if name in files and files[name] != data:
            raise markers.MasterError(shown, 1, f"{name} is also shipped by another part or by assignment/common")
        files[name] = data


def release_tree(assignment, rendered, questions):
    """{path: bytes} of the student release: common files, then each selected part's."""
    files = tree_files(os.path.join(COMMON, "release"))
    files["requirements.txt"] += image.part_requirements(assignment).encode()
    files.update(tree_files(os.path.join(COMMON, "hw_support"), "hw_support/"))
    public = {q.name for q in questions if any(not c.hidden for c in q.cases)}
    for part in assignment.parts:
        _merge_into(files, tree_files(part.source("release")), rel(part.source("release")))
        _merge_into(files, tree_files(part.source("hw_support"), "hw_support/"), rel(part.source("hw_support")))
        for name, path in part.question_files().items():
            with open(path, encoding="utf-8") as f:
                files[f"tests/{name}.py"] = part.renumber_text(f.read()).encode()
        notebook = part.source("notebook.py")
        if os.path.exists(notebook):
            with open(notebook, encoding="utf-8") as f:
                text = part.renumber_text(f.read())
            files[f"part{part.number}_{part.name}.ipynb"] = notebooks.build_notebook(text, rel(notebook), public)
    for m, r in rendered.items():
        files[m + ".py"] = r.stub.encode()
    files.update(student_documents(assignment))
    files.update(calibration.thresholds_file(assignment))
    files.update(part_data.data_file(part_data.term_data(assignment)))
    manifest = {"name": assignment.name, "modules": assignment.modules, "given": assignment.given,
                "submission_files": assignment.submission_files,
                "parts": {p.number: p.title for p in assignment.parts}}
    files["hw_support/assignment.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    return files


def student_documents(assignment):
    """README.md (its tables from each part's part.yml) and written_answers.md (each part's written.md)."""
    out = {}
    with open(os.path.join(COMMON, "release", "README.md"), encoding="utf-8") as f:
        readme = f.read()
    what = [f"| {p.number}. {p.title} | {', '.join(f'`{m}.py`' for m in p.modules)} | {p.readme.get('what', '')} |"
            for p in assignment.parts]
    nbs = [f"| {p.number} | `part{p.number}_{p.name}.ipynb` | {p.readme.get('training', 'none')} | "
           f"{p.readme.get('cpu', '')} | {p.readme.get('gpu', '')} |"
           for p in assignment.parts if os.path.exists(p.source("notebook.py"))]
    written_parts = [p for p in assignment.parts if p.written()]
    fields = {"name": assignment.name, "title": assignment.title,
              "what_to_do_rows": "\n".join(what), "notebook_rows": "\n".join(nbs),
              "written_parts": _listed([f"Part {p.number}" for p in written_parts]) or "this assignment"}
    for key, value in fields.items():
        readme = readme.replace("{{" + key + "}}", value)
    out["README.md"] = readme.encode()
    if written_parts:
        with open(os.path.join(COMMON, "written_answers.md"), encoding="utf-8") as f:
            text = f.read().replace("{total_points}", f"{sum(w['points'] for p in written_parts for w in p.written()):g}")
        for p in written_parts:
            with open(p.source("written.md"), encoding="utf-8") as f:
                text += "\n" + p.renumber_text(f.read())
        out["written_answers.md"] = text.encode()
    return out


def _listed(items):
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def solutions_tree(assignment, rendered):
    files = {m + ".py": r.solution.encode() for m, r in rendered.items()}
    files["README.md"] = (b"# Reference solutions (generated by build.py; do not edit)\n\n"
                          b"Grade them like a submission: `python build.py grade solutions/`.\n")
    for part in assignment.parts:  # the reference run's result files (written by `build.py calibrate`)
        _merge_into(files, tree_files(part.hidden("calibration", "reference_run")), rel(part.hidden("calibration")))
    files.update(rubrics.document(assignment))  # model answers and rubrics of the written questions
    return files


def check_no_leaks(release, questions):
    """No hidden test function, hidden file or solution marker may reach the student release."""
    hidden_fns = {c.function for q in questions for c in q.cases if c.hidden}
    hidden_texts = set(tree_files(AUTOGRADER).values())
    for name, data in release.items():
        if data in hidden_texts:
            raise markers.MasterError(f"student_release/{name}", 1, "is a copy of an autograder file")
        text = data.decode("utf-8", "replace")
        for fn in hidden_fns:
            if f"def {fn}(" in text:
                raise markers.MasterError(f"student_release/{name}", 1, f"contains hidden test '{fn}'")
        if markers.marker_lines(text):
            raise markers.MasterError(f"student_release/{name}", markers.marker_lines(text)[0][0],
                                      "contains a solution/prompt marker")


@contextlib.contextmanager
def _chdir(path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def autograder_files(assignment, settings, rendered, questions, release):
    """The autograder zip's files: `otter generate`'s tests, files and otter_config.json, our image
    (hwbuild/image.py: setup.sh, run_autograder, requirements.txt), our harness as run_otter.py and the
    release's hw_support package (common and the selected parts' helpers)."""
    from otter.generate import main as otter_generate

    with tempfile.TemporaryDirectory() as tmp:
        write_tree(os.path.join(tmp, "tests"), {q.name + ".py": q.source.encode() for q in questions})
        write_tree(os.path.join(tmp, "hw_support"), {n[len("hw_support/"):]: d for n, d in release.items()
                                                     if n.startswith("hw_support/")})
        with _chdir(tmp), contextlib.redirect_stdout(sys.stderr):
            otter_generate(tests_dir="tests", output_path="autograder.zip",
                           config=os.path.join(AUTOGRADER, "otter_config.json"),
                           requirements=os.path.join(AUTOGRADER, "requirements.txt"),
                           no_environment=True, files=["hw_support"])
        files = image.replace_otter_image(zips.read_zip(os.path.join(tmp, "autograder.zip")), assignment)
    harness = os.path.join(AUTOGRADER, "harness")
    files.update(tree_files(harness, "harness/"))
    files["run_otter.py"] = files.pop("harness/run_otter.py")
    for m, r in rendered.items():
        files[f"harness/stubs/{m}.py"] = r.stub.encode()
    files["harness/grading.json"] = settings.to_json().encode()
    files["harness/tests.json"] = testfiles.manifest(questions).encode()
    return files


def harness_settings(assignment):
    """The harness's typed settings: autograder/grading.yml checked, with what the selected parts declare
    (modules, given modules, result files, written questions, time limits, titles, leaderboard metrics)."""
    sys.path.insert(0, os.path.join(AUTOGRADER, "harness"))
    from settings import Settings

    grading = read_yaml(os.path.join(AUTOGRADER, "grading.yml"))
    for key in ("modules", "given_modules", "submission_files", "manual_questions", "parts", "leaderboard",
                "python_version"):
        if key in grading:
            raise markers.MasterError("autograder/grading.yml", 1, f"{key} comes from the parts' part.yml, "
                                      "written.md and assignment.yml, not from grading.yml")
    sandbox = dict(grading.get("sandbox") or {})
    sandbox["time_limits"] = dict(sandbox.get("time_limits") or {"default": 30}, **assignment.time_limits())
    grading.update(modules=assignment.modules, given_modules=assignment.given,
                   python_version=assignment.python_version, submission_files=assignment.submission_files,
                   sandbox=sandbox, manual_questions=[w for p in assignment.parts for w in p.written()],
                   parts=[{"number": p.number, "title": p.title} for p in assignment.parts],
                   leaderboard=assignment.leaderboard_metrics())
    try:
        return Settings.from_dict(grading, "autograder/grading.yml")
    except ValueError as exc:
        raise markers.MasterError("autograder/grading.yml", 1, str(exc)) from None


def build(config=parts_mod.CONFIG, select=None):
    """Run every step for the parts numbered in `select` (None: all of `config`); raises MasterError on
    malformed input."""
    assignment = parts_mod.compose(config, select)
    settings = harness_settings(assignment)
    rendered = render_masters(assignment)
    hw_support_on_path(assignment)
    questions = load_questions(assignment)
    check_graded_names(questions, rendered, assignment.loaded)
    release = release_tree(assignment, rendered, questions)
    check_no_leaks(release, questions)
    solutions = solutions_tree(assignment, rendered)
    autograder = autograder_files(assignment, settings, rendered, questions, release)
    rubrics.check_not_shipped(assignment, release, autograder)
    return Build(assignment, questions, release, solutions, autograder)


def hw_support_on_path(assignment):
    """Make `import hw_support.X` in this process find X in assignment/common/hw_support or in a part's
    hw_support/ (the release merges them into one package; test files import it), with `assignment`'s
    thresholds and term data (part helpers imported for another assignment are imported afresh)."""
    import hw_support
    for part in assignment.parts:
        path = part.source("hw_support")
        if os.path.isdir(path) and path not in hw_support.__path__:
            hw_support.__path__.append(path)
    from hw_support import part_data as data_reader, thresholds
    thresholds.use(calibration.thresholds(assignment))
    data_reader.use(part_data.term_data(assignment))
    common = os.path.join(COMMON, "hw_support") + os.sep
    for name, mod in list(sys.modules.items()):  # e.g. hw_support.exploration, which holds the term's K and V
        if name.startswith("hw_support.") and not (getattr(mod, "__file__", None) or common).startswith(common):
            del sys.modules[name]


def write_tree(directory, files):
    """Make `directory` hold exactly `files`."""
    if os.path.isdir(directory):
        shutil.rmtree(directory)
    for name, data in files.items():
        path = os.path.join(directory, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def stale(directory, files):
    """Paths (relative to ROOT) where `directory` differs from `files`: changed, missing or extra."""
    have = tree_files(directory) if os.path.isdir(directory) else {}
    names = sorted(set(have) | set(files))
    return [rel(os.path.join(directory, n)) for n in names if have.get(n) != files.get(n)]
