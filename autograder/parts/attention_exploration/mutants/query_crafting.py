"""Mutants (realistic student mistakes) and correct alternatives of Part 1, `query_crafting.py`.

Read by `python build.py verify` (hwbuild/verify.py) and by tests/test_part1.py; never released.
Each mutant must lose points in every question of its `caught_by`; each alternative must keep full
marks. Format: hwbuild/mutants.py. Errors quoted below are the max-abs error of the attention
output against the target (tolerance 0.05), measured with the solution's other answers: the key
exercises (q1_5, q1_6) use the solution's query 20 (k_0 + k_1) unless the variant replaces it.
The errors are those of UW's K and V (the committed term, `matrices: uw`); a drawn term is redrawn until
every variant here keeps its verdict (../generate_data.py runs each one), so write variants as code=
that reads K and V, not numbers fitted to one term.
"""
from hwbuild.mutants import Alternative, Mutant, alternative, mutant

Q1 = "q1_1_select_first"
Q2 = "q1_2_select_all"
Q3 = "q1_3_average_all"
Q4 = "q1_4_average_first_two"
Q5 = "q1_5_new_k2_average_first_three"
Q6 = "q1_6_new_k2_select_third"
Q7 = "q1_7_copy_query"
Q8 = "q1_8_average_query"
Q9 = "q1_9_single_vs_two_heads"

# A correct average_first_two query with a different direction from the solution's: balanced on
# k_0 and k_1 (the cross product is orthogonal to both), with the sign of k_0 x k_1 that lowers the
# scores of k_2 and k_3 (UW's K: |q| ~ 50, error 0.0035; a drawn K keeps this query correct,
# autograder/parts/attention_exploration/generate_data.py). Keys tuned by hand for the solution's
# query fail with it, so the key exercises must be graded with the student's q.
OTHER_QUERY = '''
def average_first_two(K, V):
    c = torch.linalg.cross(K[0], K[1])
    return 6.0 * (K[0] + K[1]) + 50.0 * (c if c @ (K[2] + K[3]) < 0 else -c)
'''


def _m(function, name, caught_by, code):
    return Mutant(function=function, name=name, caught_by=caught_by, code=code)


def _a(function, name, code):
    return Alternative(function=function, name=name, code=code)


MUTANTS = [
    # ---- select_first (target v_0) -----------------------------------------------------------
    _m("select_first", "q = k_0 with no scaling (error 0.26)", [Q1], '''
def select_first(K, V):
    return K[0]
'''),
    _m("select_first", "q = sqrt(d) k_0: undoes a 1/sqrt(d) scaling that this attention does not have (0.18)",
       [Q1], '''
def select_first(K, V):
    return K.shape[1] ** 0.5 * K[0]
'''),
    _m("select_first", "selects row 1 (counts rows from 1)", [Q1], '''
def select_first(K, V):
    return 20.0 * K[1]
'''),
    _m("select_first", "uses the value v_0 as the query", [Q1], '''
def select_first(K, V):
    return 20.0 * V[0]
'''),
    _m("select_first", "one-hot query (20, 0, 0) for position 0 (0.52)", [Q1], '''
def select_first(K, V):
    return torch.tensor([20.0, 0.0, 0.0])
'''),
    _m("select_first", "shape (1, 3) instead of (3,)", [Q1], '''
def select_first(K, V):
    return 20.0 * K[0:1]
'''),
    _m("select_first", "infinite scale: the scores become inf and the softmax NaN", [Q1], '''
def select_first(K, V):
    return float("inf") * K[0]
'''),
    _m("select_first", "forgets to return the query", [Q1], '''
def select_first(K, V):
    q = 20.0 * K[0]
'''),

    # ---- select_all (target V) ---------------------------------------------------------------
    _m("select_all", "Q = K with no scaling (0.52)", [Q2], '''
def select_all(K, V):
    return K.clone()
'''),
    _m("select_all", "transposed: 20 K^T has shape (3, 4)", [Q2], '''
def select_all(K, V):
    return 20.0 * K.T
'''),
    _m("select_all", "one-hot rows of the identity (0.79)", [Q2], '''
def select_all(K, V):
    return 20.0 * torch.eye(4, 3)
'''),
    _m("select_all", "uses the values as queries", [Q2], '''
def select_all(K, V):
    return 20.0 * V
'''),
    _m("select_all", "rows in reverse order", [Q2], '''
def select_all(K, V):
    return 20.0 * K.flip(0)
'''),
    _m("select_all", "one query for every row: shape (3,)", [Q2], '''
def select_all(K, V):
    return 20.0 * K[0]
'''),
    _m("select_all", "least squares for K Q^T = I with scores of 1 (too small)", [Q2], '''
def select_all(K, V):
    return torch.linalg.lstsq(K, torch.eye(4, dtype=K.dtype)).solution.T
'''),

    # ---- average_all (target mean of v_0..v_3) -----------------------------------------------
    _m("average_all", "all-ones query (0.18)", [Q3], '''
def average_all(K, V):
    return torch.ones(3)
'''),
    _m("average_all", "sum of the keys (0.087)", [Q3], '''
def average_all(K, V):
    return K.sum(0)
'''),
    _m("average_all", "returns the target output (mean of the values) instead of a query (0.20)", [Q3], '''
def average_all(K, V):
    return V.mean(0)
'''),
    _m("average_all", "the number 0 instead of a query vector: shape ()", [Q3], '''
def average_all(K, V):
    return 0.0
'''),
    _m("average_all", "one zero query per key: shape (4, 3)", [Q3], '''
def average_all(K, V):
    return torch.zeros(4, 3)
'''),
    _m("average_all", "a large multiple of the mean key", [Q3], '''
def average_all(K, V):
    return 20.0 * K.mean(0)
'''),

    # ---- average_first_two (target (v_0 + v_1) / 2) ------------------------------------------
    _m("average_first_two", "q = k_0 + k_1 with no scaling (0.093)", [Q4], '''
def average_first_two(K, V):
    return K[0] + K[1]
'''),
    _m("average_first_two", "scale 200: |k_1| > |k_0| tips the balance (0.11; k2 = k_0 then 0.13)", [Q4, Q5], '''
def average_first_two(K, V):
    return 200.0 * (K[0] + K[1])
'''),
    _m("average_first_two", "uses the values as the query", [Q4], '''
def average_first_two(K, V):
    return 20.0 * (V[0] + V[1])
'''),
    _m("average_first_two", "difference k_0 - k_1 instead of the sum (0.27)", [Q4], '''
def average_first_two(K, V):
    return 20.0 * (K[0] - K[1])
'''),
    _m("average_first_two", "rows 1 and 2 (counts rows from 1) (0.084)", [Q4], '''
def average_first_two(K, V):
    return 20.0 * (K[1] + K[2])
'''),
    _m("average_first_two", "least squares for scores (L, L, -L, -L): does not balance k_0 and k_1 (0.26)", [Q4], '''
def average_first_two(K, V):
    target = torch.tensor([[15.0], [15.0], [-15.0], [-15.0]], dtype=K.dtype)
    return torch.linalg.lstsq(K, target).solution.squeeze(1)
'''),
    _m("average_first_two", "shape (1, 3): also breaks both key exercises, which use this query", [Q4, Q5, Q6], '''
def average_first_two(K, V):
    return 20.0 * (K[0:1] + K[1:2])
'''),
    _m("average_first_two", "balanced but small (scale 5): no unit-norm k2 can then select v_2 (0.12)", [Q6], '''
def average_first_two(K, V):
    return 5.0 * (K[0] + K[1])
'''),

    # ---- new_k2_average_first_three (target (v_0 + v_1 + v_2) / 3, with the student's q) -----
    _m("new_k2_average_first_three", "keeps the old k_2 (0.15)", [Q5], '''
def new_k2_average_first_three(K, V, q):
    return K[2].clone()
'''),
    _m("new_k2_average_first_three", "k2 = q: its score |q|^2 swamps the others (0.27)", [Q5], '''
def new_k2_average_first_three(K, V, q):
    return q.clone()
'''),
    _m("new_k2_average_first_three", "k2 = 3 k_0: three times the score (0.27)", [Q5], '''
def new_k2_average_first_three(K, V, q):
    return 3.0 * K[0]
'''),
    _m("new_k2_average_first_three", "k2 = 0, a score of 0 instead of an equal one (0.15)", [Q5], '''
def new_k2_average_first_three(K, V, q):
    return torch.zeros(3)
'''),
    _m("new_k2_average_first_three", "k2 = -k_0 (sign error)", [Q5], '''
def new_k2_average_first_three(K, V, q):
    return -K[0]
'''),
    _m("new_k2_average_first_three", "k2 = k_0 + k_1: twice the score (0.27)", [Q5], '''
def new_k2_average_first_three(K, V, q):
    return K[0] + K[1]
'''),
    _m("new_k2_average_first_three", "unit-norm q / |q| copied from the next exercise: selects v_2", [Q5], '''
def new_k2_average_first_three(K, V, q):
    return q / q.norm()
'''),
    _m("new_k2_average_first_three", "shape (1, 3) instead of (3,)", [Q5], '''
def new_k2_average_first_three(K, V, q):
    return K[0:1].clone()
'''),
    _m("new_k2_average_first_three", "k2 = k_0 + 0.5 k_0 x k_1: right for the solution's query (orthogonal to "
       "k_0 x k_1), wrong for the student's own", [Q5], OTHER_QUERY + '''

def new_k2_average_first_three(K, V, q):
    c = torch.linalg.cross(K[0], K[1])
    return K[0] + 0.5 * (c if c @ (K[2] + K[3]) < 0 else -c)
'''),

    # ---- new_k2_select_third (target v_2 and |k2| = 1, with the student's q) -----------------
    _m("new_k2_select_third", "k2 = q: selects v_2 but is not unit norm", [Q6], '''
def new_k2_select_third(K, V, q):
    return q.clone()
'''),
    _m("new_k2_select_third", "normalizes the value v_2 instead (0.42)", [Q6], '''
def new_k2_select_third(K, V, q):
    return V[2] / V[2].norm()
'''),
    _m("new_k2_select_third", "sign error: -q / |q| (0.42)", [Q6], '''
def new_k2_select_third(K, V, q):
    return -q / q.norm()
'''),
    _m("new_k2_select_third", "divides by |q|^2: norm 1/|q| (0.42)", [Q6], '''
def new_k2_select_third(K, V, q):
    return q / (q @ q)
'''),
    _m("new_k2_select_third", "divides by the sum of the entries (0.41)", [Q6], '''
def new_k2_select_third(K, V, q):
    return q / q.sum()
'''),
    _m("new_k2_select_third", "normalizes the old k_2 (0.42)", [Q6], '''
def new_k2_select_third(K, V, q):
    return K[2] / K[2].norm()
'''),
    _m("new_k2_select_third", "shape (1, 3) instead of (3,)", [Q6], '''
def new_k2_select_third(K, V, q):
    return (q / q.norm()).reshape(1, 3)
'''),
    _m("new_k2_select_third", "unit key (k_0 + k_1) / |k_0 + k_1| fixed for the solution's query, wrong for the "
       "student's own (0.093)", [Q6], OTHER_QUERY + '''

def new_k2_select_third(K, V, q):
    return (K[0] + K[1]) / (K[0] + K[1]).norm()
'''),
]

ALTERNATIVES = [
    # ---- select_first ------------------------------------------------------------------------
    _a("select_first", "a larger multiple, 50 k_0", '''
def select_first(K, V):
    return 50.0 * K[0]
'''),
    _a("select_first", "least squares for the scores (30, 0, 0, 0)", '''
def select_first(K, V):
    target = torch.tensor([[30.0], [0.0], [0.0], [0.0]], dtype=K.dtype)
    return torch.linalg.lstsq(K, target).solution.squeeze(1)
'''),
    _a("select_first", "plain numbers in a list (20 k_0)", '''
def select_first(K, V):
    return [20.0 * float(x) for x in K[0]]
'''),
    _a("select_first", "a float64 tensor that requires grad", '''
def select_first(K, V):
    return (30.0 * K[0].double()).requires_grad_()
'''),

    # ---- select_all --------------------------------------------------------------------------
    _a("select_all", "a larger multiple, 50 K", '''
def select_all(K, V):
    return 50.0 * K
'''),
    _a("select_all", "least squares for K Q^T = 30 I", '''
def select_all(K, V):
    return torch.linalg.lstsq(K, 30.0 * torch.eye(4, dtype=K.dtype)).solution.T
'''),
    _a("select_all", "a numpy array", '''
def select_all(K, V):
    return 20.0 * K.numpy()
'''),
    _a("select_all", "a list of row tensors", '''
def select_all(K, V):
    return [25.0 * k for k in K]
'''),

    # ---- average_all -------------------------------------------------------------------------
    _a("average_all", "a list of zeros", '''
def average_all(K, V):
    return [0.0, 0.0, 0.0]
'''),
    _a("average_all", "a numpy array of zeros", '''
def average_all(K, V):
    import numpy as np
    return np.zeros(3)
'''),
    _a("average_all", "a tiny query, 0.001 (1, 1, 1) (error 1e-4)", '''
def average_all(K, V):
    return 1e-3 * torch.ones(3)
'''),
    _a("average_all", "zeros_like the first key", '''
def average_all(K, V):
    return torch.zeros_like(K[0])
'''),

    # ---- average_first_two -------------------------------------------------------------------
    _a("average_first_two", "15 (k_0 + k_1) as a list", '''
def average_first_two(K, V):
    return (15.0 * (K[0] + K[1])).tolist()
'''),
    _a("average_first_two", "minimum-norm least squares for q . k_0 = q . k_1 = 25 (exact balance)", '''
def average_first_two(K, V):
    return torch.linalg.pinv(K[:2]) @ torch.full((2,), 25.0, dtype=K.dtype)
'''),
    _a("average_first_two", "closed form in numpy: 20 (k_0 + k_1) made orthogonal to k_0 - k_1", '''
def average_first_two(K, V):
    import numpy as np
    k0, k1 = K[0].numpy().astype(np.float64), K[1].numpy().astype(np.float64)
    s, d = k0 + k1, k0 - k1
    return 20.0 * (s - (s @ d) / (d @ d) * d)
'''),
    _a("average_first_two", "6 (k_0 + k_1) + 50 (k_0 x k_1): balanced, pushes k_2 and k_3 further down", OTHER_QUERY),

    # ---- new_k2_average_first_three ----------------------------------------------------------
    _a("new_k2_average_first_three", "the midpoint (k_0 + k_1) / 2", '''
def new_k2_average_first_three(K, V, q):
    return (K[0] + K[1]) / 2
'''),
    _a("new_k2_average_first_three", "k_1 as a list", '''
def new_k2_average_first_three(K, V, q):
    return K[1].tolist()
'''),
    _a("new_k2_average_first_three", "closed form in q: the multiple of q scoring the mean of q . k_0 and q . k_1", '''
def new_k2_average_first_three(K, V, q):
    return q * ((q @ K[0] + q @ K[1]) / 2) / (q @ q)
'''),
    _a("new_k2_average_first_three", "a numpy copy of k_0", '''
def new_k2_average_first_three(K, V, q):
    return K[0].numpy().copy()
'''),

    # ---- new_k2_select_third -----------------------------------------------------------------
    _a("new_k2_select_third", "torch.nn.functional.normalize", '''
def new_k2_select_third(K, V, q):
    return torch.nn.functional.normalize(q, dim=0)
'''),
    _a("new_k2_select_third", "numpy: q / np.linalg.norm(q)", '''
def new_k2_select_third(K, V, q):
    import numpy as np
    a = q.numpy()
    return a / np.linalg.norm(a)
'''),
    _a("new_k2_select_third", "a list from the entries of q", '''
def new_k2_select_third(K, V, q):
    entries = q.tolist()
    norm = sum(x * x for x in entries) ** 0.5
    return [x / norm for x in entries]
'''),
    _a("new_k2_select_third", "a float64 tensor that requires grad", '''
def new_k2_select_third(K, V, q):
    k = q.double().requires_grad_()
    return k / k.norm()
'''),
]


# ---- the general attention math (copy_query, average_query, single_vs_two_heads) ------------------
# Graded on random orthogonal keys (hw_support/attention_math.py), not on the term's K and V, so
# ../generate_data.py leaves them out. The experiment is measured with the variant's own queries.
_COPY = "return 20.0 * k / (k @ k)"
_AVG = "return 20.0 * (K[i] / (K[i] @ K[i]) + K[j] / (K[j] @ K[j]))"
_SINGLE = "single = torch.softmax(keys @ q, dim=-1) @ V"
_STRETCH = "keys[:, a] += stretch ** 0.5 * torch.randn(n_samples, 1, dtype=mu.dtype) * mu[a]"

MUTANTS += [
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

ALTERNATIVES += [
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
