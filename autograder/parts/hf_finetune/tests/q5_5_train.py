# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
from hw_support.checks import seed_all


@test_case(name="train: the best validation accuracy in the middle of 5 epochs", points=2, hidden=True)
def hidden_best_in_the_middle(finetune, finetune_support):
    seed_all(591)
    _check_train(finetune, finetune_support, 542, [8, 8, 8, 8], 5, 0.01)  # best: epoch 2 of 5
