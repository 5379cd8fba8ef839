# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
from hw_support.checks import seed_all


@test_case(name="train_step: four SGD-with-momentum steps and two Adagrad steps (gradients never accumulated)", points=2, hidden=True)
def hidden_momentum_and_adagrad(finetune, finetune_support):
    seed_all(571)
    _run(finetune, finetune_support, 571, "SGD", 0.2, [3, 6, 2, 5], "SGD with momentum 0.9, 4 batches", momentum=0.9)
    _run(finetune, finetune_support, 572, "Adagrad", 0.05, [4, 4], "Adagrad, lr 0.05, 2 batches", eps=0.01)


@test_case(name="train_step: one example per batch, AdamW with weight decay, no stale gradients", points=1, hidden=True)
def hidden_batch_of_one(finetune, finetune_support):
    seed_all(573)
    _run(finetune, finetune_support, 573, "AdamW", 0.005, [1, 1, 2], "AdamW, batches of 1, 1 and 2",
         dirty_grads=False, eps=1e-3, weight_decay=0.1)
