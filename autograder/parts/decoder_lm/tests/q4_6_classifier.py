# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
from hw_support import leaderboard, thresholds

SENT_TEST_SEED = 7305126048123  # data/sentiment_test.txt was written from this seed; its labels never ship
FINETUNED_ACC_MIN = thresholds.of("decoder_lm")["FINETUNED_ACC_MIN"]  # calibrated (autograder/parts/decoder_lm/calibration/report.md)


def _test_labels():
    return [label for _, label in lm_data.sentiment_examples(lm_data.N_SENT_TEST, SENT_TEST_SEED)]


@test_case(name="fine-tuned classifier: accuracy on the hidden test labels above the calibrated threshold", points=3, hidden=True)
def hidden_finetuned_accuracy(submitted_files):
    got = read_predictions(find_submitted(submitted_files, "sentiment_predictions.txt"), lm_data.N_SENT_TEST)
    acc = sum(g == y for g, y in zip(got, _test_labels())) / lm_data.N_SENT_TEST
    leaderboard.record("Fine-tuned classifier: test accuracy (%)", 100 * acc)
    assert acc >= FINETUNED_ACC_MIN, f"the fine-tuned classifier's test accuracy is {acc:.3f}, below the threshold"
