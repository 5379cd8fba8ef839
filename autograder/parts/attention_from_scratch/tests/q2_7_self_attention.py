# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
import torch
from hw_support.checks import assert_close, assert_tensor, assert_unchanged, call_on_meta, seed_all
from hw_support.reference import mha_reference

_CASES = [(1, 1, 4), (2, 5, 12), (3, 7, 6), (4, 12, 8), (1, 16, 10)]  # (B, T, C)


def _divisors(n):
    return [h for h in range(1, n + 1) if n % h == 0]


@test_case(name="self_attention: random shapes, every divisor head count, causal and not", points=3, hidden=True)
def hidden_random_shapes(attention):
    seed_all(13)
    for B, T, C in _CASES:
        Q, K, V = (torch.randn(B, T, C) for _ in range(3))
        for h in _divisors(C):
            for causal in (False, True):
                got = attention.self_attention(Q, K, V, n_heads=h, causal=causal)
                assert_close(got, mha_reference(Q, K, V, h, causal),
                             f"self_attention on (B, T, C) = {(B, T, C)}, n_heads={h}, causal={causal}",
                             atol=1e-4, show_values=False)


@test_case(name="self_attention: float64 inputs give float64 outputs, to 1e-10", points=1, hidden=True)
def hidden_float64(attention):
    seed_all(14)
    Q, K, V = (torch.randn(2, 6, 8, dtype=torch.float64) for _ in range(3))
    for h, causal in [(1, True), (2, False), (4, True)]:
        assert_close(attention.self_attention(Q, K, V, n_heads=h, causal=causal), mha_reference(Q, K, V, h, causal),
                     f"self_attention (float64, n_heads={h}, causal={causal})", atol=1e-10, show_values=False)


# The property tests below also check the outputs against the reference, so an output that merely has
# the property (zeros ignore future tokens and sit on any device) earns nothing.


@test_case(name="self_attention: causal outputs right and ignore future tokens", points=1, hidden=True)
def hidden_causality(attention):
    seed_all(15)
    Q, K, V = (torch.randn(2, 9, 6) for _ in range(3))
    out = attention.self_attention(Q, K, V, n_heads=2, causal=True)
    assert_close(out, mha_reference(Q, K, V, 2, True), "self_attention(causal=True) on (B, T, C) = (2, 9, 6)",
                 atol=1e-4, show_values=False)
    Q2, K2, V2 = Q.clone(), K.clone(), V.clone()
    for t in (Q2, K2, V2):
        t[:, 5:] = torch.randn(2, 4, 6)
    out2 = attention.self_attention(Q2, K2, V2, n_heads=2, causal=True)
    assert_close(out2[:, :5], out[:, :5], "self_attention(causal=True) at tokens 0-4 after changing tokens 5-8",
                 atol=1e-6, show_values=False)


@test_case(name="self_attention: attention weights of every row sum to 1 (mask before the softmax)", points=2, hidden=True)
def hidden_rows_sum_to_one(attention):
    seed_all(16)
    Q, K = torch.randn(2, 7, 6), torch.randn(2, 7, 6)
    V = torch.ones(2, 7, 6)  # output = (sum of each row of weights) * 1
    for h in (1, 3):
        for causal in (False, True):
            got = attention.self_attention(Q, K, V, n_heads=h, causal=causal)
            assert_close(got, torch.ones(2, 7, 6), f"self_attention with all-ones V (n_heads={h}, causal={causal})",
                         atol=1e-5, show_values=False)
    V = torch.randn(2, 7, 6)
    got = attention.self_attention(Q, K, V, n_heads=1, causal=True)
    assert_close(got[:, 0], V[:, 0], "self_attention(causal=True) at token 0, which can only attend to itself",
                 atol=1e-5, show_values=False)


@test_case(name="self_attention: right outputs, Q, K, V unchanged; output on the inputs' device", points=1,
           hidden=True)
def hidden_inputs_and_device(attention):
    seed_all(17)
    Q, K, V = (torch.randn(2, 5, 6) for _ in range(3))
    saved = [t.clone() for t in (Q, K, V)]
    got = attention.self_attention(Q, K, V, n_heads=3, causal=True)
    for name_, before, after in zip("QKV", saved, (Q, K, V)):
        assert_unchanged(before, after, name_)
    assert_close(got, mha_reference(*saved, 3, True), "self_attention(n_heads=3, causal=True) on (2, 5, 6)",
                 atol=1e-4, show_values=False)
    # the meta device stands in for a GPU: anything created on the default device ends up on "cpu"
    Qm, Km, Vm = (torch.empty(2, 5, 6, device="meta") for _ in range(3))
    out = call_on_meta(attention.self_attention, "self_attention on inputs on the 'meta' device", Qm, Km, Vm,
                       n_heads=3, causal=True)
    assert_tensor(out, "self_attention on meta-device inputs", shape=(2, 5, 6), device="meta")


@test_case(name="self_attention: gradients reach Q, K and V and are right", points=1, hidden=True)
def hidden_gradients(attention):
    seed_all(18)
    leaves = [torch.randn(2, 6, 6, dtype=torch.float64, requires_grad=True) for _ in range(3)]
    w = torch.randn(2, 6, 6, dtype=torch.float64)
    (attention.self_attention(*leaves, n_heads=2, causal=True) * w).sum().backward()
    got = [t.grad for t in leaves]
    assert all(g is not None for g in got), "no gradient reached Q, K or V: avoid .detach(), numpy or .item()"
    ref = [t.detach().clone().requires_grad_() for t in leaves]
    (mha_reference(*ref, n_heads=2, causal=True) * w).sum().backward()
    for name_, g, r in zip("QKV", got, ref):
        assert_close(g, r.grad, f"gradient of self_attention with respect to {name_}", atol=1e-8, show_values=False)
