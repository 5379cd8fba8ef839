# Hidden cases, appended by build.py to the public test file of the same name, whose helpers
# (K, V, fresh_inputs, attend, answer, assert_within, student_query, with_new_k2) they use.
# Their failure messages give the error but never the target values.
from otter.test_files import test_case
import torch


@test_case(name="new_k2_average_first_three: with your average_first_two query, output within 0.05 of "
                "(v_0 + v_1 + v_2) / 3", points=2, hidden=True)
def hidden_new_k2_average_first_three_within(query_crafting):
    q = student_query(query_crafting)
    k2 = answer(query_crafting.new_k2_average_first_three(*fresh_inputs(), q.float()),
                "new_k2_average_first_three", (3,))
    assert_within(attend(q, with_new_k2(k2)), V[:3].mean(0), "new_k2_average_first_three (with your own query q)",
                  "(v_0 + v_1 + v_2) / 3", show_values=False)
