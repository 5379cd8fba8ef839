# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
from hw_support.checks import seed_all


@test_case(name="evaluate: batches of unequal sizes, strong dropout; a second call gives the same values", points=2, hidden=True)
def hidden_unequal_batches(finetune, finetune_support):
    seed_all(581)
    cfg, state, _, model, batches = _setup(finetune_support, 581, [6, 6, 3], dropout=0.5)
    loader = finetune_support.loader_of(batches)
    first = finetune.evaluate(model, loader)
    _check_result(first, cfg, state, batches, "batches of 6, 6 and 3")
    second = finetune.evaluate(model, loader)
    assert tuple(second) == tuple(first), "evaluate gave different values when called twice on the same model"


@test_case(name="evaluate: a model in evaluation mode and one batch of one example", points=1, hidden=True)
def hidden_one_example(finetune, finetune_support):
    seed_all(582)
    cfg, state, _, model, batches = _setup(finetune_support, 582, [1])
    model.eval()
    _check_result(finetune.evaluate(model, finetune_support.loader_of(batches)), cfg, state, batches, "one example")
