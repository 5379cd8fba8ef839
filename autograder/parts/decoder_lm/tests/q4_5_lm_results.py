# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
from hw_support import leaderboard, thresholds

LM_TEST_SEED = 918273645519  # held-out sentences of the same grammar, never released
N_LM_TEST = 1000
TEST_PPL_MAX = thresholds.of("decoder_lm")["TEST_PPL_MAX"]  # calibrated (autograder/parts/decoder_lm/calibration/report.md)


@test_case(name="language model: perplexity on held-out test sentences below the calibrated threshold", points=2, hidden=True)
def hidden_test_perplexity(submitted_files):
    model = load_submitted_lm(find_submitted(submitted_files, "lm_params.pt"))
    ppl = perplexity(model, lm_data.lm_sentences(N_LM_TEST, LM_TEST_SEED))
    leaderboard.record("Language model: test perplexity", ppl)
    assert ppl <= TEST_PPL_MAX, f"the test perplexity of lm_params.pt is {ppl:.3f}, above the threshold"
