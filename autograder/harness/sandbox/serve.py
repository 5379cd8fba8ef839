"""The worker's request loop: calls, attribute access and backward passes on student objects.

Runs inside the worker (see worker.py), after isolation. Requests and replies use codec.py.
Arguments arrive as copies: nothing a student function does to them reaches the grader, which
only learns *which* tensor arguments were changed in place (reply["changed"]).
"""
import ctypes
import gc
import inspect
import os
import sys

import torch

from sandbox.codec import decode, encode, recv, send, tensors_in

ITERATOR_TYPES = ("dict_keys", "dict_values", "dict_items", "map", "filter", "zip", "range")


def _describe(value):
    """How the grader sees a module attribute: a callable, data (copied now), or opaque."""
    if callable(value):
        return "callable"
    if isinstance(value, torch.Tensor) and value.numel() > 1 << 20:
        return "opaque"  # large module-level tensors stay in the worker
    try:
        return {"value": encode(value)}
    except TypeError:
        return "opaque"


def student_traceback(exc, code_dir):
    """The exception with the student's own frames only (no sandbox, importlib or torch frames)."""
    from hw_support.loader import student_frames

    frames, last = student_frames(exc, code_dir)
    return "".join(frames + last).replace(code_dir + os.sep, "").rstrip()


def worker_main(code_dir, modules):
    """Import `modules` from `code_dir`, then serve requests until stdin closes."""
    proto_in, proto_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    from hw_support.loader import BrokenModule, load_module

    loaded, status = {}, {}
    for name in modules:
        send(proto_out, {"importing": name})  # if the worker dies now, the grader knows which module killed it
        m = load_module(name, code_dir)
        loaded[name] = m
        if isinstance(m, BrokenModule):
            status[name] = {"error": m._error}
        else:
            status[name] = {"attrs": {k: _describe(v) for k, v in vars(m).items() if not k.startswith("_")}}
    send(proto_out, {"ready": status})
    objects, graphs = Registry(), {}
    while True:
        try:
            req = recv(proto_in)
        except EOFError:
            return
        try:
            if req["op"] == "backward":
                reply = _serve_backward(req, graphs)
            elif req["op"] == "release":
                graphs.clear()
                objects.clear()
                _reap()
                _give_back_memory()
                reply = {"ok": None}
            else:
                reply = _serve(loaded, req, graphs, objects)
        except BaseException as exc:  # the student's exception, SystemExit included, becomes a message
            reply = {"raised": type(exc).__name__, "message": student_traceback(exc, code_dir)}
        sys.stdout.flush()
        send(proto_out, reply)


def _give_back_memory():
    """Free the test's garbage and hand the heap's free pages back to the system: the worker shares
    Gradescope's 768 MB container with the grader (bench/container_fit.py)."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)  # glibc; elsewhere there is nothing to trim
    except (OSError, AttributeError):
        pass


def _reap():
    """Collect exited child processes (the grader kills the ones student code left running)."""
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


class Registry:
    """Student objects the grader holds handles to, by number (cleared after every test)."""

    def __init__(self):
        self.by_id, self.numbers = {}, {}

    def clear(self):
        self.by_id.clear()
        self.numbers.clear()

    def encode(self, obj):
        """A handle for an object that is not data (iterators become lists)."""
        if inspect.isgenerator(obj) or type(obj).__name__ in ITERATOR_TYPES:
            return encode(list(obj), self.encode)
        if id(obj) not in self.numbers:
            n = len(self.by_id) + 1
            self.by_id[n], self.numbers[id(obj)] = obj, n
        return {"__handle__": self.numbers[id(obj)], "type": type(obj).__name__}

    def decode(self, spec):
        return self.by_id[spec["__handle__"]]


def _target(loaded, objects, target):
    kind, owner, attr = target
    base = loaded[owner] if kind == "module" else objects.by_id[owner]
    return base if attr is None else getattr(base, attr)


def _serve(loaded, req, graphs, objects):
    """getattr / setattr / len / getitem on a module or object, or a call."""
    op = req["op"]
    if op == "getattr":
        value = _target(loaded, objects, req["target"])
        if inspect.ismethod(value) or inspect.isbuiltin(value) or inspect.ismethoddescriptor(value):
            return {"ok": {"__method__": True}}
        return {"ok": encode(value, objects.encode)}
    if op == "setattr":
        kind, owner, attr = req["target"]
        setattr(_target(loaded, objects, [kind, owner, None]), attr, decode(req["value"], objects.decode))
        return {"ok": None}
    if op in ("len", "getitem"):
        obj = _target(loaded, objects, req["target"])
        value = len(obj) if op == "len" else obj[decode(req["key"], objects.decode)]
        return {"ok": encode(value, objects.encode)}
    return _serve_call(loaded, req, graphs, objects)


def _serve_call(loaded, req, graphs, objects):
    fn = _target(loaded, objects, req["target"])
    args, kwargs = decode(req["args"], objects.decode), decode(req["kwargs"], objects.decode)
    inputs = tensors_in([args, kwargs])
    if req["grad"]:
        for t, flag in zip(inputs, req["grad"]):
            if flag and t.is_floating_point():
                t.requires_grad_(True)
    before = [t.detach().clone() if t.device.type != "meta" else None for t in inputs]
    result = fn(*args, **kwargs)
    changed = [i for i, (t, b) in enumerate(zip(inputs, before))
               if b is not None and not (t.shape == b.shape and torch.equal(t.detach(), b))]
    reply = {"ok": encode(result, objects.encode), "changed": changed}
    if req["grad"]:
        graphs[req["id"]] = (inputs, tensors_in(result))
    return reply


def _serve_backward(req, graphs):
    inputs, outputs = graphs.pop(req["id"])
    pairs = [(o, g) for o, g in zip(outputs, decode(req["grads"])) if g is not None and o.requires_grad]
    if pairs:
        torch.autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
    return {"ok": encode([t.grad if t.requires_grad and t.grad is not None else None for t in inputs])}
