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
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "files"))  # hw_support, as the test files see it

import entry  # noqa: E402
import isolation  # noqa: E402
import results  # noqa: E402
import results_md  # noqa: E402
import settings  # noqa: E402
import submission  # noqa: E402
from hw_support import otter_adapter  # noqa: E402
from sandbox.launch import MALLOC_ENV, IsolationError, kill_descendants  # noqa: E402


class GradingTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise GradingTimeout()


def load_config(source):
    return settings.load(os.path.join(source, "harness", "grading.json"))


def load_test_files(source):
    """[(question, [case], modules it uses)] in otter's order, from the build's harness/tests.json, for the
    test files present in source/tests. Cases have otter's TestCase fields (name, points, hidden,
    success_message, failure_message). The test files themselves run only in otter's kernel: reading
    them here would import torch into this process too."""
    with open(os.path.join(source, "harness", "tests.json"), encoding="utf-8") as f:
        manifest = {q["name"]: q for q in json.load(f)}
    out = []
    for path in sorted(glob.glob(os.path.join(source, "tests", "*.py"))):
        q = manifest[os.path.basename(path)[:-3]]
        out.append((q["name"], [types.SimpleNamespace(**c) for c in q["cases"]], set(q["modules"])))
    return out


ISOLATION_FAILED = ("**Grading stopped: the grader's sandbox could not be set up**, so none of your code was run "
                    "and nothing was graded. This is a problem of the grading machine, not of your submission; "
                    "your instructors have been told why:\n\n")


def main(autograder_dir="/autograder", local=False):
    start = time.time()
    # otter's kernel inherits these: glibc's memory settings (sandbox/launch.py) and one OpenMP thread,
    # whatever the host's core count (Gradescope's container has half a CPU; every thread costs memory)
    os.environ.update(MALLOC_ENV, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    for stream in (sys.stdout, sys.stderr):  # student text in a traceback must not crash a print
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    autograder_dir = os.path.abspath(autograder_dir)
    source = os.path.join(autograder_dir, "source")
    sub_dir = os.path.join(autograder_dir, "submission")
    results_dir = os.path.join(autograder_dir, "results")
    os.makedirs(results_dir, exist_ok=True)
    config = load_config(source)
    modules = config.modules + config.given_modules  # all loaded as the student's; given ones from the zip
    report, test_files, problem, isolation_failed, state = {}, [], None, None, None
    progress = os.path.join(results_dir, entry.PROGRESS)
    sandboxed = config.sandbox.enabled
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(int(config.total_time_limit))
    try:
        test_files = load_test_files(source)
        report = submission.prepare(sub_dir, config.modules, os.path.join(source, "harness", "stubs"),
                                    config.submission_files, given=config.given_modules)
        progress = entry.write(sub_dir, modules, submission.CODE_DIR, HERE, results_dir, sandboxed)
        if sandboxed:
            _copy_support(source, sub_dir)
            packages = {"sandbox": os.path.join(HERE, "sandbox"),
                        "hw_support": os.path.join(source, "files", "hw_support")}
            state = isolation.new_state()
            log = isolation.prepare(state, autograder_dir, sub_dir, modules, submission.CODE_DIR,
                                    config.sandbox, packages)
            print("\n".join(log), flush=True)
        from otter.run.run_autograder import main as otter_main

        otter_adapter.disable_log_server()
        try:
            otter_main(autograder_dir, otter_run=local)
        except GradingTimeout:
            kill_descendants(os.getpid())  # otter's kernel, still running tests
            problem = f"grading ran past its total limit of {config.total_time_limit} s\n"
        except BaseException:
            problem = _after_otter(traceback.format_exc(), test_files, progress)
        if os.path.exists(os.path.join(sub_dir, "isolation_error.txt")):
            with open(os.path.join(sub_dir, "isolation_error.txt")) as f:
                isolation_failed = f.read()
    except IsolationError as exc:
        isolation_failed = str(exc)
    except BaseException:
        problem = (problem or "") + traceback.format_exc()
    finally:
        signal.alarm(0)
        try:
            if state is not None:
                print("\n".join(isolation.cleanup(state)), flush=True)
        except Exception:
            problem = (problem or "") + traceback.format_exc()
        if isolation_failed:
            problem = (problem or "") + "ISOLATION FAILED: " + isolation_failed
        if problem:
            print("GRADING PROBLEM (instructors only):\n" + problem, flush=True)
        try:
            outcomes = {} if isolation_failed else otter_adapter.read_progress(progress)
            import_errors = _read_json(os.path.join(sub_dir, "import_errors.json"))
            summary = results_md.summary_sections(report, import_errors, config.manual_questions)
            notice = ""
            if isolation_failed:
                notice, summary = ISOLATION_FAILED + results_md.md_code_block(isolation_failed[:3000]), []
            elif problem:
                notice = ("**The grader could not finish running your code** (for example it exited, "
                          "crashed the Python process or ran out of time or memory). Tests that did not run "
                          "score 0. Run `python check.py` locally to find the cause.")
            board = [] if isolation_failed else results.leaderboard_entries(
                os.path.join(results_dir, entry.LEADERBOARD), config.leaderboard)
            output = results.build(test_files, outcomes, config, summary, notice, board)
        except Exception:  # results.write still leaves a valid (minimal) document
            print("GRADING PROBLEM (instructors only):\n" + traceback.format_exc(), flush=True)
            output = {"score": 0, "output": "The grader could not summarise its results.", "tests": []}
        output["execution_time"] = round(time.time() - start, 2)
        output = results.write(output, results_dir)
    return output


def _after_otter(error, test_files, progress):
    """otter failed: a problem unless every test had already run (its own summary can choke on
    student text after grading), in which case the instructors' log says so and the results stand."""
    done = otter_adapter.read_progress(progress)
    if all((q, c.name) in done for q, cases, _ in test_files for c in cases):
        print("otter failed after every test had run; the results stand (instructors only):\n" + error, flush=True)
        return None
    return error


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
