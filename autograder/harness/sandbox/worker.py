"""The worker: imports the student's modules and serves calls on its stdin/stdout (untrusted side).

Started as `python -I <trusted>/sandbox/worker.py SETTINGS`, already as the student user (the
launcher dropped privileges before exec; `-I` ignores PYTHON* variables, the user site and the
current directory). Before any student byte is imported it sets its resource limits, cuts the
network (a seccomp filter when the launcher gave it no network namespace) and checks that the
isolation it was promised holds; if not, it exits with ISOLATION_FAILED and a message on stderr.
Student prints go to stderr, which the grader captures; the protocol uses copies of fds 0 and 1.
"""
import json
import os
import resource
import socket
import sys

ISOLATION_FAILED = 86  # exit code: an isolation step failed; the grader stops rather than go on open
TRUSTED = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail_closed(what):
    sys.stderr.write(f"ISOLATION FAILED: {what}\n")
    sys.stderr.flush()
    os._exit(ISOLATION_FAILED)


def set_limits(settings):
    try:  # when the machine runs out of memory, the kernel kills the worker first, never the grader
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for key, limit, scale in (("memory_mb", resource.RLIMIT_AS, 1 << 20),
                              ("cpu_seconds", resource.RLIMIT_CPU, 1),  # a backstop behind per-test limits
                              ("max_file_mb", resource.RLIMIT_FSIZE, 1 << 20),
                              ("max_processes", resource.RLIMIT_NPROC, 1)):
        if settings.get(key):
            n = int(settings[key]) * scale
            resource.setrlimit(limit, (n, n))


def block_network():
    """A seccomp filter: socket() fails for every family but AF_UNIX; io_uring is refused."""
    import errno
    try:
        import pyseccomp as sc
        f = sc.SyscallFilter(defaction=sc.ALLOW)
        f.add_rule(sc.ERRNO(errno.EACCES), "socket", sc.Arg(0, sc.NE, socket.AF_UNIX))
        for call in ("io_uring_setup", "io_uring_enter", "io_uring_register"):
            f.add_rule(sc.ERRNO(errno.ENOSYS), call)
        f.load()
    except Exception as exc:  # no libseccomp, a kernel without seccomp, a refused prctl
        fail_closed(f"could not install the network filter: {type(exc).__name__}: {exc}")


def check_no_network():
    """Fail closed unless the worker has no internet sockets at all or sees no interface but loopback."""
    try:
        names = [n for _, n in socket.if_nameindex()]
    except OSError:
        names = []
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    except OSError:
        return  # no internet sockets at all (the seccomp filter)
    s.close()
    if any(n != "lo" for n in names):
        fail_closed(f"the worker can see network interfaces {names}")


def isolate(settings):
    set_limits(settings)
    if settings.get("network") == "seccomp":
        block_network()
    check_no_network()
    if os.getuid() == 0 and settings.get("uid") is not None:
        fail_closed("the worker runs as root")


def main(argv):
    settings = json.loads(argv[0])
    isolate(settings)
    if settings.get("preflight"):
        return
    sys.path[:0] = [TRUSTED, settings["code_dir"]]  # trusted, root-owned code first: it cannot be shadowed
    os.chdir(settings["code_dir"])
    from sandbox import serve
    serve.worker_main(settings["code_dir"], settings["modules"])


if __name__ == "__main__":
    main(sys.argv[1:])
