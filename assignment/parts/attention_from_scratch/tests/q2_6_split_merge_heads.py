from otter.test_files import test_case
import torch
from hw_support.checks import assert_close, assert_tensor

OK_FORMAT = False
name = "q2_6_split_merge_heads"


@test_case(name="split_heads: (1, 2, 4) into 2 heads, worked example", points=1)
def public_split(attention):
    x = torch.arange(8.0).reshape(1, 2, 4)  # token 0 = [0 1 2 3], token 1 = [4 5 6 7]
    # head 0 gets channels 0-1 of every token, head 1 channels 2-3
    expected = torch.tensor([[[[0.0, 1.0], [4.0, 5.0]], [[2.0, 3.0], [6.0, 7.0]]]])
    assert_close(attention.split_heads(x, 2), expected, "split_heads")


@test_case(name="merge_heads: shape (B, T, h * d) and undoes split_heads", points=1)
def public_round_trip(attention):
    x = torch.arange(24.0).reshape(2, 3, 4)
    y = attention.merge_heads(attention.split_heads(x, 2))
    assert_tensor(y, "merge_heads", shape=(2, 3, 4))
    assert_close(y, x, "merge_heads(split_heads(x, 2))")
