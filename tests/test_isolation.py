"""Issue 12: hostile submissions against the sandbox's isolation, graded as root through build.py grade's
path under both launchers (bubblewrap; the builtin launcher with CAP_SYS_ADMIN dropped).

Each test names the mechanism it attacks; every one of them failed on the sandbox before issue 12.
"""
import os
import socket
import threading
import time
import uuid

import pytest

from conftest import NO_SYS_ADMIN, ROOT, graded_tests, zip_with
from test_adversarial import SELF_CONTAINED, SOLUTION, cases_of, part2_tests
from test_grading import assert_gradescope_schema
from hwbuild import grading
from hwbuild.mutants import replace_definitions

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox switches users only as root")

PROBE = '''
def _home(name):
    import os
    return os.path.join(os.environ.get("HOME", "/nonexistent"), name)

def _plant():
    """Leave modules where a later, respawned worker might import them, then end this worker."""
    import os, sys
    trusted = [p for p in sys.path if p.endswith("trusted")]
    for d in {os.environ.get("HOME", ""), os.getcwd(), os.path.dirname(os.path.abspath(__file__)), *trusted}:
        for name in ("base64.py", "sitecustomize.py", "usercustomize.py"):
            try:  # each a working copy of the real module that also records who imported it
                with open(os.path.join(d, name), "w") as f:
                    f.write("import builtins, os, sysconfig\\nbuiltins.PLANTED = os.getuid()\\n"
                            "_p = os.path.join(sysconfig.get_paths()['stdlib'], __name__ + '.py')\\n"
                            "if os.path.exists(_p):\\n    exec(compile(open(_p).read(), _p, 'exec'))\\n")
            except OSError:
                pass
    site = os.path.join(os.environ.get("HOME", ""), ".local", "lib", "python%d.%d" % sys.version_info[:2],
                        "site-packages")
    try:
        os.makedirs(site, exist_ok=True)
        with open(os.path.join(site, "planted.pth"), "w") as f:
            f.write("import builtins, os; builtins.PLANTED = os.getuid()\\n")
    except OSError:
        pass

def pairwise_similarities(Q, K):
    import os
    with open(_home("seen"), "a") as f:  # every input this function was ever given
        f.write(repr(tuple(Q.shape)) + ";")
    if not os.path.exists(_home("planted")):
        open(_home("planted"), "w").close()
        _plant()
        os._exit(0)
    return Q @ K.transpose(-2, -1)

def attn_scaled(A, n_embd, n_heads):
    import os, socket
    for d in ("/tmp", "/var/tmp", "/dev/shm"):  # left-overs
        try:
            with open(os.path.join(d, "hwleft-MARK"), "w") as f:
                f.write("x" * 1000)
        except OSError:
            pass
    for n in range(4):  # the old per-slot lock files lived in /tmp, opened by root for writing
        try:
            os.symlink("CANARY", "/tmp/attention-hw-hwstudent%d.lock" % n)
        except OSError:
            pass
    try:  # the network: a listener on the grader's loopback
        with socket.create_connection(("127.0.0.1", PORT), timeout=2) as s:
            s.sendall(b"HELLO-MARK")
    except OSError:
        pass
    A /= math.sqrt(n_embd / n_heads)  # a realistic mistake: the caller's scores are scaled in place
    return A

def attn_softmax(A):
    import builtins, os, sys
    try:
        with open("SOLUTION_PATH") as f:
            solution = "READ" if f.read(1) else "empty"
    except OSError as exc:
        solution = "unreadable"
    raise ValueError("PROBE uid=%d euid=%d groups=%s isolated=%d planted=%r solution=%s seen=%s" % (
        os.getuid(), os.geteuid(), os.getgroups(), sys.flags.isolated, getattr(builtins, "PLANTED", None),
        solution, open(_home("seen")).read()))

def compute_outputs(A, V):
    V.zero_()  # the caller's V, if it were shared, would now make zeros the expected answer
    return torch.zeros(A.shape[:-1] + V.shape[-1:])
'''


class Listener:
    """A TCP listener on the grader's loopback that records whatever reaches it."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port, self.got, self.stop = self.sock.getsockname()[1], [], False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.got.append(conn.recv(100) or b"<connected>")
                except OSError:
                    self.got.append(b"<connected>")

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def _probe(results):
    [line] = {l for t in cases_of(results, "attn_softmax") if t["visibility"] == "visible"
              for l in t["output"].split("\n") if l.startswith("ValueError: PROBE")}
    return line


def test_hostile_worker_cannot_escalate_reach_out_leak_or_leave(grade_with, launcher, tmp_path):
    mark = uuid.uuid4().hex[:12]
    canary = tmp_path / "canary"
    canary.write_text("intact")
    listener = Listener()
    code = PROBE.replace("MARK", mark).replace("PORT", str(listener.port)).replace("CANARY", str(canary))
    code = code.replace("SOLUTION_PATH", os.path.join(ROOT, "solutions", "attention.py"))
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "attention.py").write_text(replace_definitions(SOLUTION, SELF_CONTAINED + code))
    try:
        results, log = grade_with(sub, only="attention")
    finally:
        listener.close()
    assert_gradescope_schema(results)
    probe = _probe(results)
    # 1. privileges: unprivileged from the first instruction, isolated interpreter, nothing planted ran
    assert " uid=0 " not in probe and "euid=0 " not in probe and "groups=[]" in probe, probe
    assert "isolated=1" in probe and "planted=None" in probe, probe
    # 2. the network: nothing reached the grader's loopback
    assert listener.got == [], listener.got
    # 3. in place: zeroing the caller's V does not make zeros the expected answer; an in-place change
    # is reported by the test that checks for it, and only there
    assert cases_of(results, "compute_outputs")
    assert all(t["status"] == "failed" for t in cases_of(results, "compute_outputs"))
    scaled = {t["name"]: t for t in cases_of(results, "attn_scaled")}
    in_place = scaled.pop("attn_scaled: float64 kept to 1e-12 (head dim 7), batch dims kept, input unchanged")
    assert in_place["status"] == "failed" and "A was modified in place" in in_place["output"]
    assert scaled and all(t["status"] == "passed" for t in scaled.values())
    # 9. left-overs: nothing of the student's survives in /tmp, /var/tmp or /dev/shm; root never wrote a link
    for d in ("/tmp", "/var/tmp", "/dev/shm"):
        assert not os.path.lexists(os.path.join(d, f"hwleft-{mark}")), d
    assert canary.read_text() == "intact"
    if launcher == "bwrap":  # the project (solutions, masters, hidden tests) is hidden from student code
        assert "solution=unreadable" in probe, probe
    # 10. public outputs never carry what the student saw in hidden tests: public tests run first
    seen = probe.split("seen=")[1]
    assert set(seen.strip(";").split(";")) == {"(2, 2)"}, seen  # the public example's Q only
    # the functions at fault lose their tests; the rest still pass
    for t in part2_tests(results):
        fn = t["name"].split(":")[0]
        if fn not in ("pairwise_similarities", "attn_softmax", "compute_outputs", "attn_scaled"):
            assert t["status"] == "passed", (t["name"], t["output"])


def test_isolation_fails_closed_without_namespaces(build, tmp_path):
    """CAP_SYS_ADMIN dropped: bwrap required -> grading stops; auto -> builtin, which refuses readable secrets."""
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "attention.py").write_text(SOLUTION)
    required = zip_with(build, tmp_path, "bwrap.zip", launcher="bwrap")
    auto = zip_with(build, tmp_path, "auto.zip", launcher="auto")
    for zip_path, private, why in ((required, [], "bubblewrap cannot isolate here"),
                                   (auto, None, "cannot hide these paths")):
        results, log = grading.grade(zip_path, str(sub), only="attention", private=private, prefix=NO_SYS_ADMIN)
        assert_gradescope_schema(results)
        assert results["score"] == 0 and "Grading stopped" in results["output"] and why in results["output"]
        assert "ISOLATION FAILED" in log


def test_unreadable_replies_and_slow_functions_cost_only_their_tests(grade_with, tmp_path):
    """5. A reply the grader cannot parse, a hang and the total time limit never zero what passed."""
    code = '''
def attn_scaled(A, n_embd, n_heads):
    import os, time
    fds = [int(fd) for fd in os.listdir("/proc/self/fd")]
    for fd in fds:  # forge a reply on the protocol pipe: an int of 5000 digits, then stay alive
        if fd > 2:
            try:
                payload = b'{"ok": ' + b"7" * 5000 + b'}'
                os.write(fd, len(payload).to_bytes(8, "big") + payload)
            except OSError:
                pass
    time.sleep(1000)

def merge_heads(y):
    while True:
        pass
'''
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "attention.py").write_text(replace_definitions(SOLUTION, SELF_CONTAINED + code))
    start = time.monotonic()
    results, _ = grade_with(sub, only="attention", time_limits={"default": 30, "q2_2": 5, "q2_6": 3})
    took = time.monotonic() - start
    assert_gradescope_schema(results)
    for t in cases_of(results, "attn_scaled"):
        assert t["status"] == "failed"
    first, *later = cases_of(results, "merge_heads")
    assert "timed out after 3 s" in first["output"] and all("earlier test" in t["output"] for t in later)
    passed = [t for t in part2_tests(results) if t["status"] == "passed"]
    assert len(passed) >= len(part2_tests(results)) - len(cases_of(results, "attn_scaled")) - 3
    assert took < 150, took  # one 5 s and one 3 s limit paid, not one per later test


def test_total_time_limit_keeps_what_passed(grade_with, tmp_path):
    code = '''
def merge_heads(y):
    import time
    time.sleep(1000)
'''
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "attention.py").write_text(replace_definitions(SOLUTION, SELF_CONTAINED + code))
    # the whole run may take 35 s; merge_heads (q2_6) would hang for 60 s first
    results, _ = grade_with(sub, only="attention", time_limits={"default": 30, "q2_6": 60}, total_time_limit=35)
    assert_gradescope_schema(results)
    passed = [t for t in graded_tests(results) if t["status"] == "passed"]
    assert results["score"] > 0 and passed, results["output"]
    assert all(t["name"].split(":")[0] != "merge_heads" for t in passed)
    assert "could not finish" in results["output"]
