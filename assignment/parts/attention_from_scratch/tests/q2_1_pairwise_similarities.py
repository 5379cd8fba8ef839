from otter.test_files import test_case
import torch
from hw_support.checks import assert_close

OK_FORMAT = False
name = "q2_1_pairwise_similarities"


@test_case(name="pairwise_similarities: 2 queries x 3 keys, worked example", points=1)
def public_small_example(attention):
    Q = torch.tensor([[1.0, 0.0], [1.0, 2.0]])
    K = torch.tensor([[1.0, 1.0], [0.0, 1.0], [-1.0, 0.5]])
    # entry (i, j) is the dot product of query i with key j
    expected = torch.tensor([[1.0, 0.0, -1.0], [3.0, 2.0, 0.0]])
    assert_close(attention.pairwise_similarities(Q, K), expected, "pairwise_similarities")
