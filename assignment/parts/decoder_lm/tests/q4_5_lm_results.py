from otter.test_files import test_case
import os
from hw_support import lm_data
from hw_support.lm_checks import find_submitted, load_submitted_lm, perplexity
from hw_support import thresholds

OK_FORMAT = False
name = "q4_5_lm_results"

# Calibrated with the release defaults of train_lm.py (autograder's calibration report, Part 4):
# the largest dev perplexity over the calibration runs, plus a margin.
DEV_PPL_MAX = thresholds.of("decoder_lm")["DEV_PPL_MAX"]


def _dev_sentences():
    return lm_data.lm_sentences(lm_data.N_LM_DEV, lm_data.DATA_SEEDS["lm_dev"])  # = data/lm_dev.txt


@test_case(name="lm_params.pt: the language model saved by train_lm.py loads, with the data's vocabulary", points=1)
def public_lm_loads(submitted_files):
    load_submitted_lm(find_submitted(submitted_files, "lm_params.pt"))


@test_case(name=f"language model: perplexity on data/lm_dev.txt at most {DEV_PPL_MAX}", points=2)
def public_dev_perplexity(submitted_files):
    model = load_submitted_lm(find_submitted(submitted_files, "lm_params.pt"))
    ppl = perplexity(model, _dev_sentences())
    assert ppl <= DEV_PPL_MAX, (f"the dev perplexity of lm_params.pt is {ppl:.3f}, above {DEV_PPL_MAX} "
                                "(train with train_lm.py's defaults, after your block passes its tests)")
