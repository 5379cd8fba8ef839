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
    raise NotImplementedError('select_first: find a query whose dot product with k_0 is much larger than with the other keys')


def select_all(K, V):
    """Queries Q of shape (4, 3), one per row, such that row i of the output is v_i (output = V)."""
    raise NotImplementedError('select_all: row i of Q should attend (almost) only to key i')


def average_all(K, V):
    """A query q of shape (3,) whose output is the mean of v_0, v_1, v_2, v_3."""
    raise NotImplementedError('average_all: the output is the plain mean when all four attention weights are equal')


def average_first_two(K, V):
    """A query q of shape (3,) whose output is (v_0 + v_1) / 2.

    The two key exercises below reuse this q unchanged, so pick one they can work with.
    """
    raise NotImplementedError('average_first_two: give k_0 and k_1 (nearly) equal, large scores and k_2, k_3 much smaller ones')


def new_k2_average_first_three(K, V, q):
    """A new key k2 of shape (3,) for row 2 of K such that, with your `average_first_two` query q
    (passed in as a float tensor of shape (3,), unchanged), the output is (v_0 + v_1 + v_2) / 3.
    """
    raise NotImplementedError('new_k2_average_first_three: give k2 the same score under q as k_0 and k_1 have')


def new_k2_select_third(K, V, q):
    """A new key k2 of shape (3,) with norm 1 (within 0.001) such that, with your `average_first_two`
    query q (passed in as a float tensor of shape (3,), unchanged), the output is v_2.
    """
    raise NotImplementedError('new_k2_select_third: among unit-norm keys find the one with the largest score q . k2')


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
    raise NotImplementedError('copy_query: give k_j a large score and every other key the score 0')


def average_query(K, i, j):
    """A query q of shape (d,) whose attention output is (within 0.05 of) (v_i + v_j) / 2, for every
    value matrix V with entries in [-1, 1]; i != j.

    K: (n, d) pairwise orthogonal, nonzero keys of any norms, as in `copy_query`.
    """
    raise NotImplementedError('average_query: give k_i and k_j the same large score and every other key the score 0')


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
    raise NotImplementedError('single_vs_two_heads: sample keys as described, then average the per-sample errors of both designs')
