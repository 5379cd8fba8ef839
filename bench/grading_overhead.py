"""Grading time of the reference solutions with and without the sandbox (issue 5's 2x budget).

    python bench/grading_overhead.py [--repeats N]

Prints the wall time of `build.py grade solutions/` through the autograder zip, hardened (student
code in an unprivileged worker process) and unhardened (student code imported into otter's kernel).
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hwbuild import grading, pipeline, zips  # noqa: E402


def variant_zip(build, sandboxed, directory):
    files = dict(build.autograder)
    settings = json.loads(files["harness/grading.json"])
    settings["sandbox"]["enabled"] = sandboxed
    files["harness/grading.json"] = json.dumps(settings).encode()
    path = os.path.join(directory, f"autograder-{'hardened' if sandboxed else 'unhardened'}.zip")
    zips.write_zip(path, files)
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    build = pipeline.build()
    solutions = os.path.join(ROOT, "solutions")
    with tempfile.TemporaryDirectory() as tmp:
        times = {}
        for sandboxed in (False, True):
            ag = variant_zip(build, sandboxed, tmp)
            runs = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                results, _ = grading.grade(ag, solutions)
                runs.append(time.perf_counter() - start)
                possible = sum(t.get("max_score", 0) for t in results["tests"])
            times[sandboxed] = runs
            label = "hardened  " if sandboxed else "unhardened"
            print(f"{label}: median {statistics.median(runs):.2f} s over {len(runs)} runs "
                  f"({', '.join(f'{r:.2f}' for r in runs)}); score {results['score']:g}/{possible:g}")
        ratio = statistics.median(times[True]) / statistics.median(times[False])
        print(f"hardened / unhardened = {ratio:.2f}x (budget: 2x)")


if __name__ == "__main__":
    main()
