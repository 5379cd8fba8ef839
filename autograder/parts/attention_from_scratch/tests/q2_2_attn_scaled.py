# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
import math
import torch
from hw_support.checks import assert_close, assert_unchanged, seed_all


@test_case(name="attn_scaled: every head count that divides n_embd = 12", points=2, hidden=True)
def hidden_every_divisor(attention):
    seed_all(3)
    A = torch.randn(2, 5, 5)
    for h in (1, 2, 3, 4, 6, 12):
        assert_close(attention.attn_scaled(A.clone(), 12, h), A / math.sqrt(12 / h),
                     f"attn_scaled(A, n_embd=12, n_heads={h})", atol=1e-6, show_values=False)


@test_case(name="attn_scaled: float64 kept to 1e-12 (head dim 7), batch dims kept, input unchanged", points=1,
           hidden=True)
def hidden_dtype_inplace(attention):
    seed_all(4)
    A = torch.randn(2, 3, 4, 4, dtype=torch.float64)
    A0 = A.clone()
    # head dim 7: sqrt(7) is not exact in float32 (relative error ~3e-8), so a scale factor computed in
    # float32 (e.g. torch.sqrt(torch.tensor(7.0))) is off by ~1e-8 here, far above 1e-12
    got = attention.attn_scaled(A, 14, 2)
    assert_close(got, A0 / math.sqrt(7), "attn_scaled(A, n_embd=14, n_heads=2) on float64", atol=1e-12,
                 show_values=False)
    assert_unchanged(A0, A, "A")
