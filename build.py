#!/usr/bin/env python
"""attention-hw: the instructor's single entry point.

    python build.py                      build solutions/, student_release/ and dist/*.zip
    python build.py --parts 2,3 --out DIR   build only those parts into DIR/{solutions,student_release,dist}
    python build.py --check              fail (naming the files) if committed solutions/ or student_release/ are stale
    python build.py grade SUBMISSION     grade a directory, .zip or .py as Gradescope would
                     [--json OUT] [--only MODULE] [--log FILE] [--autograder ZIP]
    python build.py grade-all INPUT --csv OUT   grade a class (Gradescope's export zip or folder) into one CSV
                     [--jobs N] [--out DIR] [--shard K/N] [--only MODULE] [--autograder ZIP]
    python build.py merge-grades CSV... --csv OUT   join the CSVs of grade-all's shards
    python build.py verify               prove the graders right: solution, stub, mutants, alternatives
                     [--json OUT] [--module M [--functions F,G]] [--parts 2,3]
    python build.py --data-seed N        draw Part 1's K and V and regenerate Part 3's corpus, questions and
                                         hidden answers for a new term, then build
    python build.py calibrate PART       rerun a part's reference experiment (several seeds), write its
                     [--seeds 0 1 2]     calibration report and reference run (then run `python build.py`)
"""
import argparse
import os
import sys

from hwbuild import calibration, grade_all, grades_csv, grading, parts, pipeline, verify, zips
from hwbuild.markers import MasterError
from hwbuild.parts import GRADESCOPE_MEMORY_MB

ROOT = pipeline.ROOT


def points_summary(questions, parts):
    lines = ["Points per part (public / hidden):"]
    for part in parts:
        p, title = part.number, part.title
        qs = [q for q in questions if q.part == str(p)]
        if qs:
            pub, hid = sum(q.points(False) for q in qs), sum(q.points(True) for q in qs)
            lines.append(f"  Part {p} {title}: {pub:g} / {hid:g} ({len(qs)} questions, "
                         f"{sum(len(q.cases) for q in qs)} tests)")
    pub = sum(q.points(False) for q in questions)
    hid = sum(q.points(True) for q in questions)
    lines.append(f"  Total: {pub:g} / {hid:g} = {pub + hid:g} autograded points")
    needs = max(parts, key=lambda p: p.container_memory_mb, default=None)
    if needs is not None and needs.container_memory_mb > GRADESCOPE_MEMORY_MB:
        lines.append(f"Gradescope: raise the assignment's container memory to {needs.container_memory_mb} MB "
                     f"(Settings -> Container specifications; default {GRADESCOPE_MEMORY_MB} MB): Part "
                     f"{needs.number} needs it (measured with bench/container_fit.py, see README 'Container size')")
    return "\n".join(lines)


def _selection(args):
    return [s for s in args.parts.split(",") if s] if args.parts else None


def cmd_build(args):
    out = os.path.abspath(args.out)
    partial = args.parts or os.path.abspath(args.config) != os.path.abspath(parts.CONFIG)
    if partial and out == os.path.abspath(ROOT):
        raise SystemExit("--parts and --config build another assignment: give --out DIR (solutions/ and "
                         "student_release/ here hold the term's assignment, assignment/assignment.yml)")
    b = pipeline.build(args.config, _selection(args))
    solutions, release = os.path.join(out, "solutions"), os.path.join(out, "student_release")
    if args.check:
        stale = pipeline.stale(solutions, b.solutions) + pipeline.stale(release, b.release)
        if stale:
            print("Stale generated files (run `python build.py` and commit):", *stale, sep="\n  ")
            return 1
        print("solutions/ and student_release/ are up to date.")
        return 0
    dist = os.path.abspath(args.dist or os.path.join(out, "dist"))
    os.makedirs(dist, exist_ok=True)
    pipeline.write_tree(solutions, b.solutions)
    pipeline.write_tree(release, b.release)
    zips.write_zip(os.path.join(dist, "student_release.zip"), b.release, prefix=b.assignment.name + "/")
    zips.write_zip(os.path.join(dist, "autograder.zip"), b.autograder)
    for path, n in ((solutions, len(b.solutions)), (release, len(b.release))):
        print(f"wrote {os.path.relpath(path)}/ ({n} files)")
    for name in ("student_release.zip", "autograder.zip"):
        print(f"wrote {os.path.relpath(os.path.join(dist, name))}")
    print(points_summary(b.questions, b.assignment.parts))
    return 0


def autograder_zip(args):
    """--autograder ZIP, else dist/autograder.zip (built first when missing)."""
    ag_zip = args.autograder or os.path.join(args.dist or os.path.join(ROOT, "dist"), "autograder.zip")
    if not os.path.exists(ag_zip):
        if args.autograder:
            raise SystemExit(f"{args.command}: no such autograder zip: {ag_zip}")
        print(f"{ag_zip} not found: building first", file=sys.stderr)
        cmd_build(argparse.Namespace(check=False, dist=args.dist, out=ROOT, parts=None, config=args.config))
    return ag_zip


def cmd_grade(args):
    results, _ = grading.grade(autograder_zip(args), args.submission, only=args.only, keep_log=args.log)
    print(results.get("output", ""))
    print()
    print(grading.table(results))
    if args.json:
        import json
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2, ensure_ascii=False)
        print(f"results.json written to {args.json}")
    return 0


def cmd_grade_all(args):
    if args.jobs < 1:
        raise SystemExit("grade-all: --jobs must be at least 1")
    return grade_all.run(args, autograder_zip(args))


def cmd_merge_grades(args):
    try:
        n = grades_csv.merge(args.csvs, args.csv)
    except grades_csv.GradesError as e:
        raise SystemExit(f"merge-grades: {e}") from None
    print(f"{n} row(s) from {len(args.csvs)} file(s) written to {args.csv}")
    return 0


def regenerate_data(args):
    """--data-seed N: every selected part's generate_data.write(N, config) (Part 1: its K and V, drawn;
    Part 3: its corpus and answers)."""
    for part in parts.compose(args.config, _selection(args)).parts:
        if os.path.exists(part.hidden("generate_data.py")):
            print(parts.hidden_module(part.name, "generate_data.py").write(args.data_seed, config=args.config))
            if calibration.has_calibration(part):
                print(f"Part {part.number}'s data changed: run `python build.py calibrate {part.number}` to "
                      "recalibrate its thresholds and reference run, then `python build.py` again.")


def cmd_calibrate(args):
    every = parts.compose(args.config).parts
    part = next((p for p in every if args.part in (p.number, p.name)), None)
    if part is None:
        raise SystemExit(f"calibrate: no part {args.part} (parts: {', '.join(f'{p.number} {p.name}' for p in every)})")
    calibration.calibrate(part, args)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that generated files are fresh")
    parser.add_argument("--dist", default=None, help="where the zips go (default OUT/dist)")
    parser.add_argument("--parts", default=None, metavar="N,M",
                        help="build only the parts with these numbers (assignment.yml), e.g. 2,3")
    parser.add_argument("--out", default=ROOT, help="where solutions/, student_release/ and dist/ go "
                        "(default: this project, the committed trees)")
    parser.add_argument("--config", default=parts.CONFIG, help="the composition (default assignment/assignment.yml)")
    parser.add_argument("--data-seed", type=int, default=None, metavar="N",
                        help="regenerate the generated data of every part that has a generator "
                        "(autograder/parts/<part>/generate_data.py: Part 1's K and V, Part 3's corpus and hidden "
                        "answers) first")
    sub = parser.add_subparsers(dest="command")
    g = sub.add_parser("grade", help="grade a submission through the autograder zip")
    g.add_argument("submission", help="a directory, a .zip or a single .py")
    g.add_argument("--json", help="write Gradescope's results.json here")
    g.add_argument("--only", metavar="MODULE", help="grade only the tests of one student module, e.g. attention")
    g.add_argument("--log", help="write the grader's full output (instructors only) here")
    g.add_argument("--autograder", metavar="ZIP", help="grade with this autograder zip (default dist/autograder.zip)")
    ga = sub.add_parser("grade-all", help="grade a class: Gradescope's Export Submissions (zip or folder) or a "
                        "folder of submissions, into one CSV (resumable; hwbuild/grade_all.py)")
    ga.add_argument("input", help="the export zip or folder, or a folder with one subfolder, .zip or .py per submission")
    ga.add_argument("--csv", required=True, help="the grade sheet to write")
    ga.add_argument("--out", help="where each submission's results.json goes (default: CSV's name + _results)")
    ga.add_argument("--jobs", type=int, default=1, help="submissions graded at the same time (processes)")
    ga.add_argument("--shard", metavar="K/N", help="grade only the K-th of N slices (1 <= K <= N) of the sorted submissions")
    ga.add_argument("--only", metavar="MODULE", help="grade only the tests of one student module")
    ga.add_argument("--autograder", metavar="ZIP", help="grade with this autograder zip (default dist/autograder.zip)")
    mg = sub.add_parser("merge-grades", help="join grade-all CSVs of the shards of one class")
    mg.add_argument("csvs", nargs="+", metavar="CSV")
    mg.add_argument("--csv", required=True, help="the merged grade sheet to write")
    v = sub.add_parser("verify", help="prove the graders right: the solution passes, the stub fails, "
                       "every mutant in autograder/parts/<part>/mutants/ loses points, every alternative keeps full marks")
    verify.add_arguments(v)
    c = sub.add_parser("calibrate", help="rerun a part's reference experiment and write its calibration report "
                       "(autograder/parts/<part>/calibration/; hwbuild/calibration.py)")
    c.add_argument("part", help="the part's number (assignment.yml) or folder name, e.g. 3 or pretraining")
    c.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    c.add_argument("--threads", type=int, default=None, help="CPU threads per run (default: the release's)")
    c.add_argument("--jobs", type=int, default=1,
                   help="experiments run at the same time, where the part supports it (Part 3: vanilla and "
                        "synthesizer of each seed apart, one thread each; 2 on a 2-core machine halves the wall time)")
    c.add_argument("--from-logs", nargs="+", metavar="JSON", default=None,
                   help="only rewrite the report from saved runs, where the part supports it (Part 3: "
                        "bench/logs/calibrate_seed*.json); keeps the committed reference run")
    c.add_argument("--span-variants", nargs="*", default=None, metavar="NAME",
                   help="Part 3: also rerun each seed's pretrained models with these correct span corruptions "
                        "(names of the catalog's alternatives; no names: the calibration's standard two)")
    c.add_argument("--pretrained", metavar="DIR", default=None,
                   help="Part 3: reuse the pretrained checkpoints of an earlier calibration (DIR/<run>/<variant>."
                        "pretrain.params with that run's log, e.g. DIR/seed0A/) when only fine-tuning or "
                        "evaluation changed; pretraining on one machine is reproducible")
    c.add_argument("--note", default="", help="a paragraph for the report (what changed, what the runs show)")
    args = parser.parse_args(argv)
    try:
        if args.data_seed is not None:
            regenerate_data(args)
        if args.command == "calibrate":
            return cmd_calibrate(args)
        if args.command == "verify":
            return verify.run(args)
        commands = {"grade": cmd_grade, "grade-all": cmd_grade_all, "merge-grades": cmd_merge_grades}
        return commands.get(args.command, cmd_build)(args)
    except MasterError as e:
        print(f"build failed: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
