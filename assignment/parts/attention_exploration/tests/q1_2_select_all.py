from otter.test_files import test_case
from hw_support.exploration import K, V, fresh_inputs, attend, answer, assert_within

OK_FORMAT = False
name = "q1_2_select_all"


@test_case(name="select_all: queries of shape (4, 3) with finite values", points=1)
def public_select_all_shape(query_crafting):
    answer(query_crafting.select_all(*fresh_inputs()), "select_all", (4, 3))


@test_case(name="select_all: output within 0.05 of V (row i -> v_i)", points=1)
def public_select_all_within(query_crafting):
    Q = answer(query_crafting.select_all(*fresh_inputs()), "select_all", (4, 3))
    assert_within(attend(Q), V, "select_all", "V")
