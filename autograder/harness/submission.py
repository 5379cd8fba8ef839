"""Turn whatever the student uploaded into the layout otter grades: one trusted entry file.

Gradescope puts the upload in /autograder/submission: module files dragged in flat, a zip made
by `make_submission.py` (extracted by Gradescope or not), or a folder. otter grades exactly one
top-level .py, so every upload moves to `uploaded/`, the student modules are copied to
`student_code/` (release stubs stand in for missing ones); entry.py writes the file otter runs.

The upload is hostile and this runs as root: it is walked without following links (every link,
fifo, device or socket is removed unread, with a note), zips found in it are extracted with
bounds (`archives.py`; zips inside them are not opened), and files are copied with O_NOFOLLOW.
Notes for the student (a refused link, an ignored archive) are in the returned report's `notes`.
"""
import fnmatch
import json
import os
import stat
import tempfile

import archives

CODE_DIR = "student_code"
UPLOAD_DIR = "uploaded"
IGNORED_PARTS = {"__MACOSX", "__pycache__", ".ipynb_checkpoints"}
MAX_SCAN_DEPTH = 32  # folders deeper than this are not searched
MAX_SCAN_ENTRIES = 20_000  # files and folders looked at in one upload
MAX_NOTES = 20

class Report(dict):
    """{module or file: how it was found}, plus `notes`: [(template, name)] where `name` (student text,
    or None) fills the template's '{}' (e.g. ("link refused: {}", "lm_params.pt"))."""

    def __init__(self):
        super().__init__()
        self.notes = []

    def note(self, template, name=None):
        if (template, name) in self.notes:
            return
        if len(self.notes) < MAX_NOTES:
            self.notes.append((template, name))
        elif len(self.notes) == MAX_NOTES:
            self.notes.append(("more notes not shown", None))


KINDS = {stat.S_IFLNK: "link", stat.S_IFIFO: "fifo", stat.S_IFCHR: "device", stat.S_IFBLK: "device",
         stat.S_IFSOCK: "socket"}


def _scan(top, report):
    """[(relative parts, path)] of the regular files under `top`, found with lstat (links are never
    followed). Anything else that is not a directory is removed, unread, with a note."""
    files, stack, seen = [], [(top, ())], 0
    while stack:
        directory, rel = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_SCAN_ENTRIES:
                report.note(f"only the first {MAX_SCAN_ENTRIES} files and folders of the upload were searched")
                return files
            parts = rel + (entry.name,)
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISDIR(mode):
                    if len(parts) < MAX_SCAN_DEPTH:
                        stack.append((entry.path, parts))
                    else:
                        report.note(f"folders deeper than {MAX_SCAN_DEPTH} levels were not searched")
                elif stat.S_ISREG(mode):
                    files.append((parts, entry.path))
                else:
                    report.note(KINDS.get(stat.S_IFMT(mode), "special file") + " refused: {}", "/".join(parts))
                    os.unlink(entry.path)
            except OSError:
                continue
    return files


def _graded(parts):
    """False for files in OS clutter (__MACOSX, caches) and hidden folders."""
    return not any(p in IGNORED_PARTS or p.startswith(".") for p in parts[:-1])


def _extract_zips(upload, files, report):
    """Extract each zip found in the upload itself (not those inside extracted zips), bounded."""
    budget = archives.Budget()
    for parts, path in files:
        if not (parts[-1].lower().endswith(".zip") and _graded(parts)):
            continue
        name, dest, n = "/".join(parts), path[:-4] + "_unzipped", 1
        while os.path.lexists(dest):
            n += 1
            dest = f"{path[:-4]}_unzipped{n}"
        try:
            for note in archives.extract(path, dest, budget):
                report.note("{}: " + note, name)
        except archives.Refused as e:
            report.note("{} ignored: " + str(e), name)


def _shallowest(files, match):
    """{file name: (path, path relative to the upload)} of the shallowest graded file for each name
    that `match` accepts."""
    best = {}
    for parts, path in sorted(files, key=lambda f: (len(f[0]), f[0])):
        if _graded(parts) and match(parts[-1]) and parts[-1] not in best:
            best[parts[-1]] = (path, "/".join(parts))
    return best


def _copy(src, dest_dir, name):
    """Copy the regular file `src` (never through a link) to dest_dir/name."""
    fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fin:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{src} is not a regular file")
        with open(os.path.join(dest_dir, name), "wb") as fout:
            while True:
                chunk = fin.read(1 << 20)
                if not chunk:
                    break
                fout.write(chunk)
    return os.path.join(dest_dir, name)


def prepare(submission_dir, modules, stubs_dir, file_patterns=(), given=()):
    """Normalise `submission_dir` in place; returns a Report {module or file: 'submitted as PATH' |
    'not submitted ...'} whose `notes` list refused links and ignored archives.

    Given modules (no student code) are always the zip's own copies, whatever was uploaded.
    Submitted files matching `file_patterns` (results such as predictions) go beside the modules;
    `submitted_files.json` maps their names to their paths for the tests.
    """
    staging = tempfile.mkdtemp(dir=submission_dir, prefix=".upload-")  # a name no upload can take
    for name in os.listdir(submission_dir):
        if name != os.path.basename(staging):
            os.rename(os.path.join(submission_dir, name), os.path.join(staging, name))  # never follows links
    upload = os.path.join(submission_dir, UPLOAD_DIR)
    os.rename(staging, upload)
    report = Report()
    _extract_zips(upload, _scan(upload, report), report)
    found = _scan(upload, report)  # extracted files are regular files and directories only

    code = os.path.join(submission_dir, CODE_DIR)
    os.makedirs(code, exist_ok=True)
    modules_found = _shallowest(found, lambda n: n in {m + ".py" for m in modules})
    for module in modules:
        if module + ".py" in modules_found:
            path, rel = modules_found[module + ".py"]
            _copy(path, code, module + ".py")
            report[module] = "submitted as " + rel
        else:
            _copy(os.path.join(stubs_dir, module + ".py"), code, module + ".py")
            report[module] = "not submitted: graded with the release's unchanged stub"
    for module in given:
        _copy(os.path.join(stubs_dir, module + ".py"), code, module + ".py")
        report[module] = "given: the autograder's own copy is graded"
    files = {}
    for pattern in file_patterns:
        matched = _shallowest(found, lambda n: fnmatch.fnmatch(n, pattern))
        for name, (path, rel) in matched.items():
            files[name] = _copy(path, code, name)
            report[name] = "submitted as " + rel
        if not matched:
            report[pattern] = "not submitted"
    with open(os.path.join(submission_dir, "submitted_files.json"), "w") as f:
        json.dump(files, f)
    return report
