"""Part 4 study benchmark: prints numbers (not a timed test).

    python bench/part4_study.py                     # the four sizes and small on 1000 texts, one thread each
    python bench/part4_study.py --sizes tiny small  # only these (names: tiny small medium large small_n1000)
    python bench/part4_study.py --threads 2         # torch threads per run (default 1)
    python bench/part4_study.py --keep DIR          # keep the metrics files (calibrate.py study --files DIR)
    python bench/part4_study.py --from-json F       # reprint a saved benchmark (bench/part4_study_latest.json)

Runs `python train_lm.py --size S` of Part 4's release with the reference solution, one size after
the other, on this machine's device (`auto`: the CPU here), through the calibration's run_study, and
prints each run's wall and CPU time, steps, final dev NLL and top-1 accuracy, with the load average
before and after (the machine may be shared). Target (issue 17): the four sizes within 20 minutes
together on 2 CPU cores (medium and large train fewer epochs on a CPU, as their output says).
Output also goes to bench/part4_study_latest.txt and .json.
"""
import argparse
import json
import os
import platform
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hwbuild.parts import hidden_module  # noqa: E402

calibration = hidden_module("decoder_lm", "calibration/calibrate.py")
LATEST = os.path.join(ROOT, "bench", "part4_study_latest")


def table(report):
    return "\n".join([f"machine: {report['machine']}; torch threads per run: {report['threads']}",
                      *calibration.study_markdown(report["runs"])])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", nargs="*")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--keep", help="copy the metrics files here")
    p.add_argument("--from-json")
    args = p.parse_args()
    if args.from_json:
        with open(args.from_json) as f:
            print(table(json.load(f)))
        return
    import torch
    report = {"machine": f"{platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__}",
              "threads": args.threads}
    with tempfile.TemporaryDirectory(prefix="part4-study-") as tmp:
        report["runs"] = calibration.run_study(tmp, args.threads, args.sizes, args.keep)
    text = table(report)
    print(text)
    with open(LATEST + ".txt", "w") as f:
        f.write(text + "\n")
    with open(LATEST + ".json", "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
