# average_query on random instances: n = 16 pairwise orthogonal keys in d = 64 and values uniform in
# [-1, 1], drawn per seed (hw_support.attention_math.instance, seeded with hw_support.checks.seed_all).
# Tolerance: max abs error 0.05 of the grader's float64 attention output against (v_i + v_j) / 2.
# Deterministic (fixed seeds): no false failures; the reference query has error below 1e-6.
from otter.test_files import test_case
from hw_support.attention_math import instance, attend, query, within

OK_FORMAT = False
name = "q1_8_average_query"


@test_case(name="average_query: a query of shape (64,) with finite values", points=1)
def public_average_query_shape(query_crafting):
    K, V = instance(0)
    query(query_crafting.average_query(K.float(), 2, 6), "average_query")


@test_case(name="average_query: random orthonormal keys (n = 16, d = 64), 3 seeds: output within 0.05 of "
                "(v_i + v_j) / 2", points=1)
def public_average_query_within(query_crafting):
    for seed, i, j in ((1, 0, 1), (2, 4, 11), (3, 15, 7)):
        K, V = instance(seed)
        q = query(query_crafting.average_query(K.float(), i, j), "average_query")
        within(attend(q, K, V), (V[i] + V[j]) / 2, f"average_query (seed {seed}, i = {i}, j = {j})",
               f"(v_{i} + v_{j}) / 2")
