"""Run the public tests on your own machine: `python check.py [MODULE or QUESTION ...]`.

Uses the same tests and the same module loading as the autograder, calls your functions directly,
prints one row per test and exits non-zero when a test fails.
"""
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RELEASE = os.path.dirname(HERE)


def _manifest():
    with open(os.path.join(HERE, "assignment.json")) as f:
        return json.load(f)


def _short(message, hidden_lines=("Error at line",)):
    """otter's failure message without the header lines, indented for the table."""
    lines = [l for l in message.split("\n")[1:] if l.strip()]
    return "\n".join("      " + l for l in lines)


def run(selection=(), directory=RELEASE, out=sys.stdout):
    """Run the public tests; returns the number of failed tests (0 when all passed)."""
    from otter.test_files import ExceptionTestFile
    from hw_support.loader import import_errors, load_student_modules

    manifest = _manifest()
    env = load_student_modules(manifest["modules"], directory)
    env["submitted_files"] = {os.path.basename(p): p for pattern in manifest.get("submission_files", [])
                              for p in sorted(glob.glob(os.path.join(directory, pattern)))}
    for name, err in import_errors(env).items():
        print(f"!! {name}.py failed to import; its tests will fail:\n{err}\n", file=out)
    failed = total = 0
    for path in sorted(glob.glob(os.path.join(directory, "tests", "*.py"))):
        tf = ExceptionTestFile.from_file(path)
        modules = {p for tc in tf.test_cases for p in tc.body._get_func_params()}
        if selection and tf.name not in selection and not modules & set(selection):
            continue
        tf.run(env)
        for r in tf.test_case_results:
            total += 1
            failed += not r.passed
            print(f"{'PASS' if r.passed else 'FAIL'}  {tf.name:<28} {r.test_case.name}", file=out)
            if not r.passed:
                print(_short(r.message), file=out)
    if total == 0:
        print(f"No public test matches {' '.join(selection)}. Modules: {', '.join(manifest['modules'])}", file=out)
        return 1
    print(f"\n{total - failed} passed, {failed} failed", file=out)
    return failed


def main(argv=None):
    sys.path.insert(0, RELEASE)
    failed = run(tuple(sys.argv[1:] if argv is None else argv))
    sys.exit(1 if failed else 0)
