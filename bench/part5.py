"""Part 5 benchmark: prints numbers (not a timed test).

    python bench/part5.py              # the student's runs with the release defaults: fine-tune the pretrained
                                       # model, then from scratch (finetune_run.py, one thread, then two threads)
    python bench/part5.py --grading    # also the time to grade Part 5 (solutions/ through the real harness)

Measures on this machine: wall and CPU time of each fine-tuning run with the reference finetune.py (the
release of Part 5 alone, as calibrate.py builds it), the hidden test accuracy of each, and the load average
(the machine may be shared). Targets (issue 16): fine-tuning <= 3 min on 2 CPU cores, the whole part
(pretrained and from scratch) <= 6 min, grading of the part <= 60 s. Output also goes to bench/part5_latest.txt.
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hwbuild.parts import hidden_module  # noqa: E402

calibrate = hidden_module("hf_finetune", "calibration/calibrate.py")
LATEST = os.path.join(ROOT, "bench", "part5_latest.txt")


def timed(tmp, seed, scratch, threads):
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    r, _ = calibrate.run(tmp, seed, scratch=scratch, threads=threads)
    usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    r["cpu_s"] = round((usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime), 1)
    return r


def grading_time():
    from hwbuild import pipeline
    number = next(p.number for p in pipeline.parts_mod.compose().parts if p.name == "hf_finetune")
    with tempfile.TemporaryDirectory(prefix="part5-grade-") as tmp:
        subprocess.run([sys.executable, "build.py", "--parts", str(number), "--out", tmp], cwd=ROOT, check=True,
                       capture_output=True)
        t0 = time.time()
        proc = subprocess.run([sys.executable, "build.py", "grade", os.path.join(tmp, "solutions"), "--autograder",
                               os.path.join(tmp, "dist", "autograder.zip")], cwd=ROOT, capture_output=True, text=True)
        wall = time.time() - t0
    score = [l for l in proc.stdout.splitlines() if l.startswith("Total:")]
    return wall, score[-1] if score else proc.stdout[-500:]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--grading", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    lines = []
    with tempfile.TemporaryDirectory(prefix="part5-bench-") as tmp:
        for threads in (1, 2):
            rs = [timed(tmp, a.seed, scratch, threads) for scratch in (False, True)]
            for r in rs:
                lines.append(f"{threads} thread(s), {r['model']:10s}: {r['wall_s']:6.1f} s wall, {r['cpu_s']:6.1f} s CPU, "
                             f"training {r['train_s']} s, validation {r['best_validation_accuracy']:.3f}, hidden test "
                             f"{r['test_accuracy']:.3f} (load before {r['load_before']})")
            lines.append(f"{threads} thread(s), whole part (pretrained + scratch): {sum(r['wall_s'] for r in rs):.1f} s wall")
    if a.grading:
        wall, score = grading_time()
        lines.append(f"grading Part 5 (solutions, real harness): {wall:.1f} s wall; {score}")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(LATEST, "w") as f:
        f.write(f"# python bench/part5.py{' --grading' if a.grading else ''} ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
                f"{os.cpu_count()} CPUs)\n" + text)


if __name__ == "__main__":
    main()
