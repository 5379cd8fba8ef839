# Hidden cases, appended by build.py to the public test file of the same name, whose helpers
# (K, V, fresh_inputs, attend, answer, assert_within) they use.
# Their failure messages give the error but never the target values.
from otter.test_files import test_case
import torch


@test_case(name="select_first: output within 0.05 of v_0 (graded)", points=1, hidden=True)
def hidden_select_first_within(query_crafting):
    q = answer(query_crafting.select_first(*fresh_inputs()), "select_first", (3,))
    assert_within(attend(q), V[0], "select_first", "v_0", show_values=False)
