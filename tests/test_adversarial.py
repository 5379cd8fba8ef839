"""Hostile and broken submissions, graded through the Gradescope entry point under both launchers (issues 5, 12).

Each submission is the reference attention.py with a few functions replaced by hostile code.
`self_attention` is replaced by a self-contained version, so a hostile helper costs only its own
tests. For each submission we state which functions' tests must fail (and how), that every other
test is still graded (and passes), and what must never reach the student.
"""
import json
import os
import pwd

import pytest

from conftest import ROOT, graded_tests
from test_grading import assert_gradescope_schema
from sandbox.launch import user_processes
from hwbuild.mutants import replace_definitions

SOLUTION = open(os.path.join(ROOT, "solutions", "attention.py")).read()
HIDDEN_MARKERS = ["hidden=True", "def hidden_", "_expected_masked",  # text only hidden tests contain
                  "sandbox/serve.py", "sandbox/client.py", "importlib"]  # frames students must not see

SELF_CONTAINED = '''
def self_attention(Q, K, V, n_heads=1, causal=True):
    B, T, C = Q.shape
    d = C // n_heads
    q, k, v = (t.reshape(B, T, n_heads, d).transpose(1, 2) for t in (Q, K, V))
    A = (q @ k.transpose(-2, -1)) / math.sqrt(d)
    if causal:
        A = A.masked_fill(torch.ones(T, T, dtype=torch.bool, device=A.device).triu(1), float("-inf"))
    return (torch.softmax(A, dim=-1) @ v).transpose(1, 2).reshape(B, T, C)
'''


def hostile(code="", prefix=""):
    """The solution with `code`'s functions (and a self-contained self_attention) swapped in."""
    src = replace_definitions(SOLUTION, SELF_CONTAINED + code)
    return prefix + src


def part2_tests(results):
    """Part 2's tests (later parts' classes in attention.py may call the hostile helpers)."""
    return [t for t in graded_tests(results) if t["number"].startswith("2.")]


def cases_of(results, function):
    return [t for t in part2_tests(results) if t["name"].startswith(function + ":")]


def assert_only_these_fail(results, failing):
    """The tests of `failing` functions fail; every other Part 2 test is graded and passes."""
    for t in part2_tests(results):
        fn = t["name"].split(":")[0]
        broken = any(fn == f or fn.startswith(f) for f in failing) or \
            (fn == "causal mask" and {"make_causal_mask", "apply_causal_mask"} & set(failing))
        if broken:
            assert t["status"] == "failed", t["name"]
        else:
            assert t["status"] == "passed", (t["name"], t["output"])
    for f in failing:
        assert cases_of(results, f), f"no test named after {f}"


def assert_nothing_leaked(results):
    text = json.dumps(results)
    for marker in HIDDEN_MARKERS:
        i = text.find(marker)
        assert i < 0, f"{marker!r} reached the results: ...{text[max(0, i - 300):i + 50]}"
    assert len(text) < 500_000


def no_orphaned_student_processes():
    """No process of the student user outlived its worker (other gradings may run in parallel)."""
    orphans = []
    uids = [u.pw_uid for u in pwd.getpwall() if u.pw_name.startswith("hwstudent")]
    for pid in [p for uid in uids for p in user_processes(uid)]:
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if ppid == 1 or b"sleep" in cmd:
            orphans.append(pid)
    return not orphans


SHORT_LIMITS = {"time_limits": {"default": 30, "q2_2": 2, "q2_4": 2}}  # quick time-outs for two questions


@pytest.fixture
def submit(grade_with, tmp_path):
    """Grade an attention.py under each launcher (bwrap; builtin with CAP_SYS_ADMIN dropped)."""
    def _submit(source, **settings):
        d = tmp_path / f"sub{len(list(tmp_path.iterdir()))}"
        d.mkdir()
        (d / "attention.py").write_text(source)
        results, _ = grade_with(d, only="attention", **settings)
        assert_gradescope_schema(results)
        return results
    return _submit


def test_infinite_loop_and_sleep_time_out(submit):
    r = submit(hostile('''
def attn_scaled(A, n_embd, n_heads):
    while True:
        pass

def compute_outputs(A, V):
    import time
    time.sleep(1000)
'''), **SHORT_LIMITS)
    assert_only_these_fail(r, ["attn_scaled", "compute_outputs"])
    for f in ("attn_scaled", "compute_outputs"):
        first, *later = cases_of(r, f)
        assert "timed out after 2 s" in first["output"]
        assert later and all("timed out in an earlier test" in t["output"] for t in later)  # not run again


def test_exits_cost_only_their_tests(submit):
    r = submit(hostile('''
def attn_softmax(A):
    import sys
    sys.exit(0)

def compute_outputs(A, V):
    import os
    os._exit(0)

def pairwise_similarities(Q, K):
    raise SystemExit("bye")
'''))
    assert_only_these_fail(r, ["attn_softmax", "compute_outputs", "pairwise_similarities"])
    assert all("ended the grading process" in t["output"] for t in cases_of(r, "compute_outputs"))
    assert all("SystemExit" in t["output"] for t in cases_of(r, "attn_softmax"))


# Reads every grader file it can find (failing pairwise_similarities with what it read), prints it, and
# overwrites results.json and the hidden tests wherever it can (tests/test_gradescope_layout.py reuses it).
OUT_OF_REACH = '''
def _hunt():
    import glob
    found = []
    for pattern in ["/autograder/**/*.py", "/tmp/attention-hw-grade-*/autograder/**/*.py"]:
        for path in glob.glob(pattern, recursive=True):
            try:
                found.append(open(path).read())
            except OSError:
                pass
    return "\\n".join(found)

def pairwise_similarities(Q, K):
    raise ValueError(_hunt() or "nothing readable")

def attn_scaled(A, n_embd, n_heads):
    print(_hunt())
    print("x" * 100_000_000)
    return A / math.sqrt(n_embd / n_heads)

def compute_outputs(A, V):
    import glob
    for pattern in ["/autograder/results/results.json", "/tmp/attention-hw-grade-*/autograder/results/results.json"]:
        for path in glob.glob(pattern) + [pattern.replace("*", "x")]:
            try:
                open(path, "w").write('{"score": 1000, "tests": []}')
            except OSError:
                pass
    for pattern in ["/autograder/source/tests/*.py", "/tmp/attention-hw-grade-*/autograder/*/tests/*.py"]:
        for path in glob.glob(pattern):
            try:
                open(path, "w").write("")
            except OSError:
                pass
    return A @ V
'''


def test_hidden_tests_and_results_are_out_of_reach(submit):
    r = submit(hostile(OUT_OF_REACH))
    assert_only_these_fail(r, ["pairwise_similarities"])
    assert "nothing readable" in cases_of(r, "pairwise_similarities")[0]["output"]
    assert_nothing_leaked(r)
    assert r["score"] < 1000


def test_monkeypatching_torch_numpy_and_otter_changes_nothing(submit):
    r = submit(hostile('''
def pairwise_similarities(Q, K):
    return torch.zeros(Q.shape[:-1] + (K.shape[-2],))

def attn_softmax(A):
    return torch.zeros_like(A)
''', prefix='''\
import numpy, torch
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
numpy.allclose = lambda *a, **k: True
try:
    from otter.test_files.exception_test import ExceptionTestFile
    ExceptionTestFile.run = lambda self, env: None
except Exception:
    pass
'''))
    assert_only_these_fail(r, ["pairwise_similarities", "attn_softmax"])


def test_lying_and_malformed_results_fail(submit):
    r = submit(hostile('''
class _Liar:
    def __eq__(self, other):
        return True
    def __bool__(self):
        return True

class _LyingTensor(torch.Tensor):
    def __eq__(self, other):
        return torch.ones_like(torch.Tensor.as_subclass(self, torch.Tensor), dtype=torch.bool)

def merge_heads(y):
    return _Liar()

def split_heads(x, n_heads):
    return torch.zeros(x.shape[0], n_heads, x.shape[1], x.shape[2] // n_heads).as_subclass(_LyingTensor)

def attn_softmax(A):
    return torch.full_like(A, float("nan"))

def compute_outputs(A, V):
    return torch.full_like(A @ V, float("inf"))

def pairwise_similarities(Q, K):
    return (Q @ K.transpose(-2, -1)).half()

def attn_scaled(A, n_embd, n_heads):
    return (A / math.sqrt(n_embd / n_heads)).unsqueeze(0)
'''))
    assert_only_these_fail(r, ["merge_heads", "split_heads", "attn_softmax", "compute_outputs",
                               "pairwise_similarities", "attn_scaled"])
    assert "should return a torch.Tensor, got _Liar" in cases_of(r, "merge_heads")[0]["output"]


def test_wrong_device_fails(submit):
    r = submit(hostile('''
def make_causal_mask(n_tok, device=None):
    return torch.ones(n_tok, n_tok, dtype=torch.bool).tril()
'''))
    failed = [t["name"] for t in part2_tests(r) if t["status"] == "failed"]
    assert failed == ["make_causal_mask: created on the requested device, and right there"]


def test_memory_processes_and_network_are_bounded(submit):
    r = submit(hostile('''
def attn_softmax(A):
    big = torch.ones(2 ** 31)  # 8 GB
    return torch.softmax(A, dim=-1) + big[0] - 1

def compute_outputs(A, V):
    import os, time
    children = 0
    try:
        for _ in range(10_000):
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
            children += 1
    except OSError:
        pass
    return A @ V

def pairwise_similarities(Q, K):
    import subprocess
    subprocess.Popen(["sleep", "600"], start_new_session=True)
    return Q @ K.transpose(-2, -1)

def attn_scaled(A, n_embd, n_heads):
    import socket
    socket.create_connection(("127.0.0.1", 22), timeout=2)
    return A / math.sqrt(n_embd / n_heads)
'''))
    assert_only_these_fail(r, ["attn_softmax", "attn_scaled"])
    assert any(w in t["output"] for t in cases_of(r, "attn_scaled") for w in ("unreachable", "refused", "Permission"))
    assert no_orphaned_student_processes()


@pytest.mark.parametrize("source, message", [
    (SOLUTION.replace("import math\n", "import math(\n", 1), "SyntaxError"),
    ("import tensorflow_is_not_installed\n" + SOLUTION, "ModuleNotFoundError"),
    ("import sys\nsys.exit(3)\n" + SOLUTION, "SystemExit"),
    ("import os\nos._exit(0)\n" + SOLUTION, "ended the grading process while being imported"),
])
def test_import_time_failures_cost_the_module_and_explain(submit, source, message):
    r = submit(source)
    assert r["score"] == 0 and all(t["status"] == "failed" for t in graded_tests(r))
    assert message in r["output"]
    assert_nothing_leaked(r)


def test_missing_function_costs_only_its_tests(submit):
    src = replace_definitions(SOLUTION, SELF_CONTAINED)
    start = src.index("def merge_heads(")
    src = src[:start] + src[src.index("def self_attention("):]
    r = submit(src)
    assert_only_these_fail(r, ["merge_heads"])
    assert "attention.py does not define 'merge_heads'" in cases_of(r, "merge_heads")[0]["output"]
