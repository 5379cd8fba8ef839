import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "autograder", "harness"))  # the grading sandbox

from hwbuild import grading, parts, pipeline, zips  # noqa: E402

pipeline.hw_support_on_path(parts.compose())  # hw_support: assignment/common's and every part's helpers

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


NO_SYS_ADMIN = ("capsh", "--drop=cap_sys_admin", "--", "-c", 'exec "$0" "$@"')  # a container without namespaces
LAUNCHERS = {
    # bubblewrap, required (grading stops if it cannot isolate); the project is hidden from student code
    "bwrap": {"launcher": "bwrap", "prefix": (), "private": None},
    # CAP_SYS_ADMIN dropped, so bubblewrap is refused and `auto` falls back to the builtin launcher,
    # which hides nothing: only the (closed) autograder directory is private
    "builtin": {"launcher": "auto", "prefix": NO_SYS_ADMIN, "private": []},
}


def zip_with(build, directory, name, **sandbox_settings):
    """The autograder zip with some sandbox settings changed; returns its path."""
    files = dict(build.autograder)
    settings = json.loads(files["harness/grading.json"])
    for key, value in sandbox_settings.items():  # total_time_limit is a top-level setting
        (settings if key == "total_time_limit" else settings["sandbox"])[key] = value
    files["harness/grading.json"] = json.dumps(settings).encode()
    path = os.path.join(str(directory), name)
    zips.write_zip(path, files)
    return path


@pytest.fixture(scope="session", params=sorted(LAUNCHERS))
def launcher(request):
    return request.param


@pytest.fixture(scope="session")
def grade_with(build, launcher, tmp_path_factory):
    """grade_with(submission, only=None, **sandbox settings) -> (results, log) under `launcher`."""
    spec = LAUNCHERS[launcher]
    zips_dir = tmp_path_factory.mktemp(f"zips-{launcher}")
    made = {}

    def _grade(submission, only=None, **settings):
        settings = dict(settings, launcher=spec["launcher"])
        key = json.dumps(settings, sort_keys=True)
        if key not in made:
            made[key] = zip_with(build, zips_dir, f"autograder{len(made)}.zip", **settings)
        results, log = grading.grade(made[key], str(submission), only=only, private=spec["private"],
                                     prefix=spec["prefix"])
        expected = "launcher: bwrap" if launcher == "bwrap" else "launcher: builtin"
        assert expected in log, log[-3000:]
        return results, log
    return _grade
