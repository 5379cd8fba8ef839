from otter.test_files import test_case
from hw_support import lm_data
from hw_support.lm_checks import find_submitted, read_predictions

OK_FORMAT = False
name = "q4_6_classifier"


@test_case(name="sentiment_predictions.txt: one label 0 or 1 per line of data/sentiment_test.txt (fine-tuned model)", points=1)
def public_finetuned_predictions(submitted_files):
    read_predictions(find_submitted(submitted_files, "sentiment_predictions.txt"), lm_data.N_SENT_TEST)


@test_case(name="sentiment_scratch_predictions.txt: the from-scratch classifier's labels, reported", points=1)
def public_scratch_predictions(submitted_files):
    read_predictions(find_submitted(submitted_files, "sentiment_scratch_predictions.txt"), lm_data.N_SENT_TEST)
