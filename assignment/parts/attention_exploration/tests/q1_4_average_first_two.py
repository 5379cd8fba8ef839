from otter.test_files import test_case
from hw_support.exploration import K, V, fresh_inputs, attend, answer, assert_within

OK_FORMAT = False
name = "q1_4_average_first_two"


@test_case(name="average_first_two: a query of shape (3,) with finite values", points=1)
def public_average_first_two_shape(query_crafting):
    answer(query_crafting.average_first_two(*fresh_inputs()), "average_first_two", (3,))
