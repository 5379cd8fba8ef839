from otter.test_files import test_case
import torch
from hw_support.checks import assert_close, assert_tensor

OK_FORMAT = False
name = "q2_5_causal_mask"


@test_case(name="make_causal_mask: shape (n_tok, n_tok)", points=1)
def public_mask_shape(attention):
    assert_tensor(attention.make_causal_mask(4), "make_causal_mask", shape=(4, 4))


@test_case(name="apply_causal_mask: future positions of a 3x3 A become -inf", points=1)
def public_apply(attention):
    A = torch.arange(9.0).reshape(3, 3)
    ninf = float("-inf")
    expected = torch.tensor([[0.0, ninf, ninf], [3.0, 4.0, ninf], [6.0, 7.0, 8.0]])
    got = attention.apply_causal_mask(attention.make_causal_mask(3), A.clone())
    assert_close(got, expected, "apply_causal_mask(make_causal_mask(3), A)")
