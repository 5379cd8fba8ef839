# Hidden cases, appended by build.py to the public test file of the same name, whose helpers
# (instance, attend, query, within) they use. Their failure messages give the error, never the target.
from otter.test_files import test_case


@test_case(name="copy_query: random orthonormal keys, 5 more seeds, 4 indices each: within 0.05 (graded)",
           points=2, hidden=True)
def hidden_copy_query_orthonormal(query_crafting):
    for seed in range(100, 105):
        K, V = instance(seed)
        for j in (0, seed % 7 + 1, 9, 15):
            q = query(query_crafting.copy_query(K.float(), j), "copy_query")
            within(attend(q, K, V), V[j], f"copy_query (orthonormal keys, j = {j})", f"v_{j}")


@test_case(name="copy_query: orthogonal keys with norms from 0.5 to 2, 5 seeds: within 0.05", points=1, hidden=True)
def hidden_copy_query_norms(query_crafting):
    for seed in range(200, 205):
        K, V = instance(seed, norms=(0.5, 2.0))
        j = int(K.norm(dim=1).argmin())  # the shortest key: its score is the hardest to make large
        q = query(query_crafting.copy_query(K.float(), j), "copy_query")
        within(attend(q, K, V), V[j], f"copy_query (orthogonal keys of norms 0.5 to 2, j = {j}, |k_j| = "
               f"{K[j].norm():.2f})", f"v_{j}")
