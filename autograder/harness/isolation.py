"""Set up the student worker's world before otter starts, and take it down after (runs as the grader).

`prepare` claims a student user (root only), builds the box (sandbox/launch.py), closes the
autograder directory, chooses the launcher, checks that the private paths are out of the student's
reach, starts one worker that only checks its isolation (a preflight), and writes sandbox.json
for the entry file. Any isolation step that fails raises IsolationError: grading stops and says
why. Without root there is no user switch: a loud warning says so.
"""
import dataclasses
import json
import os
import stat
import subprocess

from sandbox import launch

LOUD = "!" * 78
PRIVATE_ENV = "ATTENTION_HW_PRIVATE"  # more paths to hide from student code (build.py grade: the project)


def _code_files(code_dir):
    """{name: path} of the regular files (modules and result files) the harness put in code_dir."""
    out = {}
    for entry in os.scandir(code_dir):
        if stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
            out[entry.name] = entry.path
    return out


def preflight(launcher, box, worker, user):
    """Start a worker that only sets up its isolation; IsolationError if it cannot."""
    argv, kwargs = launch.worker_command(launcher, box, dict(worker, modules=[], preflight=True), user)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, **kwargs)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise launch.IsolationError(f"the {launcher} launcher could not start the worker: {exc}") from None
    if done.returncode != 0:
        raise launch.IsolationError(f"the {launcher} launcher's worker failed its isolation checks (exit code "
                                    f"{done.returncode}): {done.stderr.strip()[-2000:]}")


def new_state():
    """What cleanup needs; prepare fills it in as it goes, so a failure half-way still cleans up."""
    return {"uid": None, "box": None, "lock": None}


def prepare(state, autograder_dir, submission_dir, modules, code_subdir, settings, packages):
    """settings: settings.SandboxSettings. Returns log lines; writes submission/sandbox.json for the entry file."""
    log, user = [], None
    if os.geteuid() == 0:
        name, state["lock"] = launch.claim_slot(settings.user)
        user = launch.student_user(name)
        state["uid"] = user[0]
        os.chmod(autograder_dir, 0o700)  # hidden tests, results and the grader's files
        for p in launch.python_dirs():
            changed = launch.make_reachable(p)
            if changed:
                log.append(f"made {', '.join(changed)} searchable (o+x) so the student user can run Python")
    else:
        log.append(f"{LOUD}\nWARNING: the grader is not root, so student code runs in a separate process as "
                   f"the grader's own user: no privilege separation, hidden tests are readable.\n{LOUD}")
    state["box"] = box = launch.make_box(_code_files(os.path.join(submission_dir, code_subdir)), packages, user)
    private = [autograder_dir] + [p for p in os.environ.get(PRIVATE_ENV, "").split(os.pathsep) if p]
    launcher, line = launch.choose_launcher(settings.launcher if user else "builtin", user)
    log.append(line)
    if launcher == "builtin":
        launch.check_private(private, user)
    worker = dict(dataclasses.asdict(settings), private_paths=private)  # what the worker and its client read
    preflight(launcher, box, worker, user)
    log.append(f"student code runs as uid {user[0] if user else os.getuid()} in {box['code']}")
    with open(os.path.join(submission_dir, "sandbox.json"), "w") as f:
        json.dump({"box": box, "worker": worker, "launcher": launcher, "user": user}, f)
    return log


def cleanup(state):
    removed = launch.cleanup(state["uid"], state["box"], state["lock"])
    return [f"removed {removed} file(s) the student user left in scratch directories"] if removed else []
