"""One calibration mechanism for every part that has one (`python build.py calibrate PART`).

A part declares calibration by its folder `autograder/parts/<part>/calibration/`:

    calibrate.py    def calibrate(args, folder): rerun the reference experiment with the release's
                    defaults for args.seeds, then write report.json, report.md and reference_run/ into
                    `folder` (report.json's "thresholds" are derived from the runs there, with the
                    margin the report states); def check(build, report) -> (ok, message): what else
                    must agree (e.g. the reference run scores at least the thresholds)
    report.json     {"thresholds": {NAME: value}, ...the runs and their evidence}
    report.md       the evidence, for people
    reference_run/  the reference solution's result files, copied into solutions/ by the build

Tests never hold thresholds: the build writes every selected part's report thresholds to
`hw_support/thresholds.json` (release and autograder) and tests read them with
`hw_support.thresholds.of("<part>")`. `build.py verify` runs `check` of every selected part.
"""
import json
import os

from .parts import hidden_module

THRESHOLDS_FILE = "hw_support/thresholds.json"


def folder(part):
    return part.hidden("calibration")


def has_calibration(part):
    return os.path.exists(os.path.join(folder(part), "calibrate.py"))


def load(part):
    """The part's calibrate.py as a module."""
    return hidden_module(part.name, "calibration/calibrate.py")


def report(part):
    path = os.path.join(folder(part), "report.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_report(folder, report, markdown):
    """Write a calibration's report.json (`report`) and report.md (`markdown(report)`) into `folder`;
    returns the markdown text."""
    text = markdown(report)
    with open(os.path.join(folder, "report.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    with open(os.path.join(folder, "report.md"), "w", encoding="utf-8") as f:
        f.write(text)
    return text


def thresholds(assignment):
    """{part: {NAME: value}} of every selected calibrated part, from its report."""
    return {p.name: (report(p) or {}).get("thresholds", {}) for p in assignment.parts if has_calibration(p)}


def thresholds_file(assignment):
    """{path: bytes} of hw_support/thresholds.json (what hw_support.thresholds.of reads)."""
    return {THRESHOLDS_FILE: (json.dumps(thresholds(assignment), indent=2, sort_keys=True) + "\n").encode()}


def checker(part):
    """fn(build) -> (ok, message): the report exists with thresholds, and the part's own check passes."""
    def check(build):
        data = report(part)
        if data is None or not isinstance(data.get("thresholds"), dict) or not data["thresholds"]:
            return False, (f"no calibration report with thresholds in autograder/parts/{part.name}/calibration/"
                           f"report.json: run `python build.py calibrate {part.number}`")
        return load(part).check(build, data)
    return check


def calibrate(part, args):
    """`python build.py calibrate PART`: the part's calibrate(args, folder)."""
    if not has_calibration(part):
        raise SystemExit(f"calibrate: part {part.number} ({part.name}) has no "
                         f"autograder/parts/{part.name}/calibration/calibrate.py")
    return load(part).calibrate(args, folder(part))
