# single_vs_two_heads on random instances (n = 16 orthonormal key means in d = 64, values uniform in
# [-1, 1]; hw_support.attention_math). The student's reported mean errors (n_samples = 2000) are compared
# with the grader's own measurement (20000 samples, the grader's sampler) made with the student's own
# average_query and copy_query. Tolerance per number: the sum of two Bernstein radii (each mean misses its
# expectation by more with probability <= 5e-7; errors lie in [0, max_i |v_i - target|], the standard
# deviation is the grader's, x 1.1 + 0.001) + 1e-4, typically 0.01 to 0.06: a correct function fails a
# comparison with probability <= 1e-6, a test (2 numbers) <= 2e-6, whatever the student's draws (the
# grader's own generator is seeded per case; the student's code draws from its own process's torch
# generator, which seed_all seeds only where it runs in the test's process, e.g. the notebook).
from otter.test_files import test_case
from hw_support.attention_math import instance, check_experiment, reported

OK_FORMAT = False
name = "q1_9_single_vs_two_heads"


@test_case(name="single_vs_two_heads: returns {'single': float, 'two': float}", points=1)
def public_single_vs_two_heads_format(query_crafting):
    mu, V = instance(0)
    reported(query_crafting.single_vs_two_heads(mu.float(), V.float(), 1, 2, 0.0, n_samples=50))


@test_case(name="single_vs_two_heads: small variance (stretch 0): your errors match the grader's measurement",
           points=1)
def public_single_vs_two_heads_small_variance(query_crafting):
    check_experiment(query_crafting, 1, 3, 7, stretch=0.0)
