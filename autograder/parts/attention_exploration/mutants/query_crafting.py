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

# copy_query, average_query, single_vs_two_heads: query_crafting/general.py (hwbuild/catalogs.py reads both)

Q1 = "q1_1_select_first"
Q2 = "q1_2_select_all"
Q3 = "q1_3_average_all"
Q4 = "q1_4_average_first_two"
Q5 = "q1_5_new_k2_average_first_three"
Q6 = "q1_6_new_k2_select_third"

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
