"""Set up the student worker's world before otter starts (runs as the grader, usually root).

The worker (hw_support/sandbox.py) runs as an unprivileged user in a private directory holding
only the student's modules and hw_support; the autograder tree (hidden tests, results) is closed
to that user. Without root there is no user switch: a loud warning says so.
"""
import fcntl
import json
import os
import shutil
import stat
import sys
import tempfile

LOUD = "!" * 78


def _reachable(path):
    """Add the search (x) bit for others on every ancestor of `path`, so the student user can run Python."""
    changed = []
    path = os.path.realpath(path)
    chain = [path if os.path.isdir(path) else os.path.dirname(path)]
    while os.path.dirname(chain[-1]) != chain[-1]:
        chain.append(os.path.dirname(chain[-1]))
    for path in chain:
        mode = os.stat(path).st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(path, mode | stat.S_IXOTH)
            changed.append(path)
    return changed


_LOCKS = {}  # slot lock files held while a grading runs


def _claim_slot(base, slots=16):
    """A student user name of our own: gradings that run side by side never share (or kill) one."""
    for n in range(slots):
        try:  # /tmp is world-writable: never follow a link planted in place of a lock file
            fd = os.open(os.path.join(tempfile.gettempdir(), f"attention-hw-{base}{n}.lock"),
                         os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError:
            continue
        f = os.fdopen(fd, "r+")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            continue
        _LOCKS[f"{base}{n}"] = f
        return f"{base}{n}"
    raise RuntimeError(f"more than {slots} gradings at once on this machine")


def prepare(autograder_dir, submission_dir, modules, code_subdir, settings):
    """Make the worker's directory and write submission/sandbox.json; returns (settings, log lines)."""
    sys.path.insert(0, submission_dir)
    from hw_support.sandbox import student_user

    log = []
    user = student_user(_claim_slot(settings.get("user", "hwstudent"))) if os.geteuid() == 0 else None
    box_dir = tempfile.mkdtemp(prefix="hw-student-")
    code = os.path.join(submission_dir, code_subdir)
    for name in os.listdir(code):  # the modules and the submitted result files (regular files, never links)
        if stat.S_ISREG(os.lstat(os.path.join(code, name)).st_mode):
            shutil.copy(os.path.join(code, name), box_dir, follow_symlinks=False)
    shutil.copytree(os.path.join(submission_dir, "hw_support"), os.path.join(box_dir, "hw_support"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = {k: settings[k] for k in ("memory_mb", "cpu_seconds", "max_processes", "max_file_mb", "max_output_kb",
                                    "no_network", "time_limits", "import_limit") if k in settings}
    out["code_dir"] = box_dir
    if user is None:
        log.append(f"{LOUD}\nWARNING: the grader is not root, so student code runs in a separate process as "
                   f"the grader's own user: no privilege separation, hidden tests are readable.\n{LOUD}")
        out["uid"] = None
    else:
        uid, gid = user
        out["uid"], out["gid"] = uid, gid
        for root, dirs, files in os.walk(box_dir):
            for p in [root] + [os.path.join(root, f) for f in files]:
                os.chown(p, uid, gid, follow_symlinks=False)
        os.chmod(autograder_dir, 0o700)  # hidden tests, results and the grader's files
        for p in {sys.executable, sys.prefix, sys.base_prefix, os.path.dirname(os.__file__)}:
            changed = _reachable(p)
            if changed:
                log.append(f"made {', '.join(changed)} searchable (o+x) so the student user can run Python")
        log.append(f"student code runs as uid {uid} in {box_dir}")
    with open(os.path.join(submission_dir, "sandbox.json"), "w") as f:
        json.dump(out, f)
    return out, log


def cleanup(settings):
    from hw_support.sandbox import kill_user_processes

    if settings.get("uid") is not None:
        kill_user_processes(settings["uid"])
    shutil.rmtree(settings["code_dir"], ignore_errors=True)
    for f in _LOCKS.values():
        f.close()
    _LOCKS.clear()
