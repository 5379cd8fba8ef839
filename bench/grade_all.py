"""Class-scale grading throughput: submissions per minute of `build.py grade-all` with 1 and 2 jobs.

    python bench/grade_all.py [--copies 4] [--jobs 1 2] [--only MODULE]

Grades COPIES copies of solutions/ (a plain folder of submissions) through the autograder zip,
once per --jobs value, each into a fresh results folder (nothing is skipped), and prints the wall
time and submissions per minute; also written to bench/grade_all_latest.txt. Numbers depend on the
machine's cores and on whatever else runs on it.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hwbuild import grade_all, gradescope_export, pipeline, zips  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--only", default=None, help="grade only one module's tests (a quicker run)")
    parser.add_argument("--note", default="", help="a line for the report (e.g. what else was running)")
    args = parser.parse_args()
    lines = [f"grade-all throughput: {args.copies} copies of solutions/, "
             f"{'--only ' + args.only if args.only else 'every test'}; {os.cpu_count()} CPU(s)"]
    if args.note:
        lines.append(args.note)
    with tempfile.TemporaryDirectory(prefix="bench-grade-all-") as tmp:
        ag = os.path.join(tmp, "autograder.zip")
        zips.write_zip(ag, pipeline.build().autograder)
        for i in range(args.copies):
            shutil.copytree(os.path.join(ROOT, "solutions"), os.path.join(tmp, "class", f"student{i:02d}"))
        submissions, _ = gradescope_export.read(os.path.join(tmp, "class"), tmp)
        for jobs in args.jobs:
            out = os.path.join(tmp, f"results-{jobs}")
            start = time.perf_counter()
            errors = grade_all.grade_submissions(ag, submissions, out, jobs=jobs, only=args.only)
            wall = time.perf_counter() - start
            lines.append(f"--jobs {jobs}: {len(submissions)} submissions in {wall:.1f} s = "
                         f"{60 * len(submissions) / wall:.2f} submissions/min"
                         + (f" ({len(errors)} failed)" if errors else ""))
            print(lines[-1], flush=True)
    report = "\n".join(lines) + "\n"
    print(report)
    with open(os.path.join(ROOT, "bench", "grade_all_latest.txt"), "w") as f:
        f.write(report)


if __name__ == "__main__":
    main()
