from otter.test_files import test_case
from hw_support.exploration import K, V, fresh_inputs, attend, answer, assert_within

OK_FORMAT = False
name = "q1_1_select_first"


@test_case(name="select_first: a query of shape (3,) with finite values", points=1)
def public_select_first_shape(query_crafting):
    answer(query_crafting.select_first(*fresh_inputs()), "select_first", (3,))


@test_case(name="select_first: output within 0.05 of v_0", points=1)
def public_select_first_within(query_crafting):
    q = answer(query_crafting.select_first(*fresh_inputs()), "select_first", (3,))
    assert_within(attend(q), V[0], "select_first", "v_0")
