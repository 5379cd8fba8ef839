# copy_query on random instances: n = 16 pairwise orthogonal keys in d = 64 and values uniform in [-1, 1],
# drawn per seed (hw_support.attention_math.instance, seeded with hw_support.checks.seed_all).
# Tolerance: max abs error 0.05 of the grader's float64 attention output against v_j. Deterministic
# (fixed seeds): no false failures; the reference query 20 k_j / |k_j|^2 has error below 1e-6.
from otter.test_files import test_case
from hw_support.attention_math import instance, attend, query, within

OK_FORMAT = False
name = "q1_7_copy_query"


@test_case(name="copy_query: a query of shape (64,) with finite values", points=1)
def public_copy_query_shape(query_crafting):
    K, V = instance(0)
    query(query_crafting.copy_query(K.float(), 3), "copy_query")


@test_case(name="copy_query: random orthonormal keys (n = 16, d = 64), 3 seeds: output within 0.05 of v_j", points=1)
def public_copy_query_within(query_crafting):
    for seed, j in ((1, 0), (2, 5), (3, 15)):
        K, V = instance(seed)
        q = query(query_crafting.copy_query(K.float(), j), "copy_query")
        within(attend(q, K, V), V[j], f"copy_query (seed {seed}, j = {j})", f"v_{j}")
