# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
import torch
from hw_support.checks import assert_unchanged, seed_all


@test_case(name="next_token_accuracy: random batches, lengths and pad ids", points=2, hidden=True)
def hidden_random_batches(lm):
    gen = seed_all(472)
    for B, T, V, pad_id in [(1, 5, 6, 0), (6, 9, 20, 0), (3, 4, 7, 5), (8, 12, 30, 29), (2, 15, 60, 1)]:
        lengths = torch.randint(1, T + 1, (B,), generator=gen).tolist()
        lengths[0] = max(1, T - 2)  # some padding, never all of it
        logits, targets = padded_batch(lengths, T, V, pad_id, gen)
        got = as_float(lm.next_token_accuracy(logits, targets, pad_id), "next_token_accuracy")
        want = reference_accuracy(logits, targets, pad_id)
        assert abs(got - want) < 1e-6, (f"next_token_accuracy on a batch (B={B}, T={T}, V={V}, pad_id={pad_id}, "
                                        f"lengths {lengths}) is wrong")


@test_case(name="next_token_accuracy: all right, all wrong, no padding, inputs unchanged", points=1, hidden=True)
def hidden_edge_cases(lm):
    gen = seed_all(473)
    logits, targets = padded_batch([6, 6], 6, 8, 0, gen)
    best = logits.argmax(-1)
    saved = (logits.clone(), best.clone())
    right = as_float(lm.next_token_accuracy(logits, best, 0 if int(best.min()) > 0 else 99), "next_token_accuracy")
    assert abs(right - 1.0) < 1e-9, f"next_token_accuracy with targets = the argmax returned {right}, expected 1.0"
    assert_unchanged(saved[0], logits, "logits")
    assert_unchanged(saved[1], best, "targets")
    wrong = (best + 1) % 8
    wrong[wrong == 0] = 1 + (best[wrong == 0] + 2) % 7
    got = as_float(lm.next_token_accuracy(logits, wrong, 0), "next_token_accuracy")
    assert abs(got) < 1e-9, f"next_token_accuracy with no target equal to the argmax returned {got}, expected 0.0"
