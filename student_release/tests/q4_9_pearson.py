from otter.test_files import test_case
from hw_support.lm_study_checks import as_float

OK_FORMAT = False
name = "q4_9_pearson"


@test_case(name="pearson: worked example [1, 2, 3, 4] vs [2, 4, 5, 9] is 0.9648", points=1)
def public_worked_example(lm):
    got = as_float(lm.pearson([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 5.0, 9.0]), "pearson")
    # centred: x - 2.5 = [-1.5, -0.5, 0.5, 1.5], y - 5 = [-3, -1, 0, 4]; 11 / sqrt(5 * 26) = 0.96476
    assert abs(got - 0.9647638) < 1e-6, (f"pearson([1, 2, 3, 4], [2, 4, 5, 9]) returned {got:.6f}, expected 0.964764 "
                                         "(centre both lists on their means first)")


@test_case(name="pearson: a decreasing line gives -1, the same list twice gives 1", points=1)
def public_lines(lm):
    xs = [0.5, 1.5, 2.0, 4.0, 7.0]
    down = as_float(lm.pearson(xs, [3.0 - 2.0 * x for x in xs]), "pearson")
    assert abs(down + 1) < 1e-9, f"pearson(x, 3 - 2x) returned {down:.6f}, expected -1"
    same = as_float(lm.pearson(xs, xs), "pearson")
    assert abs(same - 1) < 1e-9, f"pearson(x, x) returned {same:.6f}, expected 1"
