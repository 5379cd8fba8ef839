# Hidden cases, appended by build.py to the public test file of the same name, whose helpers
# (K, V, fresh_inputs, attend, answer, assert_within) they use.
# Their failure messages give the error but never the target values.
from otter.test_files import test_case
import torch


@test_case(name="select_all: output within 0.05 of V (graded)", points=1, hidden=True)
def hidden_select_all_within(query_crafting):
    Q = answer(query_crafting.select_all(*fresh_inputs()), "select_all", (4, 3))
    assert_within(attend(Q), V, "select_all", "V", show_values=False)
