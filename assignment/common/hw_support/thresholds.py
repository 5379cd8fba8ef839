"""Calibrated thresholds, as the build wrote them from each part's calibration report.

`of("decoder_lm")` -> {NAME: value} from thresholds.json beside this file (hwbuild/calibration.py
writes it from autograder/parts/<part>/calibration/report.json; nobody edits it or copies the values).
"""
import json
import os

_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "thresholds.json")
_loaded = {}  # what the build set with use(), or the file once read


def use(data):
    """Take thresholds from `data` ({part: {NAME: value}}) instead of the file (the build, which runs the
    test files before it writes the file)."""
    _loaded.clear()
    _loaded["data"] = data


def of(part):
    """The thresholds of `part` (its folder name); KeyError naming the file when it has none."""
    if "data" not in _loaded:
        with open(_FILE, encoding="utf-8") as f:
            _loaded["data"] = json.load(f)
    data = _loaded["data"]
    if part not in data:
        raise KeyError(f"{_FILE} has no thresholds for part '{part}' (parts: {', '.join(sorted(data))})")
    return data[part]
