# Hidden cases, appended by build.py to the public test file of the same name, whose helpers
# (K, V, fresh_inputs, attend, answer, assert_within) they use.
# Their failure messages give the error but never the target values.
from otter.test_files import test_case
import torch


@test_case(name="average_all: output within 0.05 of (v_0 + v_1 + v_2 + v_3) / 4", points=2, hidden=True)
def hidden_average_all_within(query_crafting):
    q = answer(query_crafting.average_all(*fresh_inputs()), "average_all", (3,))
    assert_within(attend(q), V.mean(0), "average_all", "the mean of v_0..v_3", show_values=False)
