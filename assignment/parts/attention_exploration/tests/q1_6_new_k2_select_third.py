from otter.test_files import test_case
from hw_support.exploration import K, V, fresh_inputs, attend, answer, assert_within, student_query, with_new_k2

OK_FORMAT = False
name = "q1_6_new_k2_select_third"


@test_case(name="new_k2_select_third: a key of shape (3,) with finite values", points=1)
def public_new_k2_select_third_shape(query_crafting):
    q = student_query(query_crafting)
    answer(query_crafting.new_k2_select_third(*fresh_inputs(), q.float()), "new_k2_select_third", (3,))
