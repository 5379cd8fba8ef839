# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
from hw_support import ft_checks
from hw_support.checks import seed_all


def _rows(batch):
    """The unpadded token ids of each row of a batch, with its label."""
    return [(tuple(ids[m.bool()].tolist()), int(y)) for ids, m, y in
            zip(batch["input_ids"], batch["attention_mask"], batch["labels"])]


@test_case(name="make_dataloaders: every training example once per epoch, batch sizes and max_length passed on", points=2, hidden=True)
def hidden_train_loader(finetune, finetune_support):
    seed_all(561)
    splits = _splits(23, 9, 5, 561)
    train, validation, test = _loaders(finetune, finetune_support, splits, 5, 7)
    batches = finetune_support.loader_batches(train)
    assert [len(b["labels"]) for b in batches] == [5, 5, 5, 5, 3], (
        "the training loader should give batches of 5, 5, 5, 5 and 3 examples for 23 examples and batch_size=5")
    got = sorted(r for b in batches for r in _rows(b))
    expected = sorted(r for i in range(0, 23, 5) for r in _rows(ft_checks.expected_batch(splits["train"][i:i + 5], 7)))
    assert got == expected, ("the training loader's batches are not collate_fn(batch, tokenizer, max_length) of "
                             "the training examples (each once per epoch; max_length passed on)")
    _check_in_order(finetune_support, validation, splits["validation"], 5, 7, "validation")
    _check_in_order(finetune_support, test, splits["test"], 5, 7, "test")


@test_case(name="make_dataloaders: batch size 1 and a batch size larger than the split", points=1, hidden=True)
def hidden_sizes(finetune, finetune_support):
    seed_all(562)
    splits = _splits(6, 4, 3, 562)
    _, validation, test = _loaders(finetune, finetune_support, splits, 1, 48)
    _check_in_order(finetune_support, validation, splits["validation"], 1, 48, "validation")
    _, validation, test = _loaders(finetune, finetune_support, splits, 8, 48)
    _check_in_order(finetune_support, test, splits["test"], 8, 48, "test")
