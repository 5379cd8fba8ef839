from otter.test_files import test_case
import math
import torch
from hw_support.checks import seed_all
from hw_support.lm_study_checks import as_float, padded_batch, reference_nll

OK_FORMAT = False
name = "q4_8_mean_nll"


@test_case(name="mean_nll: uniform logits over V=8 give log(8) nats per token, whatever the padding", points=1)
def public_uniform(lm):
    targets = torch.tensor([[3, 1, 5, 0, 0], [2, 0, 0, 0, 0]])
    got = as_float(lm.mean_nll(torch.zeros(2, 5, 8), targets, 0), "mean_nll")
    assert abs(got - math.log(8)) < 1e-5, (f"mean_nll with uniform logits over 8 tokens returned {got:.5f}, expected "
                                           f"log(8) = {math.log(8):.5f} (nats: the natural log, averaged per token)")


@test_case(name="mean_nll: a random padded batch (B=3, T=6, V=11, pad_id 0)", points=1)
def public_random_batch(lm):
    gen = seed_all(481)
    logits, targets = padded_batch([6, 2, 4], 6, 11, 0, gen)
    got = as_float(lm.mean_nll(logits, targets, 0), "mean_nll")
    want = reference_nll(logits, targets, 0)
    assert abs(got - want) < 1e-4, (f"mean_nll returned {got:.5f}, expected {want:.5f} (the mean over the 12 "
                                    "non-pad targets of -log softmax(logits)[target], in nats)")
