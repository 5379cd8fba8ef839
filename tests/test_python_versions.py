"""Code that runs on students' machines and on Gradescope works on Python 3.10 to 3.13 (hwbuild/parts.py's
PYTHON_VERSIONS): vermin finds nothing newer than 3.10, and no module removed by 3.13 is imported."""
import ast
import glob
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from hwbuild.parts import PYTHON_VERSIONS

pytest.importorskip("vermin", reason="vermin checks the minimum Python version (requirements.txt installs it)")

# Where the code students and Gradescope run lives: the release, the zip's harness, helpers and tests,
# and the notebooks' sources (jupytext scripts).
CHECKED = ["student_release", "autograder/harness", "assignment/common/hw_support", "assignment/parts/*/hw_support",
           "assignment/parts/*/notebook.py", "assignment/parts/*/tests", "autograder/parts/*/tests"]
# Standard modules gone by Python 3.13 (PEP 594, distutils and imp in 3.12, lib2to3 in 3.13).
REMOVED = {"distutils", "imp", "asynchat", "asyncore", "smtpd", "aifc", "audioop", "cgi", "cgitb", "chunk", "crypt",
           "imghdr", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau",
           "telnetlib", "uu", "xdrlib", "lib2to3"}


def checked_paths():
    return sorted(p for pattern in CHECKED for p in glob.glob(os.path.join(ROOT, pattern)))


def vermin(paths):
    oldest = PYTHON_VERSIONS[0]
    return subprocess.run([sys.executable, "-c", "import sys, vermin; sys.exit(vermin.main())",
                           f"-t={oldest}-", "--violations", "--no-tips", "--eval-annotations", *paths],
                          capture_output=True, text=True)


def test_nothing_needs_a_python_newer_than_the_oldest_supported():
    paths = checked_paths()
    assert len(paths) >= len(CHECKED)
    done = vermin(paths)
    assert done.returncode == 0, done.stdout + done.stderr


def test_vermin_flags_newer_stdlib(tmp_path):
    newer = tmp_path / "newer.py"
    newer.write_text("import tomllib\nfrom typing import Self\nfrom datetime import UTC\n")
    done = vermin([str(newer)])
    assert done.returncode != 0 and "tomllib" in done.stdout and "typing.Self" in done.stdout, done.stdout


def removed_imports(path):
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
        for name in names:
            if name.split(".")[0] in REMOVED:
                yield f"{os.path.relpath(path, ROOT)}:{node.lineno}: {name}"


def test_no_module_removed_by_python_3_13_is_imported():
    files = [f for p in checked_paths() for f in ([p] if p.endswith(".py") else
                                                  glob.glob(os.path.join(p, "**", "*.py"), recursive=True))]
    assert len(files) > 20
    assert [hit for f in files for hit in removed_imports(f)] == []
