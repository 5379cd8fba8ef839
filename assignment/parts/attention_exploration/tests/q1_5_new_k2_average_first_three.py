from otter.test_files import test_case
from hw_support.exploration import K, V, fresh_inputs, attend, answer, assert_within, student_query, with_new_k2

OK_FORMAT = False
name = "q1_5_new_k2_average_first_three"


@test_case(name="new_k2_average_first_three: a key of shape (3,) with finite values", points=1)
def public_new_k2_average_first_three_shape(query_crafting):
    q = student_query(query_crafting)
    answer(query_crafting.new_k2_average_first_three(*fresh_inputs(), q.float()), "new_k2_average_first_three", (3,))
