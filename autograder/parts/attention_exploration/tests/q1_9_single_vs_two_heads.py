# Hidden cases, appended by build.py to the public test file of the same name, whose helpers
# (instance, check_experiment, reported) they use. Their failure messages never give the grader's value.
# Four comparisons per test: a correct function fails one with probability <= 4e-6.
from otter.test_files import test_case


@test_case(name="single_vs_two_heads: key a's norm varies (stretch 0.1, then 0.02): your errors match the "
                "grader's measurement (graded)", points=2, hidden=True)
def hidden_single_vs_two_heads_stretched(query_crafting):
    check_experiment(query_crafting, 11, 4, 9, stretch=0.1, show=False)
    check_experiment(query_crafting, 13, 6, 5, stretch=0.02, show=False)


@test_case(name="single_vs_two_heads: larger noise (alpha 1e-4; stretch 0.5, then 0), other a, b: your errors "
                "match the grader's measurement", points=1, hidden=True)
def hidden_single_vs_two_heads_noisy(query_crafting):
    check_experiment(query_crafting, 12, 13, 0, stretch=0.5, alpha=1e-4, show=False)
    check_experiment(query_crafting, 14, 2, 10, stretch=0.0, alpha=1e-4, show=False)
