"""The Gradescope image's Python packages before (otter generate's environment) and after (hwbuild/image.py).

Usage: python bench/image.py [--python 3.11] [--keep DIR]

Installs each package set into a fresh venv with uv (what setup.sh uses), first with an empty cache
(download + install) and again with that cache filled (install only), and prints the packages, their
count, the installed size and the times; saves the report to bench/image_latest.txt.

    before: otter-grader[grading,plugins]==7.0.0, jupyter_server, CPU torch, numpy, pyseccomp
            (otter's environment.yml), then `playwright install chromium` and Miniforge
    after:  the zip's requirements.txt (otter-grader[grading]==7.0.0, CPU torch, numpy, pyseccomp, parts')

Playwright's Chromium and Miniforge come from hosts other than a package index; where they cannot be
fetched (no internet but the package indexes), the report says so instead of measuring them. Where
PyTorch's CPU index is out of reach, torch's CPU wheel comes from PIP_FIND_LINKS (the same wheel).
"""
import argparse
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hwbuild import image, parts  # noqa: E402

LATEST = os.path.join(ROOT, "bench", "image_latest.txt")
OTTER_GRADING = "otter-grader[grading]==7.0.0"
BEFORE_EXTRA = {OTTER_GRADING: "otter-grader[grading,plugins]==7.0.0"}  # otter's environment.yml
BEFORE_ONLY = ["jupyter_server"]  # environment.yml's conda packages besides python and pip


def reachable(url, timeout=5):
    host = url.split("://", 1)[1].split("/", 1)[0]
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def requirement_sets(assignment):
    """(before, after, uv options): requirement lines of each set and the index options both use."""
    after, options = [], []
    for line in image.requirements(assignment).splitlines():
        line = line.split(" #", 1)[0].strip()
        if line.startswith("--extra-index-url"):
            url = line.split()[1]
            if reachable(url):
                options += ["--extra-index-url", url]
            else:
                links = [p for p in os.environ.get("PIP_FIND_LINKS", "").split() if p]
                options += [a for p in links for a in ("--find-links", p)]
                print(f"note: {url} is out of reach; torch's CPU wheel from PIP_FIND_LINKS={' '.join(links) or '(none)'}")
        elif line and not line.startswith("#"):
            after.append(line)
    if OTTER_GRADING not in after:
        raise SystemExit(f"{OTTER_GRADING} is not in the zip's requirements.txt; update bench/image.py")
    before = [BEFORE_EXTRA.get(r, r) for r in after] + BEFORE_ONLY
    return before, after, options + ["--index-strategy", "unsafe-best-match"]


def install(python, requirements, options, env_dir, cache):
    """Install into a fresh venv; returns (seconds, {name: version}, installed bytes of site-packages)."""
    shutil.rmtree(env_dir, ignore_errors=True)
    subprocess.run(["uv", "venv", "-q", "--python", python, env_dir], check=True)
    env = dict(os.environ, UV_CACHE_DIR=cache, UV_LINK_MODE="copy")
    start = time.perf_counter()
    subprocess.run(["uv", "pip", "install", "-q", "--python", os.path.join(env_dir, "bin", "python"),
                    *options, *requirements], check=True, env=env)
    seconds = time.perf_counter() - start
    listed = subprocess.run(["uv", "pip", "freeze", "--python", os.path.join(env_dir, "bin", "python")],
                            check=True, capture_output=True, text=True, env=env).stdout.split()
    packages = dict(l.split("==", 1) for l in listed if "==" in l)
    site = glob.glob(os.path.join(env_dir, "lib", "python*", "site-packages"))[0]
    return seconds, packages, tree_bytes(site)


def tree_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total


def package_bytes(env_dir):
    """{distribution name (normalised): bytes its RECORD lists}."""
    out = {}
    for record in glob.glob(os.path.join(env_dir, "lib", "python*", "site-packages", "*.dist-info", "RECORD")):
        name = os.path.basename(os.path.dirname(record))[:-len(".dist-info")].rsplit("-", 1)[0]
        name = name.lower().replace("_", "-")
        site = os.path.dirname(os.path.dirname(record))
        size = 0
        with open(record, encoding="utf-8") as f:
            for line in f:
                path = line.rsplit(",", 2)[0]
                full = os.path.normpath(os.path.join(site, path))
                if os.path.isfile(full) and not os.path.islink(full):
                    size += os.path.getsize(full)
        out[name] = size
    return out


def mb(n):
    return f"{n / 1e6:.0f} MB"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--python", help="Python version (default: assignment.yml's python_version)")
    ap.add_argument("--keep", help="build the venvs here and keep them (default: a temporary directory)")
    args = ap.parse_args()
    if not shutil.which("uv"):
        raise SystemExit("bench/image.py needs uv (pip install uv)")
    assignment = parts.compose()
    python = args.python or assignment.python_version
    before, after, options = requirement_sets(assignment)
    work = args.keep or tempfile.mkdtemp(prefix="attention-hw-image-")
    lines = [f"Python {python}, uv {subprocess.run(['uv', '--version'], capture_output=True, text=True).stdout.split()[1]}; "
             f"options: {' '.join(options)}"]
    measured = {}
    try:
        for label, reqs in (("before", before), ("after", after)):
            env_dir, cache = os.path.join(work, label), os.path.join(work, f"cache-{label}")
            shutil.rmtree(cache, ignore_errors=True)
            cold, packages, size = install(python, reqs, options, env_dir, cache)
            warm, _, _ = install(python, reqs, options, env_dir, cache)
            measured[label] = (packages, package_bytes(env_dir))
            lines += [f"{label}: {' '.join(reqs)}",
                      f"  {len(packages)} packages, site-packages {mb(size)}, install {cold:.1f} s with an empty "
                      f"cache (download + install), {warm:.1f} s from the filled cache"]
            if not args.keep:
                shutil.rmtree(cache)
        (b_pkgs, b_size), (a_pkgs, _) = measured["before"], measured["after"]
        def size_of(name):
            return b_size.get(name.lower().replace("_", "-"), 0)
        dropped = sorted(set(b_pkgs) - set(a_pkgs), key=lambda n: -size_of(n))
        sizes = [size_of(n) for n in dropped]
        lines.append(f"only before: {len(dropped)} packages, {mb(sum(sizes))}: " +
                     ", ".join(f"{n} ({s / 1e6:.1f} MB)" for n, s in zip(dropped, sizes)))
        lines.append(f"only after: {', '.join(sorted(set(a_pkgs) - set(b_pkgs))) or 'none'}")
        lines.append("after: " + " ".join(f"{n}=={v}" for n, v in sorted(a_pkgs.items(), key=lambda kv: kv[0].lower())))
        lines.append("not measured (cannot be fetched here: no internet but the package indexes): before's "
                     "`playwright install-deps && playwright install chromium` (a Chromium build and its apt "
                     "libraries), Miniforge + mamba + the conda env's python, and otter's apt packages "
                     "(build-essential, libcurl4-gnutls-dev, libxml2-dev, libssl-dev, libgit2-dev, wget, jq; "
                     "texlive and pandoc when PDFs are on). after adds only uv and uv's CPython build.")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report = "\n".join(lines) + "\n"
    print(report, end="")
    with open(LATEST, "w") as f:
        f.write(report)


if __name__ == "__main__":
    main()
