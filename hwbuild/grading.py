"""`build.py grade`: run dist/autograder.zip on a submission the way Gradescope does.

A Gradescope layout (autograder/{source,submission,results}) is made in a temporary directory,
the zip is extracted into source/, and source/run_otter.py (what Gradescope's run_autograder
calls) grades the submission in a subprocess.
"""
import glob
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

from . import pipeline, testfiles, zips


def _select_tests(source, module, modules):
    """Delete the autograder's test files that do not test `module`."""
    import hw_support
    from hw_support import part_data, thresholds

    zipped = os.path.join(source, "files", "hw_support")  # the test files import the zip's helpers
    hw_support.__path__.insert(0, zipped)
    for reader, name in ((thresholds, "thresholds.json"), (part_data, "part_data.json")):
        with open(os.path.join(zipped, name), encoding="utf-8") as f:
            reader.use(json.load(f))
    kept = 0
    for path in sorted(glob.glob(os.path.join(source, "tests", "*.py"))):
        name = os.path.basename(path)[:-3]
        with open(path, encoding="utf-8") as f:
            q = testfiles.parse(name, f.read(), path, modules)
        if module in q.modules:
            kept += 1
        else:
            os.remove(path)
    if not kept:
        raise SystemExit(f"--only {module}: no tests use that module (modules: {', '.join(modules)})")


def _copy_as_is(src, dst):
    """copytree's copy function: a regular file is copied (never through a link), a fifo is made again
    (the harness must refuse it, as it would on Gradescope); devices and sockets are left out."""
    mode = os.lstat(src).st_mode
    if stat.S_ISREG(mode):
        shutil.copy2(src, dst, follow_symlinks=False)
    elif stat.S_ISFIFO(mode):
        os.mkfifo(dst)


def place_submission(submission, dest):
    """Copy the submission into the Gradescope layout as it is: links stay links and are never
    followed here (the harness, running as root, must refuse them itself)."""
    if os.path.isdir(submission):
        shutil.copytree(submission, dest, symlinks=True, copy_function=_copy_as_is,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".OTTER_LOG"))
    elif os.path.lexists(submission):
        os.makedirs(dest)
        shutil.copy(submission, dest, follow_symlinks=False)
    else:
        raise SystemExit(f"grade: no such file or directory: {submission}")


def _modules(source):
    """Every module the autograder at `source` loads (student and given ones)."""
    with open(os.path.join(source, "harness", "grading.json")) as f:
        settings = json.load(f)
    return settings["modules"] + settings.get("given_modules", [])


def questions(autograder_zip, only=None):
    """The questions (test file names, e.g. q2_3_attn_scaled) that grade() runs with this zip and
    `only`, in grading order."""
    files = zips.read_zip(autograder_zip)
    if only:
        with tempfile.TemporaryDirectory(prefix="attention-hw-questions-") as source:
            pipeline.write_tree(source, {n: b for n, b in files.items()
                                         if n.startswith(("tests/", "files/hw_support/", "harness/grading.json"))})
            _select_tests(source, only, _modules(source))
            names = [os.path.basename(p) for p in glob.glob(os.path.join(source, "tests", "*.py"))]
    else:
        names = [n[len("tests/"):] for n in files if n.startswith("tests/") and n.endswith(".py") and n.count("/") == 1]
    return sorted(n[:-3] for n in names)


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def private_paths(autograder_zip):
    """What student code must not read when this project grades: the project and the zip's folder."""
    return [ROOT, os.path.dirname(os.path.abspath(autograder_zip))]


def grade(autograder_zip, submission, only=None, keep_log=None, private=None, prefix=(), python=None):
    """Grade `submission` (a directory, a .zip or a .py); returns (results dict, grader stdout).

    `private`: paths student code must not read (default: this project and the zip's folder); the
    sandbox hides them (bubblewrap) or stops grading if the student user could read them.
    `prefix`: a command the grader runs under (tests: capsh dropping CAP_SYS_ADMIN).
    `python`: the interpreter of the grading environment (default: this one).
    """
    if private is None:
        private = private_paths(autograder_zip)
    with tempfile.TemporaryDirectory(prefix="attention-hw-grade-") as tmp:
        ag = os.path.join(tmp, "autograder")
        source = os.path.join(ag, "source")
        pipeline.write_tree(source, zips.read_zip(autograder_zip))
        if only:
            _select_tests(source, only, _modules(source))
        place_submission(submission, os.path.join(ag, "submission"))
        os.makedirs(os.path.join(ag, "results"))
        write_submission_metadata(ag)
        env = dict(os.environ, ATTENTION_HW_PRIVATE=os.pathsep.join(private))
        proc = subprocess.run([*prefix, python or sys.executable, os.path.join(source, "run_otter.py"), ag, "--local"],
                              cwd=ag, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        log = proc.stdout
        if keep_log:
            with open(keep_log, "w") as f:
                f.write(log)
        results_path = os.path.join(ag, "results", "results.json")
        if not os.path.exists(results_path):
            raise RuntimeError("the grader wrote no results.json; its output:\n" + log[-5000:])
        with open(results_path) as f:
            return json.load(f), log


def write_submission_metadata(autograder_dir):
    """The submission_metadata.json Gradescope writes beside source/ (otter reads it)."""
    with open(os.path.join(autograder_dir, "submission_metadata.json"), "w") as f:
        json.dump({"users": [], "previous_submissions": []}, f)


def table(results):
    """A per-test table, totals per part and the overall total, as text."""
    rows, parts = [], {}
    for t in results["tests"]:
        if "max_score" not in t:
            continue
        part = t.get("number", "?").split(".")[0]
        got, possible = parts.get(part, (0.0, 0.0))
        parts[part] = (got + t["score"], possible + t["max_score"])
        mark = "pass" if t["status"] == "passed" else "FAIL"
        kind = "hidden" if "hidden" in t.get("tags", []) else "public"
        rows.append(f"{t.get('number', ''):<8} {mark:<4} {t['score']:>5g}/{t['max_score']:<4g} {kind:<6} {t['name']}")
    total = sum(p[0] for p in parts.values())
    possible = sum(p[1] for p in parts.values())
    lines = rows + [""] + [f"Part {p}: {g:g} / {m:g}" for p, (g, m) in sorted(parts.items())]
    lines.append(f"Total: {total:g} / {possible:g}")
    return "\n".join(lines)
