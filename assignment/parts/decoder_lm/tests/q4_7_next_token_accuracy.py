from otter.test_files import test_case
import torch
from hw_support.checks import seed_all
from hw_support.lm_study_checks import as_float, padded_batch, reference_accuracy

OK_FORMAT = False
name = "q4_7_next_token_accuracy"


@test_case(name="next_token_accuracy: 2 sentences of 3 and 2 tokens, pad_id 0 (worked example: 3 of 5 right)", points=1)
def public_worked_example(lm):
    # argmax per position: row 0 -> 2, 3, 1, (pad) ; row 1 -> 4, 0, (pad), (pad)
    logits = torch.full((2, 4, 5), -1.0)
    for (b, t), tok in {(0, 0): 2, (0, 1): 3, (0, 2): 1, (0, 3): 0, (1, 0): 4, (1, 1): 0, (1, 2): 3, (1, 3): 2}.items():
        logits[b, t, tok] = 2.0
    targets = torch.tensor([[2, 3, 4, 0], [4, 1, 0, 0]])  # right: (0,0), (0,1), (1,0); wrong: (0,2), (1,1)
    got = as_float(lm.next_token_accuracy(logits, targets, 0), "next_token_accuracy")
    assert abs(got - 0.6) < 1e-6, (f"next_token_accuracy on the worked example returned {got:.4f}, expected 0.6 "
                                   "(3 right of the 5 targets that are not pad_id; pad positions do not count)")


@test_case(name="next_token_accuracy: a random padded batch (B=4, T=7, V=9, pad_id 0)", points=1)
def public_random_batch(lm):
    gen = seed_all(471)
    logits, targets = padded_batch([7, 3, 5, 1], 7, 9, 0, gen)
    got = as_float(lm.next_token_accuracy(logits, targets, 0), "next_token_accuracy")
    want = reference_accuracy(logits, targets, 0)
    assert abs(got - want) < 1e-6, f"next_token_accuracy returned {got:.4f}, expected {want:.4f}"
