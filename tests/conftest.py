import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "assignment"))  # hw_support

from hwbuild import grading, pipeline, zips  # noqa: E402

COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "dist", "__pycache__", ".pytest_cache", "*.pyc")


@pytest.fixture(scope="session")
def build():
    """One in-process build of the checkout (nothing in the checkout is written)."""
    return pipeline.build()


@pytest.fixture(scope="session")
def autograder_zip(build, tmp_path_factory):
    path = tmp_path_factory.mktemp("dist") / "autograder.zip"
    zips.write_zip(str(path), build.autograder)
    return str(path)


@pytest.fixture(scope="session")
def grade(autograder_zip):
    """grade(submission, only=None) -> results.json dict, through the same entry point as Gradescope."""
    def _grade(submission, only=None):
        results, _ = grading.grade(autograder_zip, str(submission), only=only)
        return results
    return _grade


@pytest.fixture
def repo_copy(tmp_path):
    """A scratch copy of the checkout, for tests that edit sources or generated files."""
    dest = tmp_path / "repo"
    shutil.copytree(ROOT, dest, ignore=COPY_IGNORE)
    return dest


def run_build(repo, *args):
    return subprocess.run([sys.executable, "build.py", *args], cwd=repo, capture_output=True, text=True)


def write_tree(directory, files):
    pipeline.write_tree(str(directory), files)
    return directory


def graded_tests(results):
    return [t for t in results["tests"] if "max_score" in t]
