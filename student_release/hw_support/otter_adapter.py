"""Everything that touches otter's internals, in one place (otter-grader 7.0.0).

Used by the grading harness, by the build (hwbuild/testfiles.py) and by students' check.py:
- `test_params`, `case_modules`: the names a test case function takes (otter injects them from the
  entry's globals), and which of them are modules or the submitted files; `question_part`: the part
  of a question name (otter's test-file name);
- `call_case` / `failure_message`: run one case against an environment, and otter's message for a failure;
- `disable_log_server`: otter's grade_notebook starts a TCP log server that unpickles whatever
  reaches it; we start none (the kernel's log handler then connects to port 0 and gives up).
- `install_hooks`: every test case runs under its time limit, public cases run before any hidden
  one (so nothing a student function saw in a hidden test can reach a visible public output),
  and each outcome is appended to a progress file as it finishes (partial results survive a
  total time limit or a dead kernel).
"""
import glob
import json
import os
import re

PASSED, FAILED = "✅ Test case passed", "❌ Test case failed\n"
SUBMITTED_FILES = "submitted_files"  # the test parameter that receives {file name: path} of uploaded result files
MAX_MESSAGE = 8000


def disable_log_server():
    import otter.execute

    otter.execute.start_server = lambda: (("127.0.0.1", 0), lambda: None)


def test_params(case):
    """The parameter names of an otter TestCase's function."""
    return case.body._get_func_params()


def case_modules(case, modules):
    """The names of `modules` (and SUBMITTED_FILES) that a test case takes as parameters."""
    return set(test_params(case)) & (set(modules) | {SUBMITTED_FILES})


def question_part(question):
    """The part a question belongs to, from its name: 'q2_1_pairwise_similarities' -> '2' ('?' if none)."""
    m = re.match(r"q(\d+)_", question)
    return m.group(1) if m else "?"


def call_case(case, env):
    """Run one TestCase's function with its parameters taken from `env`; raises what the test raises."""
    case.body.call_func(env)


def failure_message(test_file, exc):
    """otter's text for a failed case: the test line that failed, then the exception, for an exception
    raised through call_case (otter quotes the line two frames below the outermost frame, which must
    therefore be call_case's)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code is not call_case.__code__:
        tb = tb.tb_next
    return test_file._generate_error_message(exc.with_traceback(tb) if tb is not None else exc)


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


def install_hooks(sandbox, limit_for, progress_path):
    """Patch otter's test runner: time limits (limit_for(question) -> seconds), public cases first,
    outcomes recorded as they finish.

    Returns run_public_first(tests_dir, env), which the entry file calls before otter's own loop.
    """
    from otter.test_files.exception_test import ExceptionTestFile, test_case

    done = {}

    def record(tf, tc, passed, message):
        done[(tf.name, tc.name)] = (passed, message)
        with open(progress_path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"question": tf.name, "case": tc.name, "passed": passed,
                                "message": message[:MAX_MESSAGE]}) + "\n")

    def run_case(tf, tc, env):
        current["question"] = tf.name
        try:
            call_case(tc, env)
            passed, message = True, PASSED
        except Exception as e:
            try:
                message = FAILED + failure_message(tf, e)
            except Exception:  # raised before the test function ran (e.g. the worker could not restart)
                message = FAILED + f"{type(e).__name__}: {e}"
            passed = False
        record(tf, tc, passed, message)
        return passed, message

    def timed_call(self, global_environment):
        kwargs = {a: global_environment if a == "env" else global_environment.get(a) for a in self._get_func_params()}
        # (a TestCase body's method: otter's own call_func, with a time limit around it)
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
