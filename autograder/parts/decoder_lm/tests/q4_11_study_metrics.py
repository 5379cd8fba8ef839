# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
from hw_support.lm_metrics_checks import ACC_AGREEMENT


@test_case(name="lm_metrics_main.json: the last dev accuracy agrees with lm_params.pt's top-1 accuracy", points=1, hidden=True)
def hidden_main_accuracy_agrees(submitted_files):
    metrics = read_metrics(submitted_files, lm_sizes.metrics_name(lm_sizes.MAIN))
    _, acc = nll_and_accuracy(load_submitted_lm(find_submitted(submitted_files, "lm_params.pt")), _dev_sentences())
    reported = metrics["epochs"][-1]["dev_acc"]
    assert abs(reported - acc) <= ACC_AGREEMENT, (
        f"lm_metrics_main.json reports a last dev accuracy of {reported:.4f}, not the accuracy of lm_params.pt")
