"""Running the merged questions on one variant of a student module, in this process, under a time limit.

Used by `build.py verify` (hwbuild/verify.py) and by tests that grade variants directly.
"""
import contextlib
import importlib.util
import io
import os
import signal
import sys
import threading
import warnings

TIMEOUT = 60  # seconds per variant


class VariantTimeout(BaseException):
    """Raised by the alarm in a variant that runs too long (a BaseException: otter catches only Exception)."""


@contextlib.contextmanager
def _alarm(seconds):
    """Raise VariantTimeout after `seconds` (only where SIGALRM exists and we are the main thread)."""
    usable = seconds and hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def fire(signum, frame):
        raise VariantTimeout()

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _quiet_and_isolated():
    """Swallow a variant's prints and warnings; restore torch's global switches it may flip."""
    torch = sys.modules.get("torch")
    saved = (torch.is_grad_enabled(), torch.get_default_dtype()) if torch else None
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            yield
        finally:
            if torch:
                torch.set_grad_enabled(saved[0])
                torch.set_default_dtype(saved[1])


def last_line(message):
    lines = [l.strip() for l in (message or "").strip().splitlines() if l.strip()]
    return lines[-1] if lines else ""


def run_questions(questions, env, timeout=TIMEOUT):
    """Run `questions` (hwbuild.testfiles.Question) against `env`, as otter does but in-process.

    Returns ({question: [(case name, points, passed, message)]}, problem or None). After a timeout
    or a crash that escapes otter (SystemExit...), the cases not run count as failed.
    """
    from otter.test_files import ExceptionTestFile

    results, problem = {}, None
    with _quiet_and_isolated(), _alarm(timeout):
        try:
            for q in questions:
                results[q.name] = None
                tf = ExceptionTestFile.from_string(q.source, path=f"tests/{q.name}.py")
                tf.run(env)
                results[q.name] = [(r.test_case.name, float(r.test_case.points or 0), bool(r.passed), r.message)
                                   for r in tf.test_case_results]
        except VariantTimeout:
            problem = f"timed out after {timeout:g} s"
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # SystemExit, or an error in a test file itself
            problem = f"crashed the grader: {type(e).__name__}: {e}"
    for q in questions:
        if results.get(q.name) is None:
            results[q.name] = [(c.name, c.points, False, f"not run: {problem}") for c in q.cases]
    return results, problem


def load_variant(module, source, workdir, others=None):
    """Write `source` as `workdir/<module>.py` and import it (a BrokenModule when the import fails).

    `others` ({name: module}) go into sys.modules first, so that an `import other` in the variant
    gets the module the tests will see, as in the autograder where every student module is loaded.
    """
    from hw_support.loader import load_module

    sys.modules.update(others or {})
    os.makedirs(workdir, exist_ok=True)
    with open(os.path.join(workdir, module + ".py"), "w", encoding="utf-8") as f:
        f.write(source)
    try:
        return load_module(module, workdir)
    finally:
        while os.path.abspath(workdir) in sys.path:
            sys.path.remove(os.path.abspath(workdir))


def import_path(name, path):
    """The Python file at `path`, imported as a module called `name` (not put in sys.modules)."""
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@contextlib.contextmanager
def one_thread_and_kept_modules(names):
    """torch on one thread (the tests use tiny tensors: on a busy machine one thread is many times
    faster) and the sys.modules entries `names` as they were, once the block ends."""
    import torch
    saved = {m: sys.modules.get(m) for m in names}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        for m, old in saved.items():
            if old is None:
                sys.modules.pop(m, None)
            else:
                sys.modules[m] = old
