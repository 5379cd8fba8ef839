"""Load student modules so that a module that fails to import costs only its own tests.

Both the local checks and the autograder's entry file call `load_student_modules`; tests then
receive each module by otter's argument injection (`def test_x(attention): ...`).
"""
import importlib
import os
import sys
import traceback


class StudentImportError(Exception):
    """Raised when a test uses a student module that could not be imported."""


class BrokenModule:
    """Stands in for a student module that failed to import; every use raises its import error."""

    def __init__(self, name, error):
        self._name = name
        self._error = error

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise StudentImportError(
            f"{self._name}.py could not be imported, so '{attr}' could not be graded. "
            f"Fix this error first (run `python check.py` locally):\n{self._error}"
        )

    def __repr__(self):
        return f"<broken student module {self._name}.py>"


def student_frames(exc, directory):
    """(the traceback's frames in files under `directory`, the exception's own lines)."""
    directory = os.path.abspath(directory)
    tb = traceback.TracebackException.from_exception(exc)
    own = [f for f in tb.stack if not f.filename.startswith("<")  # "<frozen importlib._bootstrap>"
           and os.path.abspath(f.filename).startswith(directory + os.sep)]
    return traceback.StackSummary.from_list(own).format(), list(tb.format_exception_only())


def describe_import_error(exc, directory):
    """The error as a student should see it: frames in their own files only, then the exception."""
    frames, last = student_frames(exc, directory)
    lines = (["Traceback (your files only):\n"] + frames if frames else []) + last
    return "".join(lines).replace(os.path.abspath(directory) + os.sep, "").rstrip()


def load_module(name, directory):
    """Import `directory/name.py` as module `name`; a `BrokenModule` if the import raises."""
    directory = os.path.abspath(directory)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    sys.modules.pop(name, None)
    try:
        return importlib.import_module(name)
    except BaseException as exc:  # SyntaxError, ImportError, SystemExit at import: all cost only this module
        sys.modules.pop(name, None)
        return BrokenModule(name, describe_import_error(exc, directory))


def load_student_modules(names, directory):
    """{name: module or BrokenModule} for every student module name, imported from `directory`."""
    return {name: load_module(name, directory) for name in names}


def import_errors(modules):
    """{name: error text} for the modules that failed to import."""
    return {n: m._error for n, m in modules.items() if isinstance(m, BrokenModule)}
