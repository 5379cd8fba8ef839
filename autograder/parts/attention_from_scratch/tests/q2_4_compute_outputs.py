# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
import torch
from hw_support.checks import assert_close, seed_all


@test_case(name="compute_outputs: leading batch dims and T_q != T_k", points=2, hidden=True)
def hidden_batch_dims(attention):
    seed_all(7)
    for lead, tq, tk, d in [((), 3, 5, 2), ((3,), 4, 4, 6), ((2, 2), 1, 7, 3)]:
        A, V = torch.softmax(torch.randn(*lead, tq, tk), -1), torch.randn(*lead, tk, d)
        assert_close(attention.compute_outputs(A, V), torch.einsum("...qk,...kd->...qd", A, V),
                     f"compute_outputs on A {tuple(A.shape)}, V {tuple(V.shape)}", atol=1e-5, show_values=False)


@test_case(name="compute_outputs: float64 kept", points=1, hidden=True)
def hidden_float64(attention):
    seed_all(8)
    A, V = torch.rand(2, 3, 3, dtype=torch.float64), torch.randn(2, 3, 4, dtype=torch.float64)
    assert_close(attention.compute_outputs(A, V), torch.einsum("...qk,...kd->...qd", A, V),
                 "compute_outputs (float64)", atol=1e-12, show_values=False)
