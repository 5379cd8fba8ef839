# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
import torch
from hw_support.checks import assert_close, assert_tensor, call_on_meta, seed_all


def _expected_masked(A):
    T = A.shape[-1]
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    return A.masked_fill(future, float("-inf"))


@test_case(name="causal mask: exactly the future positions are -inf, for n_tok 1, 2, 7, 16", points=2, hidden=True)
def hidden_exact_positions(attention):
    seed_all(9)
    for n in (1, 2, 7, 16):
        A = torch.randn(n, n)
        got = attention.apply_causal_mask(attention.make_causal_mask(n), A.clone())
        assert_close(got, _expected_masked(A), f"apply_causal_mask(make_causal_mask({n}), A)",
                     atol=0, show_values=False)


@test_case(name="apply_causal_mask: batched (2, 3, 5, 5) float64 scores", points=1, hidden=True)
def hidden_batched(attention):
    seed_all(10)
    A = torch.randn(2, 3, 5, 5, dtype=torch.float64)
    got = attention.apply_causal_mask(attention.make_causal_mask(5), A.clone())
    assert_close(got, _expected_masked(A), "apply_causal_mask on a (2, 3, 5, 5) input", atol=0, show_values=False)


@test_case(name="make_causal_mask: created on the requested device, and right there", points=1, hidden=True)
def hidden_device(attention):
    # a right mask too, so that a mask of zeros (on any device) earns nothing
    seed_all(11)
    A = torch.randn(5, 5)
    got = attention.apply_causal_mask(attention.make_causal_mask(5, device=torch.device("cpu")), A.clone())
    assert_close(got, _expected_masked(A), "apply_causal_mask(make_causal_mask(5, device='cpu'), A)", atol=0,
                 show_values=False)
    # the meta device stands in for a GPU: a mask made on the default device lands on "cpu"
    mask = call_on_meta(attention.make_causal_mask, "make_causal_mask(5, device='meta')", 5,
                        device=torch.device("meta"))
    assert_tensor(mask, "make_causal_mask(5, device='meta')", shape=(5, 5), device="meta")
