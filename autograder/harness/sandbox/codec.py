"""The data-only format that crosses the sandbox boundary, and its framing on a pipe.

Messages are JSON; tensors and arrays travel as raw bytes (base64). Nothing is ever unpickled.
Both sides use this module, but only the trusted side's `decode` faces hostile input, so it
checks everything before allocating: the message size (capped before it is read), dtypes (real
torch/numpy dtypes only), shapes (non-negative ints, bounded rank) and that the bytes match the
shape. Any malformed message raises `ProtocolError`.
"""
import base64
import json
import os
import select
import time

import numpy as np
import torch

MAX_MESSAGE_BYTES = 64 << 20  # a reply larger than this is refused unread (the grader's memory is small)
MAX_RANK = 32


class ProtocolError(ValueError):
    """A message that is not valid data (malformed, too large, or claiming memory it does not carry)."""


class Timeout(Exception):
    """No complete message before the deadline."""


# ---------------------------------------------------------------- encoding (any side)

def _tensor_bytes(t):
    t = torch.Tensor.as_subclass(t, torch.Tensor).detach()
    if t.device.type == "meta":
        return None
    t = t.cpu().contiguous().reshape(-1)
    return base64.b64encode(t.view(torch.uint8).numpy().tobytes()).decode() if t.numel() else ""


def encode(obj, other=None):
    """A JSON-able, data-only form of `obj`; `other(obj)` encodes anything else (default: TypeError)."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return {"__float__": repr(obj)}
    if isinstance(obj, torch.Tensor):
        t = torch.Tensor.as_subclass(obj, torch.Tensor)
        return {"__tensor__": {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                               "device": str(t.device), "requires_grad": bool(t.requires_grad),
                               "data": _tensor_bytes(t)}}
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            raise TypeError("numpy arrays of Python objects cannot be graded")
        a = np.ascontiguousarray(obj)
        return {"__ndarray__": {"dtype": a.dtype.str, "shape": list(a.shape),
                                "data": base64.b64encode(a.tobytes()).decode()}}
    if isinstance(obj, np.generic):
        return encode(obj.item())
    if isinstance(obj, (list, tuple)):
        return {"__list__" if isinstance(obj, list) else "__tuple__": [encode(x, other) for x in obj]}
    if isinstance(obj, dict):
        return {"__dict__": [[encode(k, other), encode(v, other)] for k, v in obj.items()]}
    if isinstance(obj, torch.dtype):
        return {"__dtype__": str(obj).replace("torch.", "")}
    if isinstance(obj, torch.device):
        return {"__device__": str(obj)}
    if other is not None:
        return other(obj)
    raise TypeError(f"an object of type {type(obj).__name__} cannot be passed to or from student code")


# ---------------------------------------------------------------- decoding (checked)

def _torch_dtype(name):
    dtype = getattr(torch, name, None) if isinstance(name, str) else None
    if not isinstance(dtype, torch.dtype):
        raise ProtocolError(f"unknown dtype {name!r}")
    return dtype


def _shape(shape):
    if not isinstance(shape, list) or len(shape) > MAX_RANK or \
            not all(type(n) is int and 0 <= n < 1 << 48 for n in shape):
        raise ProtocolError("malformed shape")
    numel = 1
    for n in shape:
        numel *= n
    return tuple(shape), numel


def _raw(data, numel, itemsize):
    if not isinstance(data, str):
        raise ProtocolError("malformed data")
    raw = base64.b64decode(data, validate=True) if data else b""
    if len(raw) != numel * itemsize:
        raise ProtocolError("the data does not match the shape")
    return raw


def _device(name):
    d = torch.device(name)
    return d if d.type in ("cpu", "meta") or (d.type == "cuda" and torch.cuda.is_available()) else torch.device("cpu")


def _decode_tensor(s):
    dtype, (shape, numel) = _torch_dtype(s.get("dtype")), _shape(s.get("shape"))
    device = _device(s.get("device", "cpu")) if isinstance(s.get("device", "cpu"), str) else torch.device("cpu")
    if s.get("data") is None:
        return torch.empty(shape, dtype=dtype, device="meta")
    itemsize = torch.empty((), dtype=dtype).element_size()
    raw = _raw(s["data"], numel, itemsize)
    if not numel:
        return torch.empty(shape, dtype=dtype, device=device)
    t = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(dtype).reshape(shape)
    return t.to(device) if device.type != "cpu" else t


def _decode_ndarray(s):
    try:
        dtype = np.dtype(s.get("dtype"))
    except TypeError:
        raise ProtocolError("unknown dtype") from None
    if dtype.hasobject or dtype.kind == "V":
        raise ProtocolError("object arrays are not data")
    shape, numel = _shape(s.get("shape"))
    return np.frombuffer(_raw(s.get("data"), numel, dtype.itemsize), dtype=dtype).reshape(shape).copy()


def decode(obj, handle=None):
    """The inverse of `encode`; `handle(spec)` turns {"__handle__": ...} into an object.

    Raises ProtocolError on anything that is not a well-formed message.
    """
    try:
        return _decode(obj, handle)
    except ProtocolError:
        raise
    except (KeyError, TypeError, AttributeError, IndexError, ValueError, RecursionError, RuntimeError) as exc:
        raise ProtocolError(f"malformed message ({type(exc).__name__})") from None


def _decode(obj, handle):
    if isinstance(obj, list):
        raise ProtocolError("bare list")
    if not isinstance(obj, dict):
        return obj
    if "__handle__" in obj:
        if handle is None or type(obj["__handle__"]) is not int:
            raise ProtocolError("unexpected object handle")
        return handle(obj)
    if "__float__" in obj:
        return float(str(obj["__float__"])[:64])
    if "__tensor__" in obj:
        return _decode_tensor(obj["__tensor__"])
    if "__ndarray__" in obj:
        return _decode_ndarray(obj["__ndarray__"])
    if "__list__" in obj:
        return [_decode(x, handle) for x in obj["__list__"]]
    if "__tuple__" in obj:
        return tuple(_decode(x, handle) for x in obj["__tuple__"])
    if "__dict__" in obj:
        return {_decode(k, handle): _decode(v, handle) for k, v in obj["__dict__"]}
    if "__dtype__" in obj:
        return _torch_dtype(obj["__dtype__"])
    if "__device__" in obj:
        return _device(str(obj["__device__"]))
    raise ProtocolError("malformed message")


def tensors_in(obj):
    """The tensors in a nest of lists, tuples and dicts, in order."""
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for x in obj for t in tensors_in(x)]
    if isinstance(obj, dict):
        return [t for x in obj.values() for t in tensors_in(x)]
    return []


# ---------------------------------------------------------------- framing

def send(fd, message, deadline=None):
    """Write one message to `fd`; Timeout if the reader stops reading before `deadline`."""
    data = json.dumps(message).encode()
    view = memoryview(len(data).to_bytes(8, "big") + data)
    while view:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([], [fd], [], left)[1]:
                raise Timeout()
        try:
            n = os.write(fd, view[:1 << 16])
        except BlockingIOError:  # the trusted side writes non-blocking, so a full pipe never blocks it
            n = 0
        view = view[n:]


def _recv_exact(fd, n, deadline):
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise Timeout()
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv(fd, deadline=None, max_bytes=MAX_MESSAGE_BYTES):
    """One message from `fd`; Timeout past `deadline`, EOFError at end, ProtocolError if malformed."""
    n = int.from_bytes(_recv_exact(fd, 8, deadline), "big")
    if n > max_bytes:
        raise ProtocolError(f"a message of {n} bytes (at most {max_bytes} accepted)")
    data = _recv_exact(fd, n, deadline)
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:  # e.g. an int of 5000 digits, invalid UTF-8, deep nesting
        raise ProtocolError(f"unreadable message ({type(exc).__name__})") from None
