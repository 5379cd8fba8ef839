"""Assertions and seeding shared by the public and the hidden tests.

Failure messages say what was expected and what was got (type, shape, dtype, max-abs error, the
first differing position) and point to the function. `show_values=False` keeps the expected values
out of the message, which hidden tests use.
"""
import random

import numpy as np
import torch


def seed_all(seed):
    """Seed python, numpy and torch; returns a torch.Generator seeded the same way."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def _fmt_index(flat_index, shape):
    return tuple(int(i) for i in np.unravel_index(int(flat_index), tuple(shape))) if len(shape) else ()


def type_name(x):
    """The type of a student's value (a sandboxed student object reports the type it has there)."""
    remote = type(x).__name__ == "RemoteObject"
    return x._type if remote else type(x).__name__


META_NOTE = ("the grader uses PyTorch's 'meta' device to stand in for a GPU: create new tensors on the inputs' "
             "device, e.g. torch.zeros(..., device=x.device) or torch.ones_like(x)")


def call_on_meta(fn, what, *args, **kwargs):
    """`fn(*args, **kwargs)` on meta-device inputs; an error the student's code raises becomes an
    AssertionError that names the call and says what the meta device stands for."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:
        if type(e).__name__ in ("StudentTimeout", "StudentCrash"):  # the sandbox's own verdicts stay as they are
            raise
        lines = [line.strip() for line in str(e).splitlines() if line.strip()]
        kind = "" if type(e).__name__ == "SandboxError" else f" {type(e).__name__}"  # its last line names the error
        raise AssertionError(f"{what} raised{kind}: {lines[-1][:300] if lines else ''} ({META_NOTE})") from e


def assert_tensor(got, fn, shape=None, dtype=None, device=None):
    """`got` is a torch.Tensor of the given shape, dtype and device."""
    assert isinstance(got, torch.Tensor), f"{fn} should return a torch.Tensor, got {type_name(got)}"
    if shape is not None:
        assert tuple(got.shape) == tuple(shape), (
            f"{fn} returned shape {tuple(got.shape)}, expected {tuple(shape)}")
    if dtype is not None:
        assert got.dtype == dtype, f"{fn} returned dtype {got.dtype}, expected {dtype} (the inputs' dtype)"
    if device is not None:
        assert got.device == torch.device(device), (
            f"{fn} returned a tensor on {got.device}, expected {torch.device(device)} (the inputs' device)"
            + (f"; {META_NOTE}" if torch.device(device).type == "meta" else ""))


def _abs_diff(got, expected):
    """|got - expected| in float64 on the CPU; equal infinities and NaN vs NaN count as 0, other NaNs as inf."""
    got = got.detach().to("cpu", torch.float64)
    expected = expected.detach().to("cpu", torch.float64)
    same = (got == expected) | (torch.isnan(got) & torch.isnan(expected))
    diff = torch.where(same, torch.zeros_like(got), (got - expected).abs())
    return torch.nan_to_num(diff, nan=float("inf"))


def max_abs_error(got, expected):
    """(max |got - expected|, first index where it is reached), treating equal infinities as equal."""
    diff = _abs_diff(got, expected)
    if diff.numel() == 0:
        return 0.0, ()
    flat = int(torch.argmax(diff.reshape(-1)))
    return float(diff.reshape(-1)[flat]), _fmt_index(flat, got.shape)


def first_difference(got, expected, atol):
    """(index of the first entry, in row-major order, that is off by more than atol; how many are)."""
    bad = (_abs_diff(got, expected) > atol).reshape(-1)
    n = int(bad.sum())
    return (_fmt_index(int(torch.argmax(bad.to(torch.uint8))), got.shape) if n else None), n


def assert_close(got, expected, fn, atol=1e-5, show_values=True, dtype=True):
    """`got` matches `expected` in type, shape, (dtype) and values within `atol` (max-abs error)."""
    assert_tensor(got, fn, shape=expected.shape, dtype=expected.dtype if dtype else None)
    err, idx = max_abs_error(got, expected)
    if err <= atol:
        return
    first, n_bad = first_difference(got, expected, atol)
    at = f"at index {first} " if first else ""
    if show_values:
        e, g = expected.detach().cpu()[first].item(), got.detach().cpu()[first].item()
        msg = f"{fn}: {at}expected {e:.6g}, got {g:.6g}"
    else:
        msg = f"{fn}: values are off {at}".rstrip()
    msg += (f" (the first of {n_bad} of {expected.numel()} entries off by more than {atol:g}; "
            f"max abs error {err:.4g}" + (f" at index {idx}" if idx != first else "") + ")")
    raise AssertionError(msg)


def assert_unchanged(before, after, what):
    """An input (`after`, the tensor the student function was given) was not modified in place.

    When graded, the function gets a copy, so `after` keeps its values; the sandbox marks it instead.
    """
    changed = getattr(after, "_hw_changed_in_place", False) or not torch.equal(before, after)
    assert not changed, f"{what} was modified in place; work on a new tensor instead"
