#!/usr/bin/env python
"""attention-hw: the instructor's single entry point.

    python build.py                      build solutions/, student_release/ and dist/*.zip
    python build.py --check              fail (naming the files) if committed solutions/ or student_release/ are stale
    python build.py grade SUBMISSION     grade a directory, .zip or .py as Gradescope would
                     [--json OUT] [--only MODULE] [--log FILE]
    python build.py verify               prove the graders right: solution, stub, mutants, alternatives
                     [--json OUT] [--module M]
    python build.py --data-seed N        regenerate Part 3's corpus, questions and hidden answers, then build
    python build.py calibrate            rerun Part 3's reference experiment (several seeds), write the
                     [--seeds 0 1 2]     calibration report and the reference run (then run `python build.py`)
"""
import argparse
import os
import sys

from hwbuild import grading, pipeline, verify, zips
from hwbuild.markers import MasterError

ROOT = pipeline.ROOT
SOLUTIONS = os.path.join(ROOT, "solutions")
RELEASE = os.path.join(ROOT, "student_release")


def points_summary(questions, parts):
    lines = ["Points per part (public / hidden):"]
    for p, title in parts.items():
        qs = [q for q in questions if q.part == str(p)]
        if qs:
            pub, hid = sum(q.points(False) for q in qs), sum(q.points(True) for q in qs)
            lines.append(f"  Part {p} {title}: {pub:g} / {hid:g} ({len(qs)} questions, "
                         f"{sum(len(q.cases) for q in qs)} tests)")
    pub = sum(q.points(False) for q in questions)
    hid = sum(q.points(True) for q in questions)
    lines.append(f"  Total: {pub:g} / {hid:g} = {pub + hid:g} autograded points")
    return "\n".join(lines)


def cmd_build(args):
    b = pipeline.build()
    if args.check:
        stale = pipeline.stale(SOLUTIONS, b.solutions) + pipeline.stale(RELEASE, b.release)
        if stale:
            print("Stale generated files (run `python build.py` and commit):", *stale, sep="\n  ")
            return 1
        print("solutions/ and student_release/ are up to date.")
        return 0
    dist = os.path.abspath(args.dist)
    os.makedirs(dist, exist_ok=True)
    pipeline.write_tree(SOLUTIONS, b.solutions)
    pipeline.write_tree(RELEASE, b.release)
    zips.write_zip(os.path.join(dist, "student_release.zip"), b.release, prefix=b.config["name"] + "/")
    zips.write_zip(os.path.join(dist, "autograder.zip"), b.autograder)
    for path, n in ((SOLUTIONS, len(b.solutions)), (RELEASE, len(b.release))):
        print(f"wrote {os.path.relpath(path, ROOT)}/ ({n} files)")
    for name in ("student_release.zip", "autograder.zip"):
        print(f"wrote {os.path.relpath(os.path.join(dist, name))}")
    print(points_summary(b.questions, b.config["parts"]))
    return 0


def cmd_grade(args):
    ag_zip = os.path.join(args.dist, "autograder.zip")
    if not os.path.exists(ag_zip):
        print(f"{ag_zip} not found: building first", file=sys.stderr)
        cmd_build(argparse.Namespace(check=False, dist=args.dist))
    results, _ = grading.grade(ag_zip, args.submission, only=args.only, keep_log=args.log)
    print(results.get("output", ""))
    print()
    print(grading.table(results))
    if args.json:
        import json
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2, ensure_ascii=False)
        print(f"results.json written to {args.json}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that generated files are fresh")
    parser.add_argument("--dist", default=os.path.join(ROOT, "dist"), help="where the zips go (default dist/)")
    parser.add_argument("--data-seed", type=int, default=None, metavar="N",
                        help="regenerate Part 3's generated data for a new term first (hwbuild/part3_data.py)")
    sub = parser.add_subparsers(dest="command")
    g = sub.add_parser("grade", help="grade a submission through the autograder zip")
    g.add_argument("submission", help="a directory, a .zip or a single .py")
    g.add_argument("--json", help="write Gradescope's results.json here")
    g.add_argument("--only", metavar="MODULE", help="grade only the tests of one student module, e.g. attention")
    g.add_argument("--log", help="write the grader's full output (instructors only) here")
    v = sub.add_parser("verify", help="prove the graders right: the solution passes, the stub fails, "
                       "every mutant in autograder/mutants/ loses points, every alternative keeps full marks")
    verify.add_arguments(v)
    c = sub.add_parser("calibrate", help="rerun Part 3's reference experiment and write its calibration report")
    c.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    c.add_argument("--threads", type=int, default=None, help="CPU threads per run (default: run.py's)")
    c.add_argument("--jobs", type=int, default=1,
                   help="experiments run at the same time (vanilla and synthesizer of each seed apart; "
                        "one thread each): 2 on a 2-core machine halves the wall time")
    c.add_argument("--from-logs", nargs="+", metavar="JSON", default=None,
                   help="only rewrite the report from saved runs (bench/logs/calibrate_seed*.json); "
                        "keeps the committed reference run")
    c.add_argument("--note", default="", help="a paragraph for the report (what changed, what the runs show)")
    args = parser.parse_args(argv)
    if args.data_seed is not None:
        from hwbuild import part3_data
        print(part3_data.write(args.data_seed))
        print("Part 3's data changed: run `python build.py calibrate` to recalibrate the thresholds and the "
              "reference run, then `python build.py` again.")
    if args.command == "calibrate":
        from hwbuild import part3
        if args.from_logs:
            print(part3.markdown(part3.finish(args.from_logs, note=args.note)))
        else:
            part3.calibrate(args.seeds, args.threads, note=args.note, jobs=args.jobs)
        return 0
    try:
        if args.command == "verify":
            return verify.run(args)
        return cmd_grade(args) if args.command == "grade" else cmd_build(args)
    except MasterError as e:
        print(f"build failed: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
