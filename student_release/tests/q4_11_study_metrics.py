from otter.test_files import test_case
from hw_support import lm_data, lm_sizes
from hw_support.lm_checks import find_submitted, load_submitted_lm
from hw_support.lm_metrics_checks import (NLL_AGREEMENT, check_main_config, check_plausible, check_size,
                                          nll_and_accuracy, read_metrics)

OK_FORMAT = False
name = "q4_11_study_metrics"

# The study's files, written by `python train_lm.py --size <size>` (and lm_metrics_main.json by the
# default run): the autograder checks that they are there and plausible; the curves, samples and
# what they show are for your written answers.


def _dev_sentences():
    return lm_data.lm_sentences(lm_data.N_LM_DEV, lm_data.DATA_SEEDS["lm_dev"])  # = data/lm_dev.txt


def _all_sizes(submitted_files):
    """{size: metrics} of the four sizes; one message naming every file that is missing or unreadable."""
    out, problems = {}, []
    for size in lm_sizes.SIZES:
        try:
            out[size] = read_metrics(submitted_files, lm_sizes.metrics_name(size))
        except AssertionError as e:
            problems.append(str(e).splitlines()[0])
    assert not problems, "\n".join(problems)
    return out


@test_case(name="lm_metrics_<size>.json of tiny, small, medium and large: submitted and readable", points=1)
def public_study_files(submitted_files):
    _all_sizes(submitted_files)


@test_case(name="study: each size's config has a parameter count in its range (< 100 k, ~ 500 k, ~ 5 M, > 10 M)", points=1)
def public_study_sizes(submitted_files):
    for size, metrics in _all_sizes(submitted_files).items():
        check_size(metrics, size)


@test_case(name="study: dev NLL finite and decreasing, accuracy in [0, 1], at least two evaluations per size", points=1)
def public_study_plausible(submitted_files):
    for metrics in _all_sizes(submitted_files).values():
        check_plausible(metrics)


@test_case(name="lm_metrics_main.json: the last dev NLL agrees with lm_params.pt's on data/lm_dev.txt", points=2)
def public_main_agrees(submitted_files):
    metrics = read_metrics(submitted_files, lm_sizes.metrics_name(lm_sizes.MAIN))
    check_main_config(metrics, submitted_files)
    nll, _ = nll_and_accuracy(load_submitted_lm(find_submitted(submitted_files, "lm_params.pt")), _dev_sentences())
    reported = metrics["epochs"][-1]["dev_nll"]
    assert abs(reported - nll) <= NLL_AGREEMENT, (
        f"lm_metrics_main.json reports a last dev NLL of {reported:.4f}, but lm_params.pt's is {nll:.4f}: submit the "
        "files of one run of train_lm.py, and check mean_nll (nats, mean over the non-pad tokens)")
