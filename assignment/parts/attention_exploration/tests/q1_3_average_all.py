from otter.test_files import test_case
from hw_support.exploration import K, V, fresh_inputs, attend, answer, assert_within

OK_FORMAT = False
name = "q1_3_average_all"


@test_case(name="average_all: a query of shape (3,) with finite values", points=1)
def public_average_all_shape(query_crafting):
    answer(query_crafting.average_all(*fresh_inputs()), "average_all", (3,))
