"""The grading harness: normalise the submission, let otter grade it, write results.json.

Gradescope runs `source/run_otter.py`, which calls `main("/autograder")`; `python build.py grade`
runs the same file on a Gradescope layout in a temporary directory. results.json is always
written: a crash anywhere still gives every test a score of 0 and a message the student can act on,
and the details go to stdout, which only instructors see.
"""
import glob
import json
import os
import shutil
import signal
import sys
import time
import traceback

import dill

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import isolation  # noqa: E402
import results  # noqa: E402
import submission  # noqa: E402


class GradingTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise GradingTimeout()


def load_config(source):
    with open(os.path.join(source, "harness", "grading.json")) as f:
        return json.load(f)


def load_test_files(source, modules):
    """[(question, [TestCase], modules it uses)] from the autograder's test files, in otter's order."""
    sys.path.insert(0, os.path.join(source, "files"))  # hw_support, imported by the test files
    from otter.test_files import ExceptionTestFile

    out = []
    for path in sorted(glob.glob(os.path.join(source, "tests", "*.py"))):
        tf = ExceptionTestFile.from_file(path)
        used = set()
        for tc in tf.test_cases:
            used |= set(tc.body._get_func_params()) & (set(modules) | {"submitted_files"})
        out.append((tf.name, tf.test_cases, used))
    return out


def read_outcomes(results_pkl):
    """{(question, case name): (passed, message)} from otter's pickled GradingResults."""
    with open(results_pkl, "rb") as f:
        graded = dill.load(f)
    if graded._catastrophic_error is not None:
        raise RuntimeError(f"otter could not read the results: {graded._catastrophic_error!r}")
    return {(q, r.test_case.name): (r.passed, r.message)
            for q, tf in graded.results.items() for r in tf.test_case_results}


def main(autograder_dir="/autograder", local=False):
    start = time.time()
    for stream in (sys.stdout, sys.stderr):  # student text in a traceback must not crash a print
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    autograder_dir = os.path.abspath(autograder_dir)
    source = os.path.join(autograder_dir, "source")
    sub_dir = os.path.join(autograder_dir, "submission")
    results_dir = os.path.join(autograder_dir, "results")
    os.makedirs(results_dir, exist_ok=True)
    config = load_config(source)
    modules = config["modules"]
    report, test_files, outcomes, problem, box = {}, [], {}, None, None
    sandboxed = bool(config.get("sandbox", {}).get("enabled"))
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(int(config.get("total_time_limit", 540)))
    try:
        test_files = load_test_files(source, modules)
        report = submission.prepare(sub_dir, modules, os.path.join(source, "harness", "stubs"), sandboxed,
                                    config.get("submission_files", []))
        if sandboxed:
            _copy_support(source, sub_dir)
            box, log = isolation.prepare(autograder_dir, sub_dir, modules, submission.CODE_DIR, config["sandbox"])
            print("\n".join(log), flush=True)
        from otter.run.run_autograder import main as otter_main

        otter_error = None
        try:
            otter_main(autograder_dir, otter_run=local)
        except GradingTimeout:
            problem = f"grading ran past its total limit of {config.get('total_time_limit', 540)} s\n"
        except BaseException:
            otter_error = traceback.format_exc()
        pkl = os.path.join(results_dir, "results.pkl")
        if os.path.exists(pkl):  # otter writes it once every test has run
            try:
                outcomes = read_outcomes(pkl)
            except Exception:
                problem = (problem or "") + (otter_error or "") + traceback.format_exc()
            else:  # otter's own summary (its results.json, its table) can choke on student text
                if otter_error:
                    print("otter failed after grading; its results.pkl is used (instructors only):\n"
                          + otter_error, flush=True)
        else:
            problem = problem or otter_error or "otter wrote no results.pkl"
    except BaseException:
        problem = (problem or "") + traceback.format_exc()
    finally:
        signal.alarm(0)
        try:
            if box is not None:
                isolation.cleanup(box)
        except Exception:
            problem = (problem or "") + traceback.format_exc()
        if problem:
            print("GRADING PROBLEM (instructors only):\n" + problem, flush=True)
        try:
            import_errors = _read_json(os.path.join(sub_dir, "import_errors.json"))
            overall = results.summary_markdown(report, import_errors, config.get("manual_questions", []))
            if problem:
                overall += ("\n\n**The grader could not finish running your code** (for example it exited, "
                            "crashed the Python process or ran out of time or memory). Tests that did not run "
                            "score 0. Run `python check.py` locally to find the cause.")
            output = results.build(test_files, outcomes, config, overall)
        except Exception:  # results.write still leaves a valid (minimal) document
            print("GRADING PROBLEM (instructors only):\n" + traceback.format_exc(), flush=True)
            output = {"score": 0, "output": "The grader could not summarise its results.", "tests": []}
        output["execution_time"] = round(time.time() - start, 2)
        output = results.write(output, results_dir)
    return output


def _copy_support(source, sub_dir):
    """otter copies source/files into the submission later; the worker's directory needs hw_support now."""
    dest = os.path.join(sub_dir, "hw_support")
    if not os.path.exists(dest):
        shutil.copytree(os.path.join(source, "files", "hw_support"), dest)


def _read_json(path):
    try:
        with open(path) as f:
            data = json.load(f)
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}
