# Hidden cases, appended by build.py to the public test file of the same name, whose helpers
# (K, V, fresh_inputs, attend, answer, assert_within) they use.
# Their failure messages give the error but never the target values.
from otter.test_files import test_case
import torch


@test_case(name="average_first_two: output within 0.05 of (v_0 + v_1) / 2", points=2, hidden=True)
def hidden_average_first_two_within(query_crafting):
    q = answer(query_crafting.average_first_two(*fresh_inputs()), "average_first_two", (3,))
    assert_within(attend(q), (V[0] + V[1]) / 2, "average_first_two", "(v_0 + v_1) / 2", show_values=False)
