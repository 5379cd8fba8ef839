"""Runs the attention-hw grading harness.

build.py puts this file where otter's own run_otter.py goes in the autograder zip, so Gradescope's
`run_autograder` (written by `otter generate`) calls it unchanged. Usage: run_otter.py [DIR] [--local]
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))

from grade import main  # noqa: E402

if __name__ == "__main__":
    args = sys.argv[1:]
    dirs = [a for a in args if not a.startswith("--")]
    main(dirs[0] if dirs else "/autograder", local="--local" in args)
