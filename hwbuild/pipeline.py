"""The build as a pipeline of small steps: masters -> stubs and solutions, tests -> public and merged,
everything -> the student release tree, the solutions tree and the autograder zip's files.
"""
import ast
import contextlib
import glob
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass

import yaml

from . import markers, notebooks, testfiles, zips

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSIGNMENT = os.path.join(ROOT, "assignment")
AUTOGRADER = os.path.join(ROOT, "autograder")
SUBMITTED_FILES = "submitted_files"  # the test parameter that receives the student's result files
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


@dataclass
class Build:
    config: dict
    questions: list
    release: dict  # {relative path: bytes} of student_release/
    solutions: dict  # of solutions/
    autograder: dict  # the autograder zip's files


def rel(path):
    return os.path.relpath(path, ROOT)


def read_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


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


def render_masters(modules):
    """{module: Rendered}; both versions must parse."""
    rendered = {}
    for m in modules:
        path = os.path.join(ASSIGNMENT, m + ".py")
        if not os.path.exists(path):
            raise markers.MasterError(rel(path), 0, f"student module '{m}' is listed in assignment.yml but has no master")
        with open(path, encoding="utf-8") as f:
            r = markers.render(f.read(), rel(path))
        for label, text in (("solution", r.solution), ("student stub", r.stub)):
            try:
                ast.parse(text)
            except SyntaxError as e:
                raise markers.MasterError(rel(path), e.lineno or 0, f"the {label} does not parse: {e.msg}") from None
        rendered[m] = r
    return rendered


def load_questions(modules, parts):
    """Questions from assignment/tests (public) and autograder/tests (hidden), checked."""
    public = {os.path.basename(p)[:-3]: p for p in glob.glob(os.path.join(ASSIGNMENT, "tests", "*.py"))}
    hidden = {os.path.basename(p)[:-3]: p for p in glob.glob(os.path.join(AUTOGRADER, "tests", "*.py"))}
    questions = []
    for name in sorted(set(public) | set(hidden)):
        pub, hid = public.get(name), hidden.get(name)
        source = testfiles.merge(pub, hid, shown=rel)
        q = testfiles.parse(name, source, rel(pub or hid), modules + [SUBMITTED_FILES])
        offset = testfiles.hidden_offset(pub)
        if not name.startswith("q") or q.part not in parts:
            raise markers.MasterError(rel(pub or hid), 1, f"question '{name}' must be named q<part>_..., "
                                      f"with a part listed in assignment.yml ({', '.join(parts)})")
        for c in q.cases:
            in_hidden_file = hid is not None and (pub is None or c.line > offset)
            where = (rel(hid), c.line - offset) if in_hidden_file else (rel(pub), c.line)
            if c.hidden != in_hidden_file:
                raise markers.MasterError(*where, f"test '{c.function}': " + (
                    "hidden cases belong in autograder/tests/" if c.hidden else
                    "cases in autograder/tests/ must say hidden=True"))
            if not c.modules:
                raise markers.MasterError(*where, f"test '{c.function}' takes no student module as a parameter "
                                          f"(one of {', '.join(modules + [SUBMITTED_FILES])})")
        questions.append(q)
    return questions


def check_graded_names(questions, rendered, modules):
    """Every `module.name` a test uses must exist in the student stub."""
    stub_names = {m: top_level_names(r.stub) for m, r in rendered.items()}
    for q in questions:
        for (m, attr), line in testfiles.module_attributes(q.source, q.name, modules).items():
            if attr not in stub_names[m]:
                raise markers.MasterError(f"tests/{q.name}.py", line, f"the tests use {m}.{attr}, "
                                          f"which the student stub {m}.py does not define")


def release_tree(config, rendered, questions):
    files = tree_files(os.path.join(ASSIGNMENT, "release"))
    files.update(tree_files(os.path.join(ASSIGNMENT, "hw_support"), "hw_support/"))
    public_dir = os.path.join(ASSIGNMENT, "tests")
    files.update(tree_files(public_dir, "tests/"))
    public = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(public_dir, "*.py")))
    files.update(notebooks.build_notebooks(os.path.join(ASSIGNMENT, "notebooks"),
                                           [str(p) for p in config["parts"]], public, rel))
    for m, r in rendered.items():
        files[m + ".py"] = r.stub.encode()
    manifest = {"name": config["name"], "modules": config["modules"],
                "submission_files": config.get("submission_files", []),
                "parts": {str(k): v for k, v in config["parts"].items()}}
    files["hw_support/assignment.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    return files


def solutions_tree(rendered):
    files = {m + ".py": r.solution.encode() for m, r in rendered.items()}
    files["README.md"] = (b"# Reference solutions (generated by build.py; do not edit)\n\n"
                          b"Grade them like a submission: `python build.py grade solutions/`.\n")
    # Part 3: the reference run's fine-tuned params and predictions (written by `build.py calibrate`)
    files.update(tree_files(os.path.join(AUTOGRADER, "calibration", "reference_run")))
    # Part 4: the reference run's LM params and classifier predictions (written by bench/part4.py)
    files.update(tree_files(os.path.join(AUTOGRADER, "calibration", "part4_reference")))
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


def autograder_files(config, grading, rendered, questions):
    """The autograder zip's files: `otter generate`'s output with our harness as run_otter.py."""
    from otter.generate import main as otter_generate

    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "tests"))
        for q in questions:
            with open(os.path.join(tmp, "tests", q.name + ".py"), "w", encoding="utf-8") as f:
                f.write(q.source)
        shutil.copytree(os.path.join(ASSIGNMENT, "hw_support"), os.path.join(tmp, "hw_support"),
                        ignore=shutil.ignore_patterns(*SKIP_DIRS, "*.pyc"))
        with _chdir(tmp), contextlib.redirect_stdout(sys.stderr):
            otter_generate(tests_dir="tests", output_path="autograder.zip",
                           config=os.path.join(AUTOGRADER, "otter_config.json"),
                           requirements=os.path.join(AUTOGRADER, "requirements.txt"),
                           no_environment=True, files=["hw_support"],
                           python_version=str(grading.python_version))
        files = zips.read_zip(os.path.join(tmp, "autograder.zip"))
    files["setup.sh"] = with_sandbox_packages(files["setup.sh"])
    harness = os.path.join(AUTOGRADER, "harness")
    files.update(tree_files(harness, "harness/"))
    files["run_otter.py"] = files.pop("harness/run_otter.py")
    for m, r in rendered.items():
        files[f"harness/stubs/{m}.py"] = r.stub.encode()
    files["harness/grading.json"] = grading.to_json().encode()
    return files


def harness_settings(config):
    """The harness's typed settings: autograder/grading.yml checked, with the assignment's modules and files."""
    sys.path.insert(0, os.path.join(AUTOGRADER, "harness"))
    from settings import Settings

    grading = read_yaml(os.path.join(AUTOGRADER, "grading.yml")) or {}
    grading.update(modules=list(config["modules"]), submission_files=list(config.get("submission_files", [])))
    try:
        return Settings.from_dict(grading, "autograder/grading.yml")
    except ValueError as exc:
        raise markers.MasterError("autograder/grading.yml", 1, str(exc)) from None


SANDBOX_PACKAGES = "bubblewrap libseccomp2"  # the sandbox's launchers (autograder/harness/sandbox/launch.py)


def with_sandbox_packages(setup_sh):
    """otter's setup.sh, also installing what the grading sandbox needs from the image's apt."""
    text = setup_sh.decode()
    anchor = "apt-get install -y "
    if anchor not in text:
        raise RuntimeError("otter's setup.sh has no apt-get install line to extend")
    return text.replace(anchor, anchor + SANDBOX_PACKAGES + " ", 1).encode()


def build():
    """Run every step; raises MasterError on malformed input."""
    sys.path.insert(0, ASSIGNMENT)  # test files import hw_support
    config = read_yaml(os.path.join(ASSIGNMENT, "assignment.yml"))
    grading = harness_settings(config)
    modules = config["modules"]
    parts = [str(p) for p in config["parts"]]
    rendered = render_masters(modules)
    questions = load_questions(modules, parts)
    check_graded_names(questions, rendered, modules)
    release = release_tree(config, rendered, questions)
    check_no_leaks(release, questions)
    return Build(config, questions, release, solutions_tree(rendered),
                 autograder_files(config, grading, rendered, questions))


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
