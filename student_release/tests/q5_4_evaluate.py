from otter.test_files import test_case
import torch
from hw_support import ft_checks
from hw_support.checks import seed_all

OK_FORMAT = False
name = "q5_4_evaluate"


def _setup(finetune_support, seed, sizes, dropout=0.3):
    """A small classifier with dropout, in training mode, with stale gradients; its loader of `sizes`."""
    cfg = ft_checks.tiny_config(hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout)
    state = ft_checks.random_state(cfg, seed)
    model = finetune_support.tiny_classifier(cfg, state)
    model.train()
    g = torch.Generator().manual_seed(seed + 1)
    grads = {k: torch.randn(v.shape, generator=g) for k, v in state.items()}
    finetune_support.fill_grads(model, grads)
    batches = ft_checks.random_batches(seed, sizes)
    return cfg, state, grads, model, batches


def _check_result(got, cfg, state, batches, what):
    assert isinstance(got, (tuple, list)) and len(got) == 2, "evaluate should return (mean_loss, accuracy)"
    loss, acc = got
    assert ft_checks.is_float(loss) and ft_checks.is_float(acc), (
        f"evaluate should return two Python floats, got ({type(loss).__name__}, {type(acc).__name__}): use .item()")
    per_example, per_batch, expected_acc = ft_checks.reference_evaluate(state, cfg, batches)
    assert abs(acc - expected_acc) < 1e-6, (
        f"evaluate on {what}: accuracy {acc:.4f}, expected {expected_acc:.4f} (argmax of the logits vs labels, "
        "over all examples, in evaluation mode: no dropout)")
    assert min(abs(loss - per_example), abs(loss - per_batch)) <= 1e-4 * max(1.0, per_example), (
        f"evaluate on {what}: mean loss {loss:.5f}, expected {per_example:.5f} (the cross-entropy averaged over the "
        "examples, in evaluation mode: no dropout)")


@test_case(name="evaluate: (mean loss, accuracy) of a small classifier with dropout equal the no-dropout reference", points=2)
def public_values(finetune, finetune_support):
    seed_all(531)
    cfg, state, _, model, batches = _setup(finetune_support, 531, [4, 4, 4])
    loader = finetune_support.loader_of(batches)
    _check_result(finetune.evaluate(model, loader), cfg, state, batches, "3 batches of 4")


@test_case(name="evaluate: no autograd graph, parameters and gradients unchanged", points=2)
def public_no_side_effects(finetune, finetune_support):
    seed_all(532)
    cfg, state, grads, model, batches = _setup(finetune_support, 532, [5, 5])
    before = finetune_support.state_of(model)
    finetune.evaluate(model, finetune_support.loader_of(batches))
    calls = finetune_support.probe(model)
    assert calls, "evaluate did not call the model"
    assert not any(grad for grad, _ in calls), (
        "evaluate ran the model with gradients enabled: wrap the loop in `with torch.no_grad():` "
        "(no autograd graph, less memory, faster)")
    assert not any(training for _, training in calls), (
        "evaluate ran the model in training mode: call model.eval() first (dropout off)")
    diff = ft_checks.max_difference(finetune_support.state_of(model), before)
    assert diff == 0, f"evaluate changed the model's parameters (by up to {diff:.2e}): it must only measure"
    after = finetune_support.grads_of(model)
    changed = [k for k, g in grads.items() if after.get(k) is None or not torch.equal(after[k], g)]
    assert not changed, (f"evaluate changed or cleared the parameters' gradients ({changed[0]}, ...): "
                         "no backward pass, no zero_grad, in evaluation")
