"""Read a submitted safetensors file in the trusted grader, safely, without the safetensors package.

The format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length N, a JSON
header of N bytes {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
then the tensors' raw bytes. Nothing in it is code and nothing is unpickled; the file is still hostile,
so it is read with result_files.read_bytes (no links, fifos or devices; refused unread above the cap)
and every claim is checked before a tensor is made: header size, JSON, known dtypes only, shapes of
non-negative ints (bounded rank), offsets inside the data, each tensor's bytes = its shape's size, no
overlapping or unused bytes. Every refusal is a ResultFileError (an AssertionError).
"""
import json
import struct

from hw_support.result_files import ResultFileError, read_bytes

MAX_HEADER_BYTES = 1 << 20
MAX_TENSORS = 10_000
MAX_RANK = 8
DTYPES = {"F64": ("float64", 8), "F32": ("float32", 4), "F16": ("float16", 2), "BF16": ("bfloat16", 2),
          "I64": ("int64", 8), "I32": ("int32", 4), "I16": ("int16", 2), "I8": ("int8", 1), "U8": ("uint8", 1),
          "BOOL": ("bool", 1)}


def _refuse(name, reason):
    return ResultFileError(name, reason, "is not a safetensors file written by save_pretrained")


def load_safetensors_file(path, max_mb, name=None):
    """{tensor name: torch.Tensor (a copy, CPU)} of a submitted .safetensors file of at most max_mb MB."""
    import torch

    name = name or path.rsplit("/", 1)[-1]
    data = read_bytes(path, int(max_mb * 2**20), name)
    if len(data) < 8:
        raise _refuse(name, "it is shorter than a safetensors header")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER_BYTES or 8 + n > len(data):
        raise _refuse(name, "its header length is wrong")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _refuse(name, "its header is not JSON") from None
    if not isinstance(header, dict):
        raise _refuse(name, "its header is not a JSON object")
    header.pop("__metadata__", None)
    if len(header) > MAX_TENSORS:
        raise _refuse(name, f"it has more than {MAX_TENSORS} tensors")
    body = memoryview(data)[8 + n:]
    spans, out = [], {}
    for key, spec in header.items():
        ok = isinstance(spec, dict) and spec.get("dtype") in DTYPES and isinstance(spec.get("shape"), list) \
            and isinstance(spec.get("data_offsets"), list) and len(spec["data_offsets"]) == 2 \
            and len(spec["shape"]) <= MAX_RANK \
            and all(type(d) is int and d >= 0 for d in spec["shape"] + spec["data_offsets"])
        if not ok:
            raise _refuse(name, f"the entry {str(key)[:80]!r} of its header is malformed")
        dtype, size = DTYPES[spec["dtype"]]
        begin, end = spec["data_offsets"]
        count = 1
        for d in spec["shape"]:
            count *= d
        if not begin <= end <= len(body) or end - begin != count * size:
            raise _refuse(name, f"the tensor {str(key)[:80]!r} does not match its bytes")
        spans.append((begin, end))
        raw = bytes(body[begin:end])
        t = torch.frombuffer(bytearray(raw), dtype=getattr(torch, dtype)) if raw else torch.empty(0, dtype=getattr(torch, dtype))
        out[key] = t.reshape(spec["shape"])
    spans.sort()
    position = 0
    for begin, end in spans:
        if begin != position:
            raise _refuse(name, "its tensors overlap or leave unused bytes")
        position = end
    if position != len(body):
        raise _refuse(name, "it has bytes after its last tensor")
    return out
