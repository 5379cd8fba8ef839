"""Part 1: attention exploration.

One attention head with n = 4 fixed keys and values of dimension d = 3 (row i of K is the key k_i,
row i of V the value v_i; rows are numbered from 0). Attention here is *unscaled*:

    attention(q, K, V) = softmax(q K^T) V        (no division by sqrt(d))

Each exercise asks for a query (or a new key) that makes the output of this head hit a target.
An answer counts as correct when the largest absolute difference between the attention output and
the target, over all elements, is at most 0.05 (`TOLERANCE`). Return a torch tensor, a numpy array
or a list of numbers of the shape asked for. Explain why each answer works in written_answers.md.
Run `check_answer("select_first")` (or `check_answer()` for all) and `python check.py query_crafting`.

The last three functions (`copy_query`, `average_query`, `single_vs_two_heads`) are general: they
build queries for ANY keys that are pairwise orthogonal (n keys of dimension d, e.g. n = 16, d = 64),
and the tests grade them on random instances. Same unscaled attention, same 0.05 tolerance.
"""
import torch

TOLERANCE = 0.05


def setup_k_and_v():
    """Given. Fresh float32 tensors K and V, each of shape (4, 3): K[i] is k_i, V[i] is v_i.

    This term's K and V are in hw_support/part_data.json (the notebook prints them); the grader
    passes the same ones to your functions.
    """
    from hw_support import part_data
    data = part_data.of("attention_exploration")
    return torch.tensor(data["K"]), torch.tensor(data["V"])


def attention(q, K, V):
    """Given. Unscaled dot-product attention: softmax(q K^T) V.

    q: one query (d,) -> output (d,), or one query per row (m, d) -> outputs (m, d).
    """
    q = torch.as_tensor(q, dtype=K.dtype)
    return torch.softmax(q @ K.T, dim=-1) @ V


def select_first(K, V):
    """A query q of shape (3,) whose attention output is (within 0.05 of) v_0."""
    # BEGIN SOLUTION find a query whose dot product with k_0 is much larger than with the other keys
    # the keys have length ~1, so k_0 . k_0 ~ 1 beats every k_0 . k_j by a clear margin; times 20
    # the other weights are tiny
    return 20.0 * K[0]
    # END SOLUTION


def select_all(K, V):
    """Queries Q of shape (4, 3), one per row, such that row i of the output is v_i (output = V)."""
    # BEGIN SOLUTION row i of Q should attend (almost) only to key i
    # every key is closest to itself (k_i . k_i ~ 1 beats every k_i . k_j), so scale all keys up
    return 20.0 * K
    # END SOLUTION


def average_all(K, V):
    """A query q of shape (3,) whose output is the mean of v_0, v_1, v_2, v_3."""
    # BEGIN SOLUTION the output is the plain mean when all four attention weights are equal
    # equal weights need equal dot products q . k_i: the zero query gives every key the score 0
    return torch.zeros(K.shape[1], dtype=K.dtype)
    # END SOLUTION


def average_first_two(K, V):
    """A query q of shape (3,) whose output is (v_0 + v_1) / 2.

    The two key exercises below reuse this q unchanged, so pick one they can work with.
    """
    # BEGIN SOLUTION give k_0 and k_1 (nearly) equal, large scores and k_2, k_3 much smaller ones
    # (k_0 + k_1) scores 1 + k_0 . k_1 on k_0 and on k_1 (|k_0| ~ |k_1| ~ 1) and less on k_2, k_3;
    # scale 20 leaves k_2, k_3 tiny weights and costs a little for |k_0| != |k_1|
    return 20.0 * (K[0] + K[1])
    # END SOLUTION


def new_k2_average_first_three(K, V, q):
    """A new key k2 of shape (3,) for row 2 of K such that, with your `average_first_two` query q
    (passed in as a float tensor of shape (3,), unchanged), the output is (v_0 + v_1 + v_2) / 3.
    """
    # BEGIN SOLUTION give k2 the same score under q as k_0 and k_1 have
    # q scores k_0 and k_1 (almost) equally, so a copy of k_0 joins them with the same weight
    return K[0].clone()
    # END SOLUTION


def new_k2_select_third(K, V, q):
    """A new key k2 of shape (3,) with norm 1 (within 0.001) such that, with your `average_first_two`
    query q (passed in as a float tensor of shape (3,), unchanged), the output is v_2.
    """
    # BEGIN SOLUTION among unit-norm keys find the one with the largest score q . k2
    # q / |q| scores |q| = 20 |k_0 + k_1|, which beats q . k_0 ~ q . k_1 = 20 (1 + k_0 . k_1) by several units
    return q / q.norm()
    # END SOLUTION


EXERCISES = ("select_first", "select_all", "average_all", "average_first_two",
             "new_k2_average_first_three", "new_k2_select_third")


def _as_float64(x):
    """An answer (tensor, array, number or nested list of them) as a float64 tensor."""
    if isinstance(x, torch.Tensor):
        return x.detach().to("cpu", torch.float64)
    if isinstance(x, (list, tuple)) and any(isinstance(e, (torch.Tensor, list, tuple)) for e in x):
        return torch.stack([_as_float64(e) for e in x])
    return torch.as_tensor(x, dtype=torch.float64)


def check_answer(name=None):
    """Given. Print how far your answer to exercise `name` (e.g. "select_first") is from its target.

    The error is the max absolute element-wise difference between the attention output and the
    target; within 0.05 counts as correct. Without `name`, checks every exercise. Returns the error
    (a dict of errors without `name`; None for an exercise that raises or has the wrong shape).
    """
    if name is None:
        return {n: check_answer(n) for n in EXERCISES}
    if name not in EXERCISES:
        raise ValueError(f"unknown exercise {name!r}; choose one of {', '.join(EXERCISES)}")
    K32, V32 = setup_k_and_v()
    K64, V64 = K32.double(), V32.double()
    targets = {"select_first": V64[0], "select_all": V64, "average_all": V64.mean(0),
               "average_first_two": (V64[0] + V64[1]) / 2,
               "new_k2_average_first_three": V64[:3].mean(0), "new_k2_select_third": V64[2]}
    shape = (4, 3) if name == "select_all" else (3,)
    fn = globals()[name]
    keys, extra = K64, ""
    try:
        if name.startswith("new_k2"):
            try:
                q = _as_float64(average_first_two(K32.clone(), V32.clone()))
            except NotImplementedError:
                print(f"{name}: k2 is checked with your own average_first_two query; implement that first")
                return None
            if tuple(q.shape) != (3,):
                print(f"{name}: your average_first_two query has shape {tuple(q.shape)}, expected (3,)")
                return None
            answer = _as_float64(fn(K32.clone(), V32.clone(), q.float()))
        else:
            q = answer = _as_float64(fn(K32.clone(), V32.clone()))
    except NotImplementedError:
        print(f"{name}: not implemented yet")
        return None
    if tuple(answer.shape) != shape:
        print(f"{name}: expected shape {shape}, got {tuple(answer.shape)}")
        return None
    if name.startswith("new_k2"):
        keys = K64.clone()
        keys[2] = answer
        norm = float(answer.norm())
        if name == "new_k2_select_third":
            extra = f"; |k2| = {norm:.4f} ({'ok' if abs(norm - 1) <= 1e-3 else 'must be 1 within 0.001'})"
    out = attention(q, keys, V64)
    error = (out - targets[name]).abs().max().item()
    if error != error:  # NaN: the scores overflowed
        error = float("inf")
    verdict = "within" if error <= TOLERANCE else "NOT within"
    print(f"{name}: max abs error {error:.4f}, {verdict} {TOLERANCE}{extra}")
    return error


# ---------------------------------------------------------------------------------------------
# General attention math: queries for any orthogonal keys (graded on random instances)


def copy_query(K, j):
    """A query q of shape (d,) whose attention output softmax(q K^T) V is (within 0.05 of) v_j, for
    every value matrix V with entries in [-1, 1].

    K: (n, d) keys, pairwise orthogonal (k_i . k_l = 0 for i != l) and nonzero, of any norms (the
    tests use n = 16, d = 64, unit norms and norms from 0.5 to 2); j: the index of the value to copy.
    Build q from K alone: the same q must work for every V.
    """
    # BEGIN SOLUTION give k_j a large score and every other key the score 0
    # k_j / |k_j|^2 scores exactly 1 on k_j and 0 on the other (orthogonal) keys; times 20 the other
    # n - 1 keys share a weight of about (n - 1) e^-20
    k = K[j]
    return 20.0 * k / (k @ k)
    # END SOLUTION


def average_query(K, i, j):
    """A query q of shape (d,) whose attention output is (within 0.05 of) (v_i + v_j) / 2, for every
    value matrix V with entries in [-1, 1]; i != j.

    K: (n, d) pairwise orthogonal, nonzero keys of any norms, as in `copy_query`.
    """
    # BEGIN SOLUTION give k_i and k_j the same large score and every other key the score 0
    # k / |k|^2 scores 1 on its own key, 0 on the others; the sum scores 1 on both k_i and k_j
    return 20.0 * (K[i] / (K[i] @ K[i]) + K[j] / (K[j] @ K[j]))
    # END SOLUTION


def single_vs_two_heads(mu, V, a, b, stretch, n_samples=2000, alpha=1e-6):
    """The single-head vs two-head experiment: how far each design's output is from (v_a + v_b) / 2
    when the keys are random.

    mu: (n, d) orthonormal key means; V: (n, d) values; a != b: the two values to average.
    Draw n_samples sets of n keys: k_i = mu_i + noise with covariance alpha * I for every i, and key a
    also stretched along its own mean: k_a = mu_a + noise + sqrt(stretch) * z * mu_a with z ~ N(0, 1)
    (covariance alpha * I + stretch * mu_a mu_a^T), every sample drawn independently.
    Single head: output softmax(q K^T) V with your q = average_query(mu, a, b).
    Two heads: the mean of the outputs of q1 = copy_query(mu, a) and q2 = copy_query(mu, b), each
    softmax(q_h K^T) V over the same keys.
    The error of one sample is the max abs element-wise difference between the output and
    (v_a + v_b) / 2. Returns {"single": mean error, "two": mean error} over the samples (Python floats).
    Draw with torch's random numbers (e.g. torch.randn). The tests compare your two numbers with the
    grader's own measurement (20000 samples of its own, made with your own queries) within a
    statistical tolerance of about 0.01 to 0.06, which a correct function misses once in a million.
    """
    # BEGIN SOLUTION sample keys as described, then average the per-sample errors of both designs
    n, d = mu.shape
    keys = mu + alpha ** 0.5 * torch.randn(n_samples, n, d, dtype=mu.dtype)
    keys[:, a] += stretch ** 0.5 * torch.randn(n_samples, 1, dtype=mu.dtype) * mu[a]
    target = (V[a] + V[b]) / 2
    q = torch.as_tensor(average_query(mu, a, b), dtype=mu.dtype)
    heads = torch.stack([torch.as_tensor(copy_query(mu, h), dtype=mu.dtype) for h in (a, b)])  # (2, d)
    single = torch.softmax(keys @ q, dim=-1) @ V  # (S, n) @ (n, d) -> (S, d)
    two = (torch.softmax(torch.einsum("snd,hd->shn", keys, heads), dim=-1) @ V).mean(1)  # (S, 2, d) -> (S, d)
    return {"single": (single - target).abs().amax(-1).mean().item(),
            "two": (two - target).abs().amax(-1).mean().item()}
    # END SOLUTION
