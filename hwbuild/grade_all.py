"""`build.py grade-all`: grade a whole class (Gradescope's export or a folder) into one CSV.

Each submission is graded by `grading.grade` (the autograder zip's own harness, sandboxed; each
concurrent grading claims its own sandbox user), `--jobs N` at a time in worker processes. Results
go to OUT/<submission>/: results.json, grader.log (the grader's stdout, instructors only), and
stamp.json, the sha256 of the autograder zip and of the submission's files (and `--only`): a
submission whose stamp matches is not graded again, so an interrupted run resumes. When grade()
itself fails, OUT/<submission>/error.txt and OUT/grade-all.log say why, that row is `crashed` with
score 0, and the rest of the class is still graded (a rerun tries it again).

`--shard K/N` grades the K-th of N slices (gradescope_export.shard) for Slurm array jobs or
Kubernetes indexed Jobs; `merge-grades` (grades_csv.merge) joins the slices' CSVs.
"""
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

from . import grades_csv, grading, gradescope_export

STAMP, RESULTS, LOG, ERROR = "stamp.json", "results.json", "grader.log", "error.txt"
BATCH_LOG = "grade-all.log"  # in OUT: one line per failed grading


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def content_sha256(path):
    """sha256 of a submission: a file's bytes, or a folder's relative names, kinds and contents
    (a link's target text, never what it points to), in sorted order."""
    if not os.path.isdir(path):
        return file_sha256(path)
    h = hashlib.sha256()
    for top, dirs, files in os.walk(path):  # os.walk never descends into linked folders
        dirs.sort()
        for name in sorted(dirs + files):
            full = os.path.join(top, name)
            h.update(os.fsencode(os.path.relpath(full, path)) + b"\0")
            if os.path.islink(full):
                h.update(b"L" + os.fsencode(os.readlink(full)))
            elif os.path.isfile(full):
                h.update(b"F" + bytes.fromhex(file_sha256(full)))
            else:
                h.update(b"D" if os.path.isdir(full) else b"S")
            h.update(b"\0")
    return h.hexdigest()


def _stamp(zip_sha, submission, only):
    return {"autograder_sha256": zip_sha, "submission_sha256": content_sha256(submission.path), "only": only}


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def up_to_date(folder, stamp):
    """Whether `folder` holds results graded with the same zip, submission and --only."""
    return _read_json(os.path.join(folder, STAMP)) == stamp and \
        isinstance(_read_json(os.path.join(folder, RESULTS)), dict)


def _write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
    os.replace(tmp, path)


def grade_one(autograder_zip, submission, folder, stamp, only=None):
    """Grade one submission into `folder` (results.json, grader.log, then stamp.json last);
    returns None, or the error text when grade() failed (folder/error.txt, no stamp)."""
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    try:
        results, _ = grading.grade(autograder_zip, submission.path, only=only,
                                   keep_log=os.path.join(folder, LOG))
        if not isinstance(results, dict):
            raise ValueError("the grader's results.json is not an object")
    except (Exception, SystemExit) as e:  # one submission never stops the class (Ctrl-C does)
        error = f"{type(e).__name__}: {e}"
        with open(os.path.join(folder, ERROR), "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(error + "\n")
        return error
    _write_json(os.path.join(folder, RESULTS), results)
    _write_json(os.path.join(folder, STAMP), stamp)
    return None


def _progress(total):
    from tqdm import tqdm
    return tqdm(total=total, unit="submission", desc="grading", file=sys.stderr, dynamic_ncols=True)


def grade_submissions(autograder_zip, submissions, out, jobs=1, only=None, log=print):
    """Grade every submission not already graded under `out`; returns {submission id: error} of
    those grade() failed on. jobs > 1: that many worker processes (jobs == 1: in this process)."""
    zip_sha = file_sha256(autograder_zip)
    todo = []
    for s in submissions:
        stamp = _stamp(zip_sha, s, only)
        if not up_to_date(os.path.join(out, s.id), stamp):
            todo.append((s, stamp))
    log(f"{len(submissions) - len(todo)} of {len(submissions)} submission(s) already graded with this "
        f"autograder zip; grading {len(todo)} with {jobs} job(s)")
    errors = {}
    with _progress(len(todo)) as bar:
        def done(s, error):
            if error:
                errors[s.id] = error
                line = f"{s.id}: grading failed (row marked crashed): {error}"
                bar.write(line.splitlines()[0])
                with open(os.path.join(out, BATCH_LOG), "a", encoding="utf-8", errors="backslashreplace") as f:
                    f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")
            bar.set_postfix_str(s.id, refresh=False)
            bar.update()

        if jobs <= 1:
            for s, stamp in todo:
                done(s, grade_one(autograder_zip, s, os.path.join(out, s.id), stamp, only))
        else:
            with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
                futures = {pool.submit(grade_one, autograder_zip, s, os.path.join(out, s.id), stamp, only): s
                           for s, stamp in todo}
                for future in as_completed(futures):
                    try:
                        error = future.result()
                    except Exception as e:  # the worker process itself died (BrokenProcessPool)
                        error = f"{type(e).__name__}: {e}"
                    done(futures[future], error)
    return errors


def run(args, autograder_zip):
    """The grade-all command; returns the exit status (0 when every submission has a row)."""
    out = os.path.abspath(args.out or os.path.splitext(args.csv)[0] + "_results")
    questions = grading.questions(autograder_zip, only=args.only)
    limits = grades_csv.limits(autograder_zip)
    with tempfile.TemporaryDirectory(prefix="attention-hw-export-") as workdir:
        try:
            submissions, notes = gradescope_export.read(args.input, workdir)
            if args.shard:
                submissions = gradescope_export.shard(submissions, args.shard)
        except gradescope_export.ExportError as e:
            raise SystemExit(f"grade-all: {e}") from None
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        os.makedirs(out, exist_ok=True)
        grade_submissions(autograder_zip, submissions, out, args.jobs, args.only)
        rows = [grades_csv.row(s, os.path.join(out, s.id), questions, limits) for s in submissions]
    grades_csv.write(args.csv, grades_csv.columns(questions), rows)
    flagged = {k: sum(r[k] for r in rows) for k in grades_csv.FLAGS}
    print(f"{len(rows)} row(s) written to {args.csv} (results in {out}); "
          + ", ".join(f"{k}: {v}" for k, v in flagged.items()))
    return 0
