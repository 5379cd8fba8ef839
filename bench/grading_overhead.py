"""Grading time of the reference solutions with and without the sandbox (issue 12's 1.5x budget).

    python bench/grading_overhead.py [--repeats N]

Prints the wall time of `build.py grade solutions/` through the autograder zip: unhardened (student
code imported into otter's kernel), hardened with bubblewrap, and hardened with the builtin launcher
(CAP_SYS_ADMIN dropped with capsh, as in a container without namespaces; run as root).
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

NO_SYS_ADMIN = ("capsh", "--drop=cap_sys_admin", "--", "-c", 'exec "$0" "$@"')
VARIANTS = {  # name: (sandbox settings, grading.grade keyword arguments)
    "unhardened": ({"enabled": False}, {}),
    "bwrap": ({"enabled": True, "launcher": "bwrap"}, {}),
    "builtin": ({"enabled": True, "launcher": "builtin"}, {"prefix": NO_SYS_ADMIN, "private": []}),
}


def variant_zip(build, name, directory):
    files = dict(build.autograder)
    settings = json.loads(files["harness/grading.json"])
    settings["sandbox"].update(VARIANTS[name][0])
    files["harness/grading.json"] = json.dumps(settings).encode()
    path = os.path.join(directory, f"autograder-{name}.zip")
    zips.write_zip(path, files)
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    build = pipeline.build()
    solutions = os.path.join(ROOT, "solutions")
    names = list(VARIANTS) if os.geteuid() == 0 else ["unhardened", "builtin"]
    with tempfile.TemporaryDirectory() as tmp:
        times = {}
        for name in names:
            ag = variant_zip(build, name, tmp)
            kwargs = VARIANTS[name][1] if os.geteuid() == 0 else {}
            runs = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                results, _ = grading.grade(ag, solutions, **kwargs)
                runs.append(time.perf_counter() - start)
                possible = sum(t.get("max_score", 0) for t in results["tests"])
            times[name] = statistics.median(runs)
            print(f"{name:<10}: median {times[name]:.2f} s over {len(runs)} runs "
                  f"({', '.join(f'{r:.2f}' for r in runs)}); score {results['score']:g}/{possible:g}")
        for name in names[1:]:
            print(f"{name} / unhardened = {times[name] / times['unhardened']:.2f}x (budget: 1.5x)")


if __name__ == "__main__":
    main()
