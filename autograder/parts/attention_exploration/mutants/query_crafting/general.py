"""Mutants and correct alternatives of Part 1's general attention math in `query_crafting.py`
(copy_query, average_query, single_vs_two_heads): a catalog of its own beside ../query_crafting.py
(hwbuild/catalogs.py reads mutants/query_crafting.py and mutants/query_crafting/*.py). Format:
hwbuild/mutants.py.
"""
from hwbuild.mutants import alternative, mutant

Q7 = "q1_7_copy_query"
Q8 = "q1_8_average_query"
Q9 = "q1_9_single_vs_two_heads"


# ---- the general attention math (copy_query, average_query, single_vs_two_heads) ------------------
# Graded on random orthogonal keys (hw_support/attention_math.py), not on the term's K and V, so
# ../../generate_data.py does not read this file. The experiment is measured with the variant's own queries.
_COPY = "return 20.0 * k / (k @ k)"
_AVG = "return 20.0 * (K[i] / (K[i] @ K[i]) + K[j] / (K[j] @ K[j]))"
_SINGLE = "single = torch.softmax(keys @ q, dim=-1) @ V"
_STRETCH = "keys[:, a] += stretch ** 0.5 * torch.randn(n_samples, 1, dtype=mu.dtype) * mu[a]"

MUTANTS = [
    mutant("copy_query", "forgets to scale: k_j / |k_j|^2 scores 1, the other 15 keys keep most weight", [Q7],
           _COPY, "return k / (k @ k)"),
    mutant("copy_query", "copies the wrong key: counts from 1 (k_{j-1})", [Q7], "k = K[j]", "k = K[j - 1]"),
    mutant("copy_query", "column j of K instead of row j: shape (n,)", [Q7], "k = K[j]", "k = K[:, j]"),
    mutant("copy_query", "one-hot query 20 e_j (a position, not a key)", [Q7], _COPY,
           "return 20.0 * torch.eye(K.shape[1], dtype=K.dtype)[j]"),
    mutant("copy_query", "scaled dot-product habit: k_j / sqrt(d)", [Q7], _COPY, "return k / K.shape[1] ** 0.5"),
    mutant("copy_query", "normalises the wrong vector: 20 k_j / |K| (the whole matrix)", [Q7], _COPY,
           "return 20.0 * k / K.norm()"),
    mutant("copy_query", "sum of all keys, normalised", [Q7], _COPY, "return 20.0 * K.sum(0) / K.sum(0).norm()"),
    mutant("average_query", "forgets to scale: scores 1 on k_i and k_j", [Q8], _AVG,
           "return K[i] / (K[i] @ K[i]) + K[j] / (K[j] @ K[j])"),
    mutant("average_query", "normalises to unit length (k / |k|): unequal norms give unequal scores", [Q8], _AVG,
           "return 20.0 * (K[i] / K[i].norm() + K[j] / K[j].norm())"),
    mutant("average_query", "20 (k_i + k_j): right for unit keys only", [Q8], _AVG, "return 20.0 * (K[i] + K[j])"),
    mutant("average_query", "difference k_i - k_j instead of the sum", [Q8], _AVG,
           "return 20.0 * (K[i] / (K[i] @ K[i]) - K[j] / (K[j] @ K[j]))"),
    mutant("average_query", "copies only v_i", [Q8], _AVG, "return 20.0 * K[i] / (K[i] @ K[i])"),
    mutant("average_query", "mean of the two keys, unscaled", [Q8], _AVG, "return (K[i] + K[j]) / 2"),
    mutant("average_query", "one-hot positions 20 (e_i + e_j)", [Q8], _AVG,
           "return 20.0 * (torch.eye(K.shape[1], dtype=K.dtype)[i] + torch.eye(K.shape[1], dtype=K.dtype)[j])"),
    mutant("single_vs_two_heads", "stretch as a standard deviation: stretch z instead of sqrt(stretch) z", [Q9],
           _STRETCH, _STRETCH.replace("stretch ** 0.5", "stretch")),
    mutant("single_vs_two_heads", "one stretch z for all samples", [Q9], _STRETCH,
           _STRETCH.replace("randn(n_samples, 1,", "randn(1, 1,")),
    mutant("single_vs_two_heads", "stretches key 0 instead of key a", [Q9], _STRETCH,
           _STRETCH.replace("keys[:, a]", "keys[:, 0]").replace("mu[a]", "mu[0]")),
    mutant("single_vs_two_heads", "stretches along a random direction instead of mu_a", [Q9], _STRETCH,
           _STRETCH.replace("* mu[a]", "* torch.nn.functional.normalize(torch.randn(d, dtype=mu.dtype), dim=0)")),
    mutant("single_vs_two_heads", "noise with std alpha instead of variance alpha", [Q9],
           "keys = mu + alpha ** 0.5 *", "keys = mu + alpha *"),
    mutant("single_vs_two_heads", "sums the two heads' outputs instead of averaging them", [Q9],
           "@ V).mean(1)", "@ V).sum(1)"),
    mutant("single_vs_two_heads", "error against v_a instead of (v_a + v_b) / 2", [Q9],
           "target = (V[a] + V[b]) / 2", "target = V[a]"),
    mutant("single_vs_two_heads", "softmax over the samples (dim=0) in the single head", [Q9],
           _SINGLE, _SINGLE.replace("dim=-1", "dim=0")),
    mutant("single_vs_two_heads", "reports the worst sample instead of the mean", [Q9],
           'return {"single": (single - target).abs().amax(-1).mean().item(),',
           'return {"single": (single - target).abs().amax(-1).max().item(),'),
]

ALTERNATIVES = [
    alternative("copy_query", "least squares: K q = 30 e_j (any linearly independent keys)", '''
def copy_query(K, j):
    scores = torch.zeros(K.shape[0], dtype=K.dtype)
    scores[j] = 30.0
    return torch.linalg.pinv(K) @ scores
'''),
    alternative("copy_query", "numpy list, 50 k_j / |k_j|^2", '''
def copy_query(K, j):
    import numpy as np
    k = K[j].numpy().astype(np.float64)
    return list(50.0 * k / (k @ k))
'''),
    alternative("average_query", "least squares: K q = 30 (e_i + e_j)", '''
def average_query(K, i, j):
    scores = torch.zeros(K.shape[0], dtype=K.dtype)
    scores[[i, j]] = 30.0
    return torch.linalg.pinv(K) @ scores
'''),
    alternative("average_query", "the sum of two copy queries", '''
def average_query(K, i, j):
    return torch.as_tensor(copy_query(K, i)) + torch.as_tensor(copy_query(K, j))
'''),
    alternative("single_vs_two_heads", "MultivariateNormal per key, a loop over heads, float64", '''
def single_vs_two_heads(mu, V, a, b, stretch, n_samples=2000, alpha=1e-6):
    mu, V = mu.double(), V.double()
    n, d = mu.shape
    keys = []
    for i in range(n):
        cov = alpha * torch.eye(d, dtype=mu.dtype) + (stretch if i == a else 0.0) * torch.outer(mu[i], mu[i])
        keys.append(torch.distributions.MultivariateNormal(mu[i], covariance_matrix=cov).sample((n_samples,)))
    keys = torch.stack(keys, dim=1)  # (S, n, d)
    target = (V[a] + V[b]) / 2

    def out(q):
        return torch.softmax(keys @ torch.as_tensor(q, dtype=mu.dtype), dim=-1) @ V

    single = out(average_query(mu.float(), a, b))
    two = (out(copy_query(mu.float(), a)) + out(copy_query(mu.float(), b))) / 2
    err = lambda o: float((o - target).abs().max(dim=-1).values.mean())
    return {"single": err(single), "two": err(two)}
'''),
    alternative("single_vs_two_heads", "numpy, one sample at a time", '''
def single_vs_two_heads(mu, V, a, b, stretch, n_samples=2000, alpha=1e-6):
    import numpy as np
    M, Vn = mu.numpy().astype(np.float64), V.numpy().astype(np.float64)
    n, d = M.shape
    qs = [np.asarray(torch.as_tensor(f).double()) for f in (average_query(mu, a, b), copy_query(mu, a), copy_query(mu, b))]
    target = (Vn[a] + Vn[b]) / 2
    rng = np.random.default_rng(int(torch.randint(0, 2 ** 31, ())))

    def attend(q, keys):
        s = keys @ q
        w = np.exp(s - s.max())
        return (w / w.sum()) @ Vn

    single, two = [], []
    for _ in range(n_samples):
        keys = M + np.sqrt(alpha) * rng.standard_normal((n, d))
        keys[a] += np.sqrt(stretch) * rng.standard_normal() * M[a]
        single.append(np.abs(attend(qs[0], keys) - target).max())
        two.append(np.abs((attend(qs[1], keys) + attend(qs[2], keys)) / 2 - target).max())
    return {"single": float(np.mean(single)), "two": float(np.mean(two))}
'''),
]
