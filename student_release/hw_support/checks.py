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


def assert_tensor(got, fn, shape=None, dtype=None, device=None):
    """`got` is a torch.Tensor of the given shape, dtype and device."""
    assert isinstance(got, torch.Tensor), f"{fn} should return a torch.Tensor, got {type(got).__name__}"
    if shape is not None:
        assert tuple(got.shape) == tuple(shape), (
            f"{fn} returned shape {tuple(got.shape)}, expected {tuple(shape)}")
    if dtype is not None:
        assert got.dtype == dtype, f"{fn} returned dtype {got.dtype}, expected {dtype} (the inputs' dtype)"
    if device is not None:
        assert got.device == torch.device(device), (
            f"{fn} returned a tensor on {got.device}, expected {torch.device(device)} (the inputs' device)")


def max_abs_error(got, expected):
    """(max |got - expected|, first index where it is reached), treating equal infinities as equal."""
    got = got.detach().to("cpu", torch.float64)
    expected = expected.detach().to("cpu", torch.float64)
    same = (got == expected) | (torch.isnan(got) & torch.isnan(expected))
    diff = torch.where(same, torch.zeros_like(got), (got - expected).abs())
    diff = torch.nan_to_num(diff, nan=float("inf"))
    if diff.numel() == 0:
        return 0.0, ()
    flat = int(torch.argmax(diff.reshape(-1)))
    return float(diff.reshape(-1)[flat]), _fmt_index(flat, got.shape)


def assert_close(got, expected, fn, atol=1e-5, show_values=True, dtype=True):
    """`got` matches `expected` in type, shape, (dtype) and values within `atol` (max-abs error)."""
    assert_tensor(got, fn, shape=expected.shape, dtype=expected.dtype if dtype else None)
    err, idx = max_abs_error(got, expected)
    if err <= atol:
        return
    where = f" at index {idx}" if idx else ""
    msg = f"{fn}: values are off: max abs error {err:.4g}{where} (tolerance {atol:g})"
    if show_values:
        msg += f"; expected {expected.detach().cpu()[idx].item():.6g}, got {got.detach().cpu()[idx].item():.6g}"
    raise AssertionError(msg)


def assert_unchanged(before, after, what):
    """An input was not modified in place."""
    assert torch.equal(before, after), f"{what} was modified in place; work on a new tensor instead"
