from otter.test_files import test_case
import torch
from hw_support.checks import assert_close

OK_FORMAT = False
name = "q2_2_attn_scaled"


@test_case(name="attn_scaled: n_embd=8, n_heads=2 divides by sqrt(4) = 2", points=1)
def public_head_dim_scale(attention):
    A = torch.tensor([[2.0, -4.0], [1.0, 0.0]])
    assert_close(attention.attn_scaled(A, 8, 2), torch.tensor([[1.0, -2.0], [0.5, 0.0]]), "attn_scaled")
