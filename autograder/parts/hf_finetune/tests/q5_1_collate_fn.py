# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
from hw_support import ft_checks
from hw_support.checks import seed_all


@test_case(name="collate_fn: random reviews, batch sizes 1-16, max_length 5-48, unknown labels (-1)", points=2, hidden=True)
def hidden_random_batches(finetune, finetune_support):
    seed_all(551)
    tokenizer = _tokenizer(finetune_support)
    for i, (B, max_length) in enumerate([(1, 48), (5, 6), (16, 48), (7, 12), (3, 5)]):
        examples = ft_checks.examples(B, 551 + i, low=1, high=20)
        if i == 3:
            examples = [dict(ex, label=-1) for ex in examples]
        _check(finetune, tokenizer, examples, max_length, f"a batch of {B} with max_length={max_length}", show=False)


@test_case(name="collate_fn: texts of equal length (no padding), every text longer than max_length", points=1, hidden=True)
def hidden_edge_cases(finetune, finetune_support):
    seed_all(552)
    tokenizer = _tokenizer(finetune_support)
    same = [{"text": "the movie was good .", "label": 1}, {"text": "the film was bad .", "label": 0}]
    _check(finetune, tokenizer, same, 48, "two texts of the same length", show=False)
    long = ft_checks.examples(4, 552, low=15, high=20)
    _check(finetune, tokenizer, long, 10, "4 long texts with max_length=10", show=False)
