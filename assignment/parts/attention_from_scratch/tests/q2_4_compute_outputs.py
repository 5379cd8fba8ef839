from otter.test_files import test_case
import torch
from hw_support.checks import assert_close

OK_FORMAT = False
name = "q2_4_compute_outputs"


@test_case(name="compute_outputs: weights times values, worked example", points=1)
def public_small_example(attention):
    A = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
    V = torch.tensor([[2.0, 4.0, 6.0], [0.0, 0.0, 2.0]])
    expected = torch.tensor([[2.0, 4.0, 6.0], [1.0, 2.0, 4.0]])
    assert_close(attention.compute_outputs(A, V), expected, "compute_outputs")
