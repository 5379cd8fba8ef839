# Hidden cases, appended by build.py to the public test file of the same name, whose helpers
# (K, V, fresh_inputs, attend, answer, assert_within, student_query, with_new_k2) they use.
# Their failure messages give the error but never the target values.
from otter.test_files import test_case
import torch


@test_case(name="new_k2_select_third: with your average_first_two query, output within 0.05 of v_2",
           points=2, hidden=True)
def hidden_new_k2_select_third_within(query_crafting):
    q = student_query(query_crafting)
    k2 = answer(query_crafting.new_k2_select_third(*fresh_inputs(), q.float()), "new_k2_select_third", (3,))
    assert_within(attend(q, with_new_k2(k2)), V[2], "new_k2_select_third (with your own query q)", "v_2",
                  show_values=False)


@test_case(name="new_k2_select_third: the key has norm 1 (within 0.001)", points=1, hidden=True)
def hidden_new_k2_select_third_unit_norm(query_crafting):
    q = student_query(query_crafting)
    k2 = answer(query_crafting.new_k2_select_third(*fresh_inputs(), q.float()), "new_k2_select_third", (3,))
    norm = k2.norm().item()
    assert abs(norm - 1) <= 1e-3, f"new_k2_select_third: the key has norm {norm:.4g}; it must be 1 within 0.001"
