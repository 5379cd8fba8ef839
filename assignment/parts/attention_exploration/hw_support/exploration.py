"""Part 1 grading helpers: the grader's own copies of K and V, its own attention, answer checks.

Public and hidden Part 1 tests check every answer with these, never with the student's code.
"""
import numpy as np
import torch

from hw_support import part_data

# The term's keys and values (row i: k_i, v_i), in float64: UW's or drawn (assignment.yml's `matrices`).
_DATA = part_data.of("attention_exploration")
K = torch.tensor(_DATA["K"], dtype=torch.float64)
V = torch.tensor(_DATA["V"], dtype=torch.float64)
TOLERANCE = 0.05


def fresh_inputs():
    """New float32 copies of K and V for one call of a student function."""
    return K.float(), V.float()


def attend(q, keys=K):
    """softmax(q keys^T) V in float64, for one query (3,) or one query per row (m, 3)."""
    return torch.softmax(q @ keys.T, dim=-1) @ V


def _tensor(x):
    """A tensor, array, number or (nested) list of them as a float64 CPU tensor."""
    if isinstance(x, (list, tuple)) and any(isinstance(e, (torch.Tensor, np.ndarray, list, tuple)) for e in x):
        return torch.stack([_tensor(e) for e in x])
    t = x.detach().cpu() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if t.is_complex():
        raise ValueError("complex numbers; the answer must be real")
    return t.to(torch.float64)


def answer(got, fn, shape):
    """The student's answer as a float64 tensor of `shape`, or an AssertionError saying what is wrong."""
    assert got is not None, f"{fn} returned None: did you forget to return the answer?"
    try:
        t = _tensor(got)
    except Exception as e:
        raise AssertionError(f"{fn} returned a {type(got).__name__} that is not a tensor of real numbers "
                             f"({type(e).__name__}: {e})") from None
    if tuple(t.shape) != shape:
        hint = f"; reshape it to {shape}" if t.numel() == int(np.prod(shape)) else ""
        raise AssertionError(f"{fn} returned shape {tuple(t.shape)}, expected {shape}{hint}")
    assert torch.isfinite(t).all(), f"{fn} returned NaN or infinite values; every entry must be a finite number"
    return t


def assert_within(out, target, fn, what, show_values=True):
    """The attention output is within TOLERANCE of the target (max abs element-wise difference)."""
    assert torch.isfinite(out).all(), (f"{fn}: the attention output is NaN or infinite: the scores "
                                       "q . k_i overflow, so use a smaller scale")
    err = (out - target).abs().max().item()
    if err > TOLERANCE:
        msg = f"{fn}: max abs error {err:.4g} between the attention output and {what} (tolerance {TOLERANCE})"
        if show_values:
            msg += f"; output {np.round(out.tolist(), 4).tolist()}, target {np.round(target.tolist(), 4).tolist()}"
        raise AssertionError(msg)


def student_query(query_crafting):
    """The student's own average_first_two query: the key exercises are graded with it, unchanged."""
    return answer(query_crafting.average_first_two(*fresh_inputs()), "average_first_two (your query q)", (3,))


def with_new_k2(k2):
    """K with row 2 replaced by k2."""
    keys = K.clone()
    keys[2] = k2
    return keys
