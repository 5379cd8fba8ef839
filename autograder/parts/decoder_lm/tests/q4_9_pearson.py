# Hidden cases, appended by build.py to the public test file of the same name.
import random
from otter.test_files import test_case
from hw_support.lm_study_checks import random_pairs, reference_pearson


@test_case(name="pearson: random lists of 2 to 60 pairs, positive and negative correlations, offsets and scales", points=2, hidden=True)
def hidden_random_lists(lm):
    rng = random.Random(491)
    for n, rho, offset, scale in [(3, 0.5, (1.0, 2.0), (1.0, 1.0)), (5, -0.7, (10.0, -3.0), (2.0, 0.5)),
                                  (12, 0.1, (0.3, 0.3), (1.0, 4.0)), (60, -0.95, (-5.0, 100.0), (0.1, 3.0)),
                                  (25, 0.8, (2.0, 2.0), (1.0, 1.0))]:
        xs, ys = random_pairs(n, rho, rng, offset, scale)
        got = as_float(lm.pearson(xs, ys), "pearson")
        want = reference_pearson(xs, ys)
        assert abs(got - want) < 1e-6, f"pearson on {n} pairs (correlation about {rho}) is wrong"


@test_case(name="pearson: two pairs, symmetry, invariance to shifting and positive scaling", points=1, hidden=True)
def hidden_properties(lm):
    rng = random.Random(492)
    two = as_float(lm.pearson([1.0, 3.0], [5.0, 2.0]), "pearson")
    assert abs(two + 1) < 1e-9, f"pearson of two pairs going down returned {two}, expected -1"
    xs, ys = random_pairs(8, -0.4, rng, (1.0, 1.0))
    r = as_float(lm.pearson(xs, ys), "pearson")
    assert abs(r - reference_pearson(xs, ys)) < 1e-6, "pearson on 8 pairs is wrong"
    assert abs(as_float(lm.pearson(ys, xs), "pearson") - r) < 1e-9, "pearson(ys, xs) differs from pearson(xs, ys)"
    moved = as_float(lm.pearson([3 * x + 50 for x in xs], [0.5 * y - 7 for y in ys]), "pearson")
    assert abs(moved - r) < 1e-6, "pearson changed when xs and ys were shifted and scaled by positive numbers"
