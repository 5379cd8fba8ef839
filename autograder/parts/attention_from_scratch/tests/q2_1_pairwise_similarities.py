# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
import torch
from hw_support.checks import assert_close, assert_unchanged, seed_all


@test_case(name="pairwise_similarities: leading batch dims and T_q != T_k", points=2, hidden=True)
def hidden_batch_dims(attention):
    seed_all(1)
    for lead, tq, tk, d in [((), 1, 5, 3), ((4,), 3, 6, 5), ((2, 3), 7, 4, 2), ((2, 1, 3), 5, 5, 8)]:
        Q, K = torch.randn(*lead, tq, d), torch.randn(*lead, tk, d)
        expected = torch.einsum("...qd,...kd->...qk", Q, K)
        assert_close(attention.pairwise_similarities(Q, K), expected,
                     f"pairwise_similarities on Q {tuple(Q.shape)}, K {tuple(K.shape)}", atol=1e-4, show_values=False)


@test_case(name="pairwise_similarities: float64 kept, inputs unchanged, gradients flow", points=1, hidden=True)
def hidden_dtype_inplace_grad(attention):
    seed_all(2)
    Q = torch.randn(2, 4, 3, dtype=torch.float64, requires_grad=True)
    K = torch.randn(2, 6, 3, dtype=torch.float64, requires_grad=True)
    Q0, K0 = Q.detach().clone(), K.detach().clone()
    A = attention.pairwise_similarities(Q, K)
    assert_close(A, torch.einsum("...qd,...kd->...qk", Q0, K0), "pairwise_similarities (float64)",
                 atol=1e-10, show_values=False)
    assert_unchanged(Q0, Q, "Q")
    assert_unchanged(K0, K, "K")
    A.sum().backward()
    assert Q.grad is not None and K.grad is not None, "no gradient reached Q or K: avoid .detach(), numpy or .item()"
