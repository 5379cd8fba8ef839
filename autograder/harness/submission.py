"""Turn whatever the student uploaded into the layout otter grades: one trusted entry file.

Gradescope puts the upload in /autograder/submission: module files dragged in flat, a zip made
by `make_submission.py` (extracted by Gradescope or not), or a folder. otter grades exactly one
top-level .py, so every upload moves to `uploaded/`, the student modules are copied to
`student_code/` (release stubs stand in for missing ones); entry.py writes the file otter runs.
"""
import fnmatch
import json
import os
import shutil
import zipfile

CODE_DIR = "student_code"
UPLOAD_DIR = "uploaded"
IGNORED_PARTS = {"__MACOSX", "__pycache__", ".ipynb_checkpoints"}

def _safe_extract(zip_path, dest):
    """Extract a zip, skipping absolute paths and '..' entries."""
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            parts = info.filename.replace("\\", "/").split("/")
            if info.filename.startswith("/") or ".." in parts:
                continue
            zf.extract(info, dest)


def _find(upload_dir, filename):
    """The shallowest file called `filename` under upload_dir (ignoring OS clutter), or None."""
    found = []
    for root, dirs, files in os.walk(upload_dir):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_PARTS and not d.startswith("."))
        if filename in files:
            path = os.path.join(root, filename)
            found.append((path.count(os.sep), path))
    return min(found)[1] if found else None


def _find_matching(upload_dir, pattern):
    """{file name: shallowest path} of the files under upload_dir whose name matches `pattern`."""
    best = {}
    for root, dirs, files in os.walk(upload_dir):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_PARTS and not d.startswith("."))
        for f in sorted(fnmatch.filter(files, pattern)):
            path = os.path.join(root, f)
            if f not in best or path.count(os.sep) < best[f].count(os.sep):
                best[f] = path
    return best


def prepare(submission_dir, modules, stubs_dir, file_patterns=()):
    """Normalise `submission_dir` in place; returns {module or file: 'submitted as PATH' | 'not submitted ...'}.

    Submitted files matching `file_patterns` (results such as predictions) go beside the modules;
    `submitted_files.json` maps their names to their paths for the tests.
    """
    upload = os.path.join(submission_dir, UPLOAD_DIR)
    os.makedirs(upload, exist_ok=True)
    for name in os.listdir(submission_dir):
        if name != UPLOAD_DIR:
            shutil.move(os.path.join(submission_dir, name), os.path.join(upload, name))
    for root, _, files in os.walk(upload):
        for f in files:
            if f.lower().endswith(".zip"):
                try:
                    _safe_extract(os.path.join(root, f), os.path.join(root, f[:-4] + "_unzipped"))
                except zipfile.BadZipFile:
                    pass

    code = os.path.join(submission_dir, CODE_DIR)
    os.makedirs(code, exist_ok=True)
    report = {}
    for module in modules:
        path = _find(upload, module + ".py")
        if path is None:
            shutil.copy(os.path.join(stubs_dir, module + ".py"), code)
            report[module] = "not submitted: graded with the release's unchanged stub"
        else:
            shutil.copy(path, code)
            report[module] = "submitted as " + os.path.relpath(path, upload).replace(os.sep, "/")
    files = {}
    for pattern in file_patterns:
        found = _find_matching(upload, pattern)
        for name, path in found.items():
            shutil.copy(path, code)
            files[name] = os.path.join(code, name)
            report[name] = "submitted as " + os.path.relpath(path, upload).replace(os.sep, "/")
        if not found:
            report[pattern] = "not submitted"
    with open(os.path.join(submission_dir, "submitted_files.json"), "w") as f:
        json.dump(files, f)
    return report
