"""How the worker is started, and the world it starts in (trusted side, usually root).

Two launchers, chosen by `sandbox.launcher` in grading.yml (auto | bwrap | builtin):
- bwrap: bubblewrap gives the worker its own network, PID, IPC and mount namespaces: an empty
  network, private /tmp, /var/tmp and /dev/shm (size-capped tmpfs), the private paths (the
  autograder directory, the instructor's project tree) covered by empty tmpfs; then `setpriv`
  drops to the student user before Python starts.
- builtin: where namespaces are refused (a container without CAP_SYS_ADMIN). The worker is
  spawned as the student user (Popen user/group/extra_groups), its network cut by a seccomp
  filter (worker.py), and every private path must be unreadable to that user, or grading stops.
`auto` takes bwrap when it works and says in the log which launcher ran. Either way the worker
runs `python -I` on code in a root-owned, read-only directory; isolation that cannot be set up
raises IsolationError (fail closed), never a silent downgrade.
"""
import fcntl
import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile

LOCK_DIR = "/run/attention-hw"  # root-only: the per-slot lock files
SCRATCH_ROOTS = ("/tmp", "/var/tmp", "/dev/shm", "/run/shm", "/run/lock", "/var/lock")  # world-writable


class IsolationError(RuntimeError):
    """The sandbox could not be set up as configured; grading must not go on."""


# ---------------------------------------------------------------- the student user

def student_user(name):
    """(uid, gid) of the unprivileged user `name`, created when absent (root only)."""
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        made = subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                              capture_output=True, text=True)
        try:
            pw = pwd.getpwnam(name)  # a grading running beside this one may have made it first
        except KeyError:
            raise IsolationError(f"could not create the user {name}: {made.stderr.strip()}") from None
    if pw.pw_uid == 0:
        raise IsolationError(f"the student user {name} is root")
    return pw.pw_uid, pw.pw_gid


def _root_only_dir(path):
    os.makedirs(path, mode=0o700, exist_ok=True)
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0:
        raise IsolationError(f"{path} is not a directory owned by root")
    os.chmod(path, 0o700)
    return path


def claim_slot(base, slots=16):
    """(user name, open lock file): gradings that run side by side never share (or kill) one user."""
    lock_dir = _root_only_dir(LOCK_DIR) if os.geteuid() == 0 else tempfile.gettempdir()
    for n in range(slots):
        fd = os.open(os.path.join(lock_dir, f"{base}{n}.lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        return f"{base}{n}", fd
    raise IsolationError(f"more than {slots} gradings at once on this machine")


# ---------------------------------------------------------------- the box

def make_box(code_files, packages, user):
    """A root-owned directory: code/ (the student's files, read-only), home/ (the student's), trusted/.

    code_files: {name: path on the trusted side}; packages: {package name: its directory}, copied
    into trusted/ (the sandbox's own code and hw_support).
    """
    box = tempfile.mkdtemp(prefix="hw-box-")
    os.chmod(box, 0o755)
    code, home, trusted = (os.path.join(box, d) for d in ("code", "home", "trusted"))
    os.mkdir(code, 0o755)
    for name, path in code_files.items():
        shutil.copyfile(path, os.path.join(code, name), follow_symlinks=False)
        os.chmod(os.path.join(code, name), 0o644)
    for pkg, src in packages.items():
        shutil.copytree(src, os.path.join(trusted, pkg), symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for root, dirs, files in os.walk(trusted):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    os.chmod(trusted, 0o755)
    os.mkdir(home, 0o700)
    if user is not None:
        os.chown(home, *user)
    return {"root": box, "code": code, "home": home, "trusted": trusted}


def make_reachable(path):
    """Add the search (x) bit for others on every ancestor of `path`, so the student user can run Python."""
    changed, path = [], os.path.realpath(path)
    chain = [path if os.path.isdir(path) else os.path.dirname(path)]
    while os.path.dirname(chain[-1]) != chain[-1]:
        chain.append(os.path.dirname(chain[-1]))
    for p in chain:
        mode = os.stat(p).st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(p, mode | stat.S_IXOTH)
            changed.append(p)
    return changed


# ---------------------------------------------------------------- launchers

def python_dirs():
    """The directories the worker's Python runs from: they stay visible and reachable to the student user."""
    return sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                 os.path.dirname(os.__file__),
                                                 os.path.dirname(os.path.realpath(sys.executable)))})


def _mount_points(path, covered):
    """`--dir` arguments (mode 0755) for the ancestors of `path` below the tmpfs at `covered`."""
    args, parts = [], []
    p = os.path.dirname(path)
    while len(p) > len(covered.rstrip("/")):
        parts.append(p)
        p = os.path.dirname(p)
    for d in reversed(parts):
        args += ["--perms", "0755", "--dir", d]
    return args


def bwrap_prefix(box, private, tmpfs_mb):
    """bubblewrap's arguments up to `--`: namespaces, private scratch space, private paths hidden."""
    size = str(int(tmpfs_mb) << 20)
    args = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    covered = ["/tmp", "/var/tmp", "/dev/shm"]
    for d in covered:
        args += ["--perms", "01777", "--size", size, "--tmpfs", d]
    binds = [("--ro-bind", box["code"]), ("--ro-bind", box["trusted"]), ("--bind", box["home"])]
    for p in private:
        if os.path.isdir(p):
            args += ["--tmpfs", p]
            covered.append(p)
        elif os.path.exists(p):
            args += ["--ro-bind", "/dev/null", p]
    # the worker's Python stays visible (read-only) where it lives under a hidden path, e.g. a venv in /tmp
    binds += [("--ro-bind", d) for d in python_dirs() if any(d.startswith(c.rstrip("/") + "/") for c in covered)]
    for kind, d in binds:
        under = max((c for c in covered if d.startswith(c.rstrip("/") + "/")), key=len, default=None)
        args += (_mount_points(d, under) if under else []) + [kind, d, d]
    args += ["--unshare-net", "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try",
             "--die-with-parent", "--new-session", "--chdir", box["code"]]
    return args


def setpriv_prefix(uid, gid):
    return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--no-new-privs",
            "--inh-caps=-all", "--bounding-set=-all"]


def probe_bwrap(user):
    """None if bubblewrap can start an isolated process here, else why not."""
    if shutil.which("bwrap") is None:
        return "bwrap is not installed"
    if user is not None and shutil.which("setpriv") is None:
        return "setpriv is not installed"
    cmd = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net",
           "--unshare-ipc", "--unshare-pid", "--die-with-parent", "--"]
    cmd += (setpriv_prefix(*user) if user is not None else []) + ["true"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap did not run: {exc}"
    return None if done.returncode == 0 else (done.stderr.strip() or f"bwrap exited {done.returncode}")


def choose_launcher(wanted, user):
    """('bwrap' | 'builtin', a line for the log); IsolationError when `wanted` cannot run."""
    if wanted not in ("auto", "bwrap", "builtin"):
        raise IsolationError(f"sandbox.launcher must be auto, bwrap or builtin, not {wanted!r}")
    if wanted == "builtin":
        return "builtin", "launcher: builtin (as configured): seccomp network filter, no namespaces"
    why = probe_bwrap(user)
    if why is None:
        return "bwrap", "launcher: bwrap (network, PID, IPC and mount namespaces)"
    if wanted == "bwrap":
        raise IsolationError(f"sandbox.launcher is bwrap, but bubblewrap cannot isolate here: {why}")
    return "builtin", f"launcher: builtin (bubblewrap unavailable: {why}): seccomp network filter"


def _expand(paths):
    """`paths` without Python's own directories: a path that holds one is replaced by its other entries."""
    python, out = python_dirs(), []
    for p in paths:
        if any(p == d or p.startswith(d + "/") for d in python):
            continue  # the student user must be able to run Python
        if os.path.isdir(p) and any(d.startswith(p.rstrip("/") + "/") for d in python):
            out += _expand(sorted(os.path.join(p, e) for e in os.listdir(p)))
        else:
            out.append(p)
    return out


def check_private(paths, user):
    """Fail closed if the student user can read any of `paths` (the builtin launcher hides nothing)."""
    paths = [p for p in _expand([os.path.realpath(p) for p in paths]) if os.path.lexists(p)]
    if user is None or not paths:
        return
    probe = ("import os, sys\nfor p in sys.argv[1:]:\n    try:\n        os.listdir(p) if os.path.isdir(p) "
             "else open(p, 'rb').close()\n        print(p)\n    except OSError:\n        pass\n")
    done = subprocess.run([sys.executable, "-I", "-c", probe, *paths], user=user[0], group=user[1],
                          extra_groups=[], capture_output=True, text=True, timeout=60, cwd="/")
    readable = done.stdout.split()
    if readable:
        shown = ", ".join(readable[:5]) + (f" and {len(readable) - 5} more" if len(readable) > 5 else "")
        raise IsolationError("the builtin launcher cannot hide these paths from the student user, who can "
                             f"read them: {shown}. Install bubblewrap (and allow the namespaces it needs), or "
                             "make them unreadable to other users (chmod o-rwx).")


# glibc keeps freed memory for reuse: big tensors freed by one test would stay in the heap (the mmap
# threshold grows to 32 MB after the first big free) and in per-thread arenas. A fixed threshold gives
# them back when freed, which keeps grading inside Gradescope's 768 MB container (bench/container_fit.py).
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "131072", "MALLOC_TRIM_THRESHOLD_": "131072", "MALLOC_ARENA_MAX": "2"}


def worker_command(launcher, box, settings, user):
    """(argv, Popen keyword arguments) that start the worker."""
    worker = os.path.join(box["trusted"], "sandbox", "worker.py")
    spec = dict(settings, code_dir=box["code"], network="namespace" if launcher == "bwrap" else "seccomp",
                uid=user[0] if user else None)
    python = [sys.executable, "-I", "-B", worker, json.dumps(spec)]
    env = {"PATH": "/usr/bin:/bin", "HOME": box["home"], "TMPDIR": box["home"], "LANG": "C.UTF-8",
           "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"), **MALLOC_ENV}
    kwargs = dict(cwd=box["code"], env=env, start_new_session=True, umask=0o077)
    if launcher == "bwrap":
        privs = setpriv_prefix(*user) if user is not None else []
        return bwrap_prefix(box, settings.get("private_paths", []), settings["tmpfs_mb"]) + \
            ["--"] + privs + python, kwargs
    if user is not None:
        kwargs.update(user=user[0], group=user[1], extra_groups=[])
    return python, kwargs


# ---------------------------------------------------------------- after grading

def user_processes(uid):
    """Live (not zombie) processes whose real uid is `uid` (read from /proc/PID/status)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
            continue
        if int(fields["Uid"].split()[0]) == uid and not fields["State"].strip().startswith("Z"):
            pids.append(int(pid))
    return pids


def _start_time(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return float("inf")


def oldest_process(uid):
    """The pid of `uid`'s longest-running process (the worker, right after it started), or None."""
    return min(user_processes(uid), key=_start_time, default=None)


def kill_user_processes(uid, keep=None):
    """Kill every process of `uid` but `keep` (student code may start some that outlive a call)."""
    for _ in range(3):  # again, in case one forked while we looked
        for pid in user_processes(uid):
            if pid == keep:
                continue
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _owned_entries(top, uid, depth=4):
    """Paths under `top` owned by `uid`; only world-writable directories are searched further."""
    try:
        entries = list(os.scandir(top))
    except OSError:
        return []
    found = []
    for e in entries:
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            continue
        if st.st_uid == uid:
            found.append((e.path, stat.S_ISDIR(st.st_mode)))
        elif stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_IWOTH and depth > 1:
            found += _owned_entries(e.path, uid, depth - 1)
    return found


def kill_descendants(pid):
    """SIGKILL every process below `pid` (e.g. otter's kernel after the total time limit)."""
    children = {}
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{p}/stat") as f:
                children.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(p))
        except (OSError, IndexError, ValueError):
            continue
    todo = list(children.get(pid, []))
    while todo:
        child = todo.pop()
        todo += children.get(child, [])
        try:
            os.kill(child, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def remove_owned_files(uid, roots=SCRATCH_ROOTS):
    """Delete what `uid` left in the world-writable scratch places, never following links."""
    removed = 0
    for top in roots:
        if os.path.islink(top) or not os.path.isdir(top):
            continue
        for path, is_dir in _owned_entries(top, uid):
            if is_dir:  # rm copes with trees too deep for Python's recursion and does not follow links
                subprocess.run(["rm", "-rf", "--one-file-system", "--", path], capture_output=True)
            else:
                try:
                    os.unlink(path)
                except OSError:
                    continue
            removed += 1
    return removed


def cleanup(uid, box, lock_fd):
    """Kill the student's processes, delete the box and everything the student left behind."""
    if uid is not None:
        kill_user_processes(uid)
    if box:
        shutil.rmtree(box["root"], ignore_errors=True)
    removed = remove_owned_files(uid) if uid is not None else 0
    if lock_fd is not None:
        os.close(lock_fd)
    return removed
