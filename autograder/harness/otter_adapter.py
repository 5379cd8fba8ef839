"""Everything that touches otter's internals, in one place (otter-grader 7.0.0).

- `disable_log_server`: otter's grade_notebook starts a TCP log server that unpickles whatever
  reaches it; we start none (the kernel's log handler then connects to port 0 and gives up).
- `install_hooks`: every test case runs under its time limit, public cases run before any hidden
  one (so nothing a student function saw in a hidden test can reach a visible public output),
  and each outcome is appended to a progress file as it finishes (partial results survive a
  total time limit or a dead kernel).
- `test_params`: the names a test case function takes (otter injects them from the entry's globals).
"""
import glob
import json
import os

from settings import SandboxSettings

PASSED, FAILED = "✅ Test case passed", "❌ Test case failed\n"
MAX_MESSAGE = 8000


def disable_log_server():
    import otter.execute

    otter.execute.start_server = lambda: (("127.0.0.1", 0), lambda: None)


def test_params(case):
    """The parameter names of an otter TestCase's function."""
    return case.body._get_func_params()


def read_progress(path):
    """{(question, case name): (passed, message)} from the progress file (later lines win)."""
    out = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    r = json.loads(line)
                    out[(str(r["question"]), str(r["case"]))] = (r["passed"] is True, str(r["message"]))
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a kill
    except OSError:
        pass
    return out


def install_hooks(sandbox, limits, progress_path):
    """Patch otter's test runner: time limits, public cases first, outcomes recorded as they finish.

    Returns run_public_first(tests_dir, env), which the entry file calls before otter's own loop.
    """
    from otter.test_files.exception_test import ExceptionTestFile, test_case

    done, limit_for = {}, SandboxSettings(time_limits=limits).limit_for

    def record(tf, tc, passed, message):
        done[(tf.name, tc.name)] = (passed, message)
        with open(progress_path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"question": tf.name, "case": tc.name, "passed": passed,
                                "message": message[:MAX_MESSAGE]}) + "\n")

    def run_case(tf, tc, env):
        # frame depth as in otter's run: _generate_error_message quotes the test line two frames down
        current["question"] = tf.name
        try:
            tc.body.call_func(env)
            passed, message = True, PASSED
        except Exception as e:
            try:
                message = FAILED + tf._generate_error_message(e)
            except Exception:  # raised before the test function ran (e.g. the worker could not restart)
                message = FAILED + f"{type(e).__name__}: {e}"
            passed = False
        record(tf, tc, passed, message)
        return passed, message

    def timed_call(self, global_environment):
        kwargs = {a: global_environment if a == "env" else global_environment.get(a) for a in self._get_func_params()}
        if sandbox is None:  # student code in the kernel itself (sandbox disabled): no limits
            return self.test_func(**kwargs)
        sandbox.begin_test(limit_for(current["question"]))
        try:
            self.test_func(**kwargs)
        finally:
            sandbox.end_test()

    def run(self, global_environment):
        from otter.test_files.abstract_test import TestCaseResult

        self.test_case_results = []
        for tc in self.test_cases:
            passed, message = done.get((self.name, tc.name)) or run_case(self, tc, global_environment)
            self.test_case_results.append(TestCaseResult(test_case=tc, message=message, passed=passed))

    def run_public_first(tests_dir, env):
        for path in sorted(glob.glob(os.path.join(tests_dir, "*.py"))):
            tf = ExceptionTestFile.from_file(path)
            for tc in tf.test_cases:
                if not tc.hidden:
                    run_case(tf, tc, env)

    current = {"question": ""}
    ExceptionTestFile.run, test_case.call_func = run, timed_call
    return run_public_first
