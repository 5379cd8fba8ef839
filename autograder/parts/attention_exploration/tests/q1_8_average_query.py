# Hidden cases, appended by build.py to the public test file of the same name, whose helpers
# (instance, attend, query, within) they use. Their failure messages give the error, never the target.
from otter.test_files import test_case


@test_case(name="average_query: random orthonormal keys, 5 more seeds, 3 pairs each: within 0.05 (graded)",
           points=2, hidden=True)
def hidden_average_query_orthonormal(query_crafting):
    for seed in range(100, 105):
        K, V = instance(seed)
        for i, j in ((0, 15), (seed % 7 + 1, 9), (12, 3)):
            q = query(query_crafting.average_query(K.float(), i, j), "average_query")
            within(attend(q, K, V), (V[i] + V[j]) / 2, f"average_query (orthonormal keys, i = {i}, j = {j})",
                   f"(v_{i} + v_{j}) / 2")


@test_case(name="average_query: orthogonal keys with norms from 0.5 to 2, 5 seeds: within 0.05", points=2,
           hidden=True)
def hidden_average_query_norms(query_crafting):
    for seed in range(200, 205):
        K, V = instance(seed, norms=(0.5, 2.0))
        norms = K.norm(dim=1)
        i, j = int(norms.argmin()), int(norms.argmax())  # the most unequal pair
        q = query(query_crafting.average_query(K.float(), i, j), "average_query")
        within(attend(q, K, V), (V[i] + V[j]) / 2, f"average_query (orthogonal keys, |k_i| = {norms[i]:.2f}, "
               f"|k_j| = {norms[j]:.2f})", f"(v_{i} + v_{j}) / 2")
