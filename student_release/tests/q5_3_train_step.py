from otter.test_files import test_case
import torch
from hw_support import ft_checks
from hw_support.checks import seed_all

OK_FORMAT = False
name = "q5_3_train_step"


def _setup(finetune_support, seed, optimizer, lr, dirty_grads=True, **kwargs):
    """A small RoBERTa classifier (no dropout) in the sandbox, its optimizer, and the same weights here."""
    cfg = ft_checks.tiny_config()
    state = ft_checks.random_state(cfg, seed)
    model = finetune_support.tiny_classifier(cfg, state)
    model.eval()  # train_step must switch to training mode itself
    if dirty_grads:  # stale gradients from some earlier backward pass: train_step must not add to them
        g = torch.Generator().manual_seed(seed + 1)
        finetune_support.fill_grads(model, {k: torch.randn(v.shape, generator=g) for k, v in state.items()})
    opt = finetune_support.optimizer_for(model, optimizer, lr, **kwargs)
    return cfg, state, model, opt


def _run(finetune, finetune_support, seed, optimizer, lr, sizes, what, dirty_grads=True, **kwargs):
    cfg, state, model, opt = _setup(finetune_support, seed, optimizer, lr, dirty_grads, **kwargs)
    batches = ft_checks.random_batches(seed, sizes)
    losses, states = ft_checks.reference_steps(state, cfg, batches, optimizer, lr, **kwargs)
    for i, batch in enumerate(batches):
        loss = finetune.train_step(model, batch, opt)
        assert ft_checks.is_float(loss), (
            f"train_step should return the loss as a Python float (loss.item()), got {type(loss).__name__}")
        assert abs(loss - losses[i]) <= 1e-4 * max(1.0, abs(losses[i])), (
            f"train_step ({what}), step {i + 1}: returned loss {loss:.6f}, expected {losses[i]:.6f} (the batch's "
            "cross-entropy before the step)")
        diff = ft_checks.max_difference(finetune_support.state_of(model), states[i])
        assert diff <= 2e-4, (
            f"train_step ({what}), step {i + 1}: the parameters differ from one reference optimizer step by up to "
            f"{diff:.2e}. One step is: optimizer.zero_grad(), forward, loss.backward(), optimizer.step() "
            "(gradients zeroed before the backward pass, never accumulated, and stepped after it)")
    return model


@test_case(name="train_step: one SGD step on a small RoBERTa classifier equals the reference step (loss, parameters)", points=2)
def public_one_sgd_step(finetune, finetune_support):
    seed_all(521)
    _run(finetune, finetune_support, 521, "SGD", 0.5, [6], "SGD, lr 0.5, one batch of 6")


@test_case(name="train_step: three AdamW steps in a row, stale gradients present before the first", points=2)
def public_three_adamw_steps(finetune, finetune_support):
    seed_all(522)
    _run(finetune, finetune_support, 522, "AdamW", 0.01, [4, 5, 3], "AdamW, lr 0.01, 3 batches",
         eps=1e-3, weight_decay=0.01)


@test_case(name="train_step: the forward pass runs in training mode with gradients on", points=1)
def public_training_mode(finetune, finetune_support):
    seed_all(523)
    _, _, model, opt = _setup(finetune_support, 523, "SGD", 0.1, dirty_grads=False)
    finetune.train_step(model, ft_checks.random_batches(523, [4])[0], opt)
    calls = finetune_support.probe(model)
    assert calls, "train_step did not call the model"
    assert all(training for _, training in calls), (
        "train_step ran the model in evaluation mode: call model.train() first (dropout is on while training)")
    assert all(grad for grad, _ in calls), "train_step ran the forward pass with gradients disabled"
