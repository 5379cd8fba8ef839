"""The autograder image (hwbuild/image.py): a lean setup.sh, the Python of assignment.yml, the parts' requirements."""
import subprocess
import zipfile

import yaml

from conftest import run_build
from hwbuild import image


def test_setup_installs_only_the_sandbox_and_one_python_env(build):
    setup = build.autograder["setup.sh"].decode()
    apt = [l for l in setup.splitlines() if l.startswith("apt-get install")]
    assert apt == [f"apt-get install -y --no-install-recommends {image.SANDBOX_PACKAGES} {image.BOOTSTRAP_PACKAGES}"]
    for unused in ("playwright", "chromium", "mamba", "miniforge", "conda ", "build-essential", "libgit2",
                   "texlive", "pandoc", "plugins"):
        assert unused not in setup.lower(), unused
    assert f"venv --python {build.assignment.python_version} " in setup
    assert subprocess.run(["bash", "-n"], input=setup, text=True).returncode == 0
    requirements = build.autograder["requirements.txt"].decode()
    assert "otter-grader[grading]==7.0.0\n" in requirements and "[grading,plugins]" not in requirements
    assert image.ENV_PYTHON in build.autograder["run_autograder"].decode()


def test_python_version_comes_from_assignment_yml_and_is_checked(tmp_path, repo_copy):
    config = repo_copy / "assignment" / "assignment.yml"
    data = yaml.safe_load(config.read_text())
    for bad, shown in ((3.10, "3.1"), ("3.9", "'3.9'"), ("3.14", "'3.14'")):
        config.write_text(yaml.safe_dump(dict(data, python_version=bad)))
        r = run_build(repo_copy, "--dist", str(tmp_path))
        assert r.returncode == 2 and "python_version must be one of 3.10, 3.11, 3.12, 3.13" in r.stderr, r.stderr
        assert shown in r.stderr
    config.write_text(yaml.safe_dump(dict(data, python_version="3.12")))
    assert run_build(repo_copy, "--dist", str(tmp_path)).returncode == 0
    with zipfile.ZipFile(tmp_path / "autograder.zip") as zf:
        assert "venv --python 3.12 " in zf.read("setup.sh").decode()
        assert '"python_version": "3.12"' in zf.read("harness/grading.json").decode()


def test_a_parts_requirements_reach_the_image_and_the_release(tmp_path, repo_copy):
    part_yml = repo_copy / "assignment" / "parts" / "attention_from_scratch" / "part.yml"
    part_yml.write_text(part_yml.read_text() + "requirements: [einops>=0.7]\n")
    out = tmp_path / "out"
    r = run_build(repo_copy, "--parts", "2", "--out", str(out))
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(out / "dist" / "autograder.zip") as zf:
        assert "\neinops>=0.7\n" in zf.read("requirements.txt").decode()
    assert "\neinops>=0.7\n" in (out / "student_release" / "requirements.txt").read_text()
    part_yml.write_text(part_yml.read_text().replace("[einops>=0.7]", "einops"))
    r = run_build(repo_copy, "--parts", "2", "--out", str(out))
    assert r.returncode == 2 and "part.yml:1: requirements must be a list" in r.stderr, r.stderr
