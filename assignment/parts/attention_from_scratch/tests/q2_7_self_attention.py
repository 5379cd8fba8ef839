from otter.test_files import test_case
import torch
from hw_support.checks import assert_close, seed_all
from hw_support.reference import mha_reference

OK_FORMAT = False
name = "q2_7_self_attention"


def _inputs():
    """Seed-447 inputs of shape (1, 10, 6), drawn in the order key, value, query."""
    seed_all(447)
    K, V, Q = (torch.randn(1, 10, 6) for _ in range(3))
    return Q, K, V


def _compare(attention, n_heads, causal):
    Q, K, V = _inputs()
    got = attention.self_attention(Q, K, V, n_heads=n_heads, causal=causal)
    expected = mha_reference(Q, K, V, n_heads=n_heads, causal=causal)
    assert_close(got, expected, f"self_attention(n_heads={n_heads}, causal={causal})", atol=1e-4)


@test_case(name="self_attention vs torch MHA: 1 head, not causal", points=1)
def public_one_head(attention):
    _compare(attention, 1, False)


@test_case(name="self_attention vs torch MHA: 1 head, causal", points=1)
def public_one_head_causal(attention):
    _compare(attention, 1, True)


@test_case(name="self_attention vs torch MHA: 3 heads, causal", points=1)
def public_three_heads_causal(attention):
    _compare(attention, 3, True)
