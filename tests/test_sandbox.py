"""The sandbox's proxies behave like the student's objects, through a worker process."""
import os
import shutil

import pytest
import torch

from conftest import ROOT
from hw_support.checks import assert_tensor, assert_unchanged, call_on_meta
from hw_support.loader import BrokenModule
from sandbox import client as sandbox, codec, launch

TOY = '''
import torch
import torch.nn as nn

SCALE = 3
NAMES = ["a", "b"]

def double(x):
    return 2 * x

def square_(x):
    x.mul_(x)
    return x

def pair(x):
    return x + 1, {"sum": x.sum(), "n": int(x.numel())}

def spin():
    while True:
        pass

def die():
    import os
    os._exit(7)

class Counter:
    def __init__(self, n):
        self.n = n
        self.items = list(range(n))
    def __len__(self):
        return self.n
    def __getitem__(self, i):
        return torch.tensor([i, i * i])
    def total(self, extra=0):
        return sum(self.items) + extra

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 2)
    def forward(self, x):
        return self.lin(x)

def uses(counter):
    return counter.total() * SCALE

def cpu_mask(x):
    return x.masked_fill(torch.ones(x.shape, dtype=torch.bool), 0.0)

def cpu_zeros(x):
    return torch.zeros(x.shape)
'''


PACKAGES = {"sandbox": os.path.join(ROOT, "autograder", "harness", "sandbox"),
            "hw_support": os.path.join(ROOT, "assignment", "common", "hw_support")}


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    d = tmp_path_factory.mktemp("code")
    (d / "toy.py").write_text(TOY)
    (d / "broken.py").write_text("def f(:\n")
    files = {"toy.py": str(d / "toy.py"), "broken.py": str(d / "broken.py")}
    dirs = launch.make_box(files, PACKAGES, None)
    box, modules = sandbox.load_student_modules(["toy", "broken"], dirs, {"import_limit": 60})
    box.begin_test(30)
    yield box, modules
    box.end_test()
    box.kill()
    shutil.rmtree(dirs["root"])


def test_functions_data_and_broken_modules(toy):
    box, m = toy
    assert isinstance(m["broken"], BrokenModule)
    toy_ = m["toy"]
    assert toy_.SCALE == 3 and toy_.NAMES == ["a", "b"]
    assert torch.equal(toy_.double(torch.arange(3.0)), torch.tensor([0.0, 2.0, 4.0]))
    out, info = toy_.pair(torch.ones(2, 2))
    assert torch.equal(out, torch.full((2, 2), 2.0)) and info["n"] == 4 and float(info["sum"]) == 4.0
    with pytest.raises(AttributeError, match="does not define 'nope'"):
        toy_.nope


def test_in_place_changes_never_reach_the_grader_but_are_marked(toy):
    x = torch.tensor([1.0, 2.0, 3.0])
    before = x.clone()
    toy_ = toy[1]["toy"]
    assert torch.equal(toy_.square_(x), torch.tensor([1.0, 4.0, 9.0]))  # the result comes back
    assert torch.equal(x, before)  # the grader's tensor keeps its values: expected values stay honest
    with pytest.raises(AssertionError, match="x was modified in place"):
        assert_unchanged(before, x, "x")  # ... and a test that checks for in-place changes sees one
    y = torch.tensor([2.0])
    toy_.double(y)
    assert_unchanged(y.clone(), y, "y")  # no mark without a change


def test_meta_device_failures_say_that_meta_stands_in_for_a_gpu(toy):
    """A student error on meta-device inputs, or an output left on the CPU, says what 'meta' is."""
    toy_ = toy[1]["toy"]
    x = torch.empty(2, 3, device="meta")
    with pytest.raises(AssertionError, match=r"cpu_mask\(x\) raised: RuntimeError: Tensor on device meta is not on "
                                             r"the expected device cpu!? \(the grader uses PyTorch's 'meta' device to "
                                             r"stand in for a GPU: create new tensors on the inputs' device"):
        call_on_meta(toy_.cpu_mask, "cpu_mask(x)", x)
    out = call_on_meta(toy_.cpu_zeros, "cpu_zeros(x)", x)
    with pytest.raises(AssertionError, match=r"on cpu, expected meta .*'meta' device to stand in for a GPU"):
        assert_tensor(out, "cpu_zeros(x)", device="meta")
    assert call_on_meta(toy_.double, "double(x)", x).device.type == "meta"


def test_gradients_flow_through_calls_and_modules(toy):
    toy_ = toy[1]["toy"]
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    (toy_.double(x) * torch.tensor([3.0, 5.0])).sum().backward()
    assert torch.equal(x.grad, torch.tensor([6.0, 10.0]))
    net = toy_.Net()
    x = torch.randn(4, 3, requires_grad=True)
    net(x).sum().backward()
    w = net.state_dict()["lin.weight"]
    assert torch.allclose(x.grad, w.sum(0).expand(4, 3))


def test_objects_methods_attributes_len_items(toy):
    toy_ = toy[1]["toy"]
    c = toy_.Counter(4)
    assert len(c) == 4 and c.n == 4 and c.total(extra=1) == 7
    assert torch.equal(c[3], torch.tensor([3, 9]))
    c.n = 2
    assert len(c) == 2
    assert toy_.uses(c) == 18  # a handle passed back into student code
    net = toy_.Net()
    params = net.parameters()
    assert [tuple(p.shape) for p in params] == [(2, 3), (2,)]
    state = {k: torch.zeros_like(v) for k, v in net.state_dict().items()}
    net.load_state_dict(state)
    assert torch.equal(net(torch.ones(1, 3)), torch.zeros(1, 2))
    net.eval()
    assert net.training is False


def test_timeouts_and_crashes_restart_the_worker(toy):
    box, m = toy
    box.begin_test(1)
    with pytest.raises(sandbox.StudentTimeout, match="timed out after 1 s"):
        m["toy"].spin()
    box.begin_test(30)
    with pytest.raises(sandbox.StudentCrash, match="exit code 7"):
        m["toy"].die()
    assert m["toy"].double(1) == 2  # a fresh worker answers
    box.begin_test(30)
    with pytest.raises(sandbox.StudentTimeout, match="timed out in an earlier test"):
        m["toy"].spin()  # not run again: fails at once


def test_codec_round_trip_is_data_only():
    values = [None, True, 3, 2.5, float("nan"), "s", [1, (2, 3)], {"k": 1, 2: "v"}, torch.float64,
              torch.device("cpu"), torch.arange(6).reshape(2, 3), torch.tensor([1.5], dtype=torch.bfloat16),
              torch.empty(2, 0), torch.empty(3, device="meta")]
    for v in values:
        back = codec.decode(codec.encode(v))
        if isinstance(v, torch.Tensor):
            assert back.dtype == v.dtype and back.shape == v.shape and back.device == v.device
            if v.device.type != "meta":
                assert torch.equal(back, v)
        elif isinstance(v, float) and v != v:
            assert back != back
        else:
            assert back == v
    class Liar:
        def __eq__(self, other):
            return True
    with pytest.raises(TypeError):
        codec.encode(Liar())


def test_codec_refuses_what_it_cannot_check():
    """A hostile worker cannot make the grader allocate memory it did not send, or hang it with a parse."""
    claims = [
        {"__tensor__": {"dtype": "float32", "shape": [1 << 40], "device": "cpu", "data": ""}},  # no bytes sent
        {"__tensor__": {"dtype": "float32", "shape": [3], "device": "cpu", "data": "AAAA"}},  # too few bytes
        {"__tensor__": {"dtype": "load", "shape": [1], "data": ""}},  # torch.load is not a dtype
        {"__tensor__": {"dtype": "float32", "shape": [-1], "data": ""}},
        {"__ndarray__": {"dtype": "|O", "shape": [1], "data": "AAAAAAAAAAA="}},  # object arrays
        {"__handle__": 1},  # no handles expected here
        {"__list__": [1, 2], "junk": None, "__float__": "x"},
    ]
    for bad in claims:
        with pytest.raises(codec.ProtocolError):
            codec.decode(bad)
    deep = inner = {"__list__": []}
    for _ in range(50_000):
        inner["__list__"].append({"__list__": []})
        inner = inner["__list__"][0]
    with pytest.raises(codec.ProtocolError):
        codec.decode(deep)
    r, w = os.pipe()
    os.write(w, (1 << 60).to_bytes(8, "big"))  # a header claiming an exabyte is refused unread
    with pytest.raises(codec.ProtocolError):
        codec.recv(r, deadline=None)
    payload = b'{"ok": ' + b"7" * 5000 + b"}"  # Python refuses to parse ints of over 4300 digits
    os.write(w, len(payload).to_bytes(8, "big") + payload)
    with pytest.raises(codec.ProtocolError):
        codec.recv(r, deadline=None)
    os.close(r)
    os.close(w)


def test_a_worker_that_stops_reading_cannot_block_the_grader():
    r, w = os.pipe()
    os.set_blocking(w, False)
    with pytest.raises(codec.Timeout):  # 4 MB into a 64 KB pipe nobody reads
        codec.send(w, {"ok": "x" * (4 << 20)}, deadline=__import__("time").monotonic() + 1)
    os.close(r)
    os.close(w)


def test_otter_log_server_is_never_started(monkeypatch):
    """otter's log server unpickles what reaches it; the harness starts none (port 0 accepts nothing)."""
    import socket

    import otter.execute
    from hw_support import otter_adapter

    monkeypatch.setattr(otter.execute, "start_server", otter.execute.start_server)  # restored afterwards
    otter_adapter.disable_log_server()
    (host, port), stop = otter.execute.start_server()
    stop()
    assert port == 0
    with pytest.raises(OSError):
        socket.create_connection((host, port), timeout=1)


def test_the_workers_python_stays_visible_read_only_under_a_hidden_path(monkeypatch):
    """A venv in /tmp (a project cloned there) or inside a private path is bound back read-only
    over the box's private /tmp, so the student user can start Python; nothing else of it shows."""
    monkeypatch.setattr(launch, "python_dirs", lambda: ["/tmp/clone/.venv", "/usr"])
    box = {"code": "/tmp/hw-box-x/code", "trusted": "/tmp/hw-box-x/trusted", "home": "/tmp/hw-box-x/home"}
    args = launch.bwrap_prefix(box, [], 64)
    tmpfs = args.index("/tmp", args.index("--tmpfs"))
    bind = next(i for i in range(len(args) - 2) if args[i:i + 3] == ["--ro-bind", "/tmp/clone/.venv", "/tmp/clone/.venv"])
    assert tmpfs < bind and ["--dir", "/tmp/clone"] == args[bind - 2:bind]
    assert "/usr" not in args[args.index("--ro-bind", 1) + 1:]  # outside hidden paths: seen through / already
