"""Calibrated thresholds, as the build wrote them from each part's calibration report.

`of("decoder_lm")` -> {NAME: value} from thresholds.json beside this file (hwbuild/calibration.py
writes it from autograder/parts/<part>/calibration/report.json; nobody edits it or copies the values).
"""
from hw_support.per_part import PerPartFile

_FILE = PerPartFile("thresholds.json", "thresholds")
use, of = _FILE.use, _FILE.of
