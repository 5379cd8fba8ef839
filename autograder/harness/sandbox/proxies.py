"""Proxies: student functions, objects and modules that live in the worker, used from the grader,
and the errors a call into the worker can raise."""
import torch

from sandbox import codec
from sandbox.codec import decode, encode, tensors_in as _tensors


class StudentTimeout(Exception):
    """A test's student code ran past its time limit."""


class StudentCrash(Exception):
    """The student process died (exit, crash, out of memory) during a call."""


class SandboxError(Exception):
    """Student code raised, or returned something the grader cannot accept."""



class _RemoteCall(torch.autograd.Function):
    """Makes a proxy call differentiable: the backward pass runs in the worker."""

    @staticmethod
    def forward(ctx, box, *tensors):
        ctx.box = box
        return tuple(o.clone() for o in _tensors(box["result"]))

    @staticmethod
    def backward(ctx, *grads):
        box = ctx.box
        reply = box["sandbox"]._request({"op": "backward", "id": box["id"], "grads": encode(list(grads))},
                                        f"the backward pass of {box['what']}")
        try:
            got = decode(reply["ok"])
        except codec.ProtocolError as exc:
            raise SandboxError(f"the backward pass of {box['what']} returned unreadable gradients ({exc})") from None
        if not isinstance(got, list) or len(got) != len(box["shapes"]) or not all(
                g is None or (isinstance(g, torch.Tensor) and tuple(g.shape) == s) for g, s in zip(got, box["shapes"])):
            raise SandboxError(f"the backward pass of {box['what']} returned gradients of the wrong shapes")
        return (None, *[g if g is not None and t else None for g, t in zip(got, box["flags"])])


def _rebuild(result, outs):
    """`result` with its tensors replaced, in order, by `outs`."""
    it = iter(outs)

    def walk(x):
        if isinstance(x, torch.Tensor):
            return next(it)
        if isinstance(x, (list, tuple)):
            return type(x)(walk(v) for v in x)
        if isinstance(x, dict):
            return {k: walk(v) for k, v in x.items()}
        return x
    return walk(result)


class RemoteFunction:
    """A student function or method living in the worker; calls are differentiable in their inputs."""

    def __init__(self, sandbox, target, what):
        self._sandbox, self._target, self._what = sandbox, target, what
        self.__name__ = what.rsplit(".", 1)[-1]

    def __call__(self, *args, **kwargs):
        inputs = _tensors([list(args), kwargs])
        flags = [bool(t.requires_grad) for t in inputs]
        if not (any(flags) and torch.is_grad_enabled()):
            return self._sandbox.call(self._target, args, kwargs, self._what)[0]
        result, call_id = self._sandbox.call(self._target, args, kwargs, self._what, grad_flags=flags)
        outs = _tensors(result)
        if not outs:
            return result
        box = {"sandbox": self._sandbox, "id": call_id, "result": result, "flags": flags, "what": self._what,
               "shapes": [tuple(t.shape) for t in inputs]}
        return _rebuild(result, list(_RemoteCall.apply(box, *inputs)))

    def __repr__(self):
        return f"<student function {self._what} (sandboxed)>"


class RemoteObject:
    """A student object (a dataset, an nn.Module, ...) living in the worker, used through a handle.

    Supports calls, method calls, attribute reads (data is copied, other objects become handles),
    attribute assignment of data, len() and indexing. Handles last until the end of the test.
    """

    def __init__(self, sandbox, number, type_name):
        object.__setattr__(self, "_sandbox", sandbox)
        object.__setattr__(self, "_number", number)
        object.__setattr__(self, "_type", type_name)

    def _what(self, attr=None):
        return f"{self._type}" + (f".{attr}" if attr else "")

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        target = ["handle", self._number, attr]
        value = self._sandbox.ask("getattr", target, self._what(attr))
        if isinstance(value, dict) and value.get("__method__"):
            return RemoteFunction(self._sandbox, target, self._what(attr))
        return value

    def __setattr__(self, attr, value):
        self._sandbox.ask("setattr", ["handle", self._number, attr], self._what(attr), value=value)

    def __call__(self, *args, **kwargs):
        return RemoteFunction(self._sandbox, ["handle", self._number, None], self._what())(*args, **kwargs)

    def __len__(self):
        return self._sandbox.ask("len", ["handle", self._number, None], f"len({self._type})")

    def __getitem__(self, key):
        return self._sandbox.ask("getitem", ["handle", self._number, None], f"{self._type}.__getitem__", key=key)

    def __repr__(self):
        return f"<student {self._type} object (sandboxed)>"


class RemoteModule:
    """A student module living in the worker: functions become proxies, data is copied over."""

    def __init__(self, sandbox, name, attrs):
        self._sandbox, self._name, self._attrs = sandbox, name, attrs

    def __getattr__(self, attr):
        if attr.startswith("__") or attr not in self._attrs:
            raise AttributeError(f"{self._name}.py does not define '{attr}' (check the name, at the top level)")
        kind = self._attrs[attr]
        if kind == "callable":
            return RemoteFunction(self._sandbox, ["module", self._name, attr], f"{self._name}.{attr}")
        try:
            return decode(kind["value"])
        except (codec.ProtocolError, TypeError, KeyError):
            raise SandboxError(f"{self._name}.{attr} is not data the grader can read") from None

    def __repr__(self):
        return f"<student module {self._name}.py (sandboxed)>"


