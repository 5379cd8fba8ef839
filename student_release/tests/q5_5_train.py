from otter.test_files import test_case
import math
import torch
from hw_support import ft_checks
from hw_support.checks import seed_all

OK_FORMAT = False
name = "q5_5_train"
KEYS = ("train_loss", "train_accuracy", "validation_loss", "validation_accuracy")


def _flipped(batches):
    return [dict(b, labels=1 - b["labels"]) for b in batches]


def reference_run(seed, sizes, epochs, lr):
    """Per-epoch (state, validation accuracy) of AdamW over the fixed training batches; the validation set
    holds the same texts with the opposite labels, so its accuracy falls as training fits them."""
    cfg = ft_checks.tiny_config()
    state = ft_checks.random_state(cfg, seed)
    train = ft_checks.random_batches(seed, sizes, labels=lambda ids, g: (ids[:, 1] < 21).long())
    validation = _flipped(train)
    _, states = ft_checks.reference_steps(state, cfg, train * epochs, "AdamW", lr, eps=1e-3)
    ends = [states[(e + 1) * len(train) - 1] for e in range(epochs)]
    accs = [ft_checks.reference_evaluate(s, cfg, validation)[2] for s in ends]
    return cfg, state, train, validation, ends, accs


def _check_train(finetune, finetune_support, seed, sizes, epochs, lr):
    cfg, state, train, validation, ends, accs = reference_run(seed, sizes, epochs, lr)
    model = finetune_support.tiny_classifier(cfg, state)
    opt = finetune_support.optimizer_for(model, "AdamW", lr, eps=1e-3)
    loaders = (finetune_support.loader_of(train), finetune_support.loader_of(validation),
               finetune_support.loader_of(validation))
    got = finetune.train(model, loaders, opt, epochs)
    assert isinstance(got, (tuple, list)) and len(got) == 2, "train should return (history, best_state)"
    history, best_state = got
    assert isinstance(history, dict) and all(k in history for k in KEYS), (
        f"train's history should be a dict with the keys {list(KEYS)}")
    for k in KEYS:
        assert isinstance(history[k], (list, tuple)) and len(history[k]) == epochs and all(
            ft_checks.is_float(v) for v in history[k]), (
            f"history[{k!r}] should hold one Python float per epoch ({epochs} epochs)")
    got_accs = list(history["validation_accuracy"])
    assert all(abs(g - e) < 1e-6 for g, e in zip(got_accs, accs)), (
        f"history['validation_accuracy'] is {[round(a, 4) for a in got_accs]}, expected "
        f"{[round(a, 4) for a in accs]} (evaluate on loaders[1] after each epoch of train_step over loaders[0])")
    best = max(accs)
    final = finetune_support.state_of(model)
    diffs = [ft_checks.max_difference(final, s) for s in ends]
    closest = min(range(epochs), key=lambda e: diffs[e])
    assert diffs[closest] <= 2e-4, (
        "after train the model holds none of the epochs' states: train with train_step, one epoch = one pass "
        "over loaders[0], then load the best epoch's state back")
    assert accs[closest] == best, (
        f"after train the model holds the state of epoch {closest + 1} (validation accuracy {accs[closest]:.3f}); "
        f"expected the epoch with the best validation accuracy ({best:.3f}, epoch "
        f"{accs.index(best) + 1}): keep a copy of its state_dict (copy.deepcopy: state_dict() shares the live "
        "tensors) and load it back at the end")
    assert isinstance(best_state, dict) and ft_checks.max_difference(best_state, ends[closest]) <= 2e-4, (
        "the best_state returned by train is not the state the model holds at the end")


@test_case(name="train: history of 5 epochs; the best validation epoch's state restored and returned", points=3)
def public_best_epoch(finetune, finetune_support):
    seed_all(541)
    _check_train(finetune, finetune_support, 545, [8, 8, 8, 8], 5, 0.01)  # best: epoch 1 of 5
