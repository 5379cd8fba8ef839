from otter.test_files import test_case
import torch
from hw_support import ft_checks
from hw_support.checks import seed_all

OK_FORMAT = False
name = "q5_2_make_dataloaders"


def _splits(n_train, n_validation, n_test, seed):
    test = [dict(ex, label=-1) for ex in ft_checks.examples(n_test, seed + 2)]
    return {"train": ft_checks.examples(n_train, seed), "validation": ft_checks.examples(n_validation, seed + 1),
            "test": test}


def _loaders(finetune, finetune_support, splits, batch_size, max_length):
    tokenizer = finetune_support.tokenizer_from_json(ft_checks.tokenizer_json())
    got = finetune.make_dataloaders(splits, tokenizer, batch_size, max_length)
    assert isinstance(got, (tuple, list)) and len(got) == 3, (
        "make_dataloaders should return (train_loader, validation_loader, test_loader)")
    return got


def _check_in_order(finetune_support, loader, examples, batch_size, max_length, what):
    batches = finetune_support.loader_batches(loader)
    n = len(examples)
    assert len(batches) == -(-n // batch_size), (
        f"the {what} loader gave {len(batches)} batches for {n} examples and batch_size={batch_size}; "
        f"expected {-(-n // batch_size)} (every example once, the last batch smaller: drop_last=False)")
    for i, got in enumerate(batches):
        chunk = examples[i * batch_size:(i + 1) * batch_size]
        expected = ft_checks.expected_batch(chunk, max_length)
        assert isinstance(got, dict) and all(
            isinstance(got.get(k), torch.Tensor) and torch.equal(got[k], e) for k, e in expected.items()), (
            f"batch {i} of the {what} loader is not collate_fn of examples {i * batch_size}.."
            f"{i * batch_size + len(chunk) - 1} in order (the {what} loader must not shuffle, and must batch "
            "with collate_fn(batch, tokenizer, max_length))")


@test_case(name="make_dataloaders: batch sizes; validation and test loaders in order, batched by collate_fn", points=2)
def public_order_and_batches(finetune, finetune_support):
    seed_all(511)
    splits = _splits(12, 10, 7, 511)
    train, validation, test = _loaders(finetune, finetune_support, splits, 4, 16)
    for what, loader in (("train", train), ("validation", validation), ("test", test)):
        info = finetune_support.loader_info(loader)
        assert info["batch_size"] == 4, f"the {what} loader has batch_size {info['batch_size']}, expected 4"
    _check_in_order(finetune_support, validation, splits["validation"], 4, 16, "validation")
    _check_in_order(finetune_support, test, splits["test"], 4, 16, "test")


@test_case(name="make_dataloaders: only the training loader shuffles", points=1)
def public_shuffling(finetune, finetune_support):
    seed_all(512)
    splits = _splits(12, 10, 7, 512)
    loaders = _loaders(finetune, finetune_support, splits, 4, 16)
    samplers = [finetune_support.loader_info(l)["sampler"] for l in loaders]
    assert samplers[0] == "RandomSampler", (
        f"the training loader's sampler is {samplers[0]}: shuffle the training data (shuffle=True)")
    for what, s in zip(("validation", "test"), samplers[1:]):
        assert s == "SequentialSampler", (
            f"the {what} loader's sampler is {s}: do not shuffle it (its predictions must stay in order)")
