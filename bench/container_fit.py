"""Does grading fit Gradescope's default container? (768 MB of memory, half a CPU, 10 minutes)

    python bench/container_fit.py [--cpus 0.5] [--memory-mb 768] [--submission solutions]

Grades a submission through dist/autograder.zip (as `build.py grade` does) with the grader's process
tree in its own cgroup (v1 or v2; run as root): a CPU quota of `--cpus` and a memory limit of
`--memory-mb`, as Gradescope's container has. While it runs, the proportional set size (PSS: shared
pages such as torch's libraries split between the processes that map them) of every process in the
cgroup is sampled; the peak of their sum is what must stay under the limit. Prints the peak, each
process's PSS at the peak, the wall and CPU time, whether the kernel killed anything for memory,
and the score. Writes bench/container_fit_latest.txt.
"""
import argparse
import json
import os
import shlex
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hwbuild import grading, pipeline, zips  # noqa: E402

TARGET_PSS_MB = 600  # issue 14: leave room under the 768 MB container for page cache and growth


class Cgroup:
    """A CPU-quota + memory-limit cgroup (v2 if mounted, else the v1 cpu and memory hierarchies)."""

    def __init__(self, name, cpus, memory_mb):
        v2 = "/sys/fs/cgroup/cgroup.controllers"
        if os.path.exists(v2):
            self.dirs = {"all": f"/sys/fs/cgroup/{name}"}
            os.makedirs(self.dirs["all"], exist_ok=True)
            self._write("all", "cpu.max", f"{int(cpus * 100000)} 100000")
            self._write("all", "memory.max", str(memory_mb << 20))
            self._write("all", "memory.swap.max", "0")
            self.procs_file = os.path.join(self.dirs["all"], "cgroup.procs")
        else:
            self.dirs = {c: f"/sys/fs/cgroup/{c}/{name}" for c in ("cpu", "cpuacct", "memory")}
            for d in self.dirs.values():
                os.makedirs(d, exist_ok=True)
            self._write("cpu", "cpu.cfs_period_us", "100000")
            self._write("cpu", "cpu.cfs_quota_us", str(int(cpus * 100000)))
            self._write("memory", "memory.limit_in_bytes", str(memory_mb << 20))
            self.procs_file = os.path.join(self.dirs["memory"], "cgroup.procs")

    def _write(self, controller, key, value):
        with open(os.path.join(self.dirs[controller], key), "w") as f:
            f.write(value)

    def _read(self, controller, key):
        with open(os.path.join(self.dirs[controller], key)) as f:
            return f.read()

    def join_command(self):
        """A command prefix that moves itself into this cgroup, then execs the rest."""
        moves = "; ".join(f"echo $$ > {shlex.quote(os.path.join(d, 'cgroup.procs'))}"
                          for d in set(self.dirs.values()))
        return ("sh", "-c", moves + '; exec "$0" "$@"')

    def pids(self):
        with open(self.procs_file) as f:
            return [int(p) for p in f.read().split()]

    def cpu_seconds(self):
        if "all" in self.dirs:
            stat = dict(line.split() for line in self._read("all", "cpu.stat").splitlines())
            return int(stat["usage_usec"]) / 1e6
        return int(self._read("cpuacct", "cpuacct.usage")) / 1e9

    def oom_kills(self):
        if "all" in self.dirs:
            events = dict(line.split() for line in self._read("all", "memory.events").splitlines())
            return int(events.get("oom_kill", 0))
        return int(dict(line.split() for line in self._read("memory", "memory.oom_control").splitlines())
                   .get("oom_kill", self._read("memory", "memory.failcnt").strip()))

    def remove(self):
        for d in set(self.dirs.values()):
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except OSError:
                    time.sleep(0.1)


def pss_mb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def command_line(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(a.decode(errors="replace") for a in args if a)
    return text if len(text) < 90 else text[:87] + "..."


def running_test(pids):
    """The test case after the last one in the grader's progress file (results/progress.jsonl in the
    grading directory, which is a process's working directory or its parent)."""
    for pid, up in ((pid, up) for pid in pids for up in ("", "..")):
        try:
            path = os.path.join(os.readlink(f"/proc/{pid}/cwd"), up, "results", "progress.jsonl")
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        return f"after #{len(lines)} " + (json.loads(lines[-1])["case"][:60] if lines else "(loading)")
    return "(starting)"


class Sampler(threading.Thread):
    def __init__(self, cgroup, interval=0.1):
        super().__init__(daemon=True)
        self.cgroup, self.interval = cgroup, interval
        self.peak, self.at_peak, self.done = 0.0, {}, threading.Event()
        self.by_test = {}  # the running test (the one after the last finished) -> highest total PSS

    def run(self):
        while not self.done.is_set():
            pids = self.cgroup.pids()
            sizes = {pid: pss_mb(pid) for pid in pids}
            total = sum(sizes.values())
            test = running_test(pids)
            self.by_test[test] = max(total, self.by_test.get(test, 0.0))
            if total > self.peak:
                self.peak = total
                self.at_peak = {f"{pid} {command_line(pid)}": mb for pid, mb in sizes.items() if mb > 1}
            time.sleep(self.interval)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpus", type=float, default=0.5)
    parser.add_argument("--memory-mb", type=int, default=768)
    parser.add_argument("--submission", default=os.path.join(ROOT, "solutions"))
    parser.add_argument("--autograder", default=os.path.join(ROOT, "dist", "autograder.zip"))
    parser.add_argument("--python", help="the grading environment's interpreter (default: this one); a venv "
                        "with only the zip's requirements measures what Gradescope's image holds")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("container_fit: run as root (it makes a cgroup)")
    if not os.path.exists(args.autograder):
        os.makedirs(os.path.dirname(args.autograder), exist_ok=True)
        zips.write_zip(args.autograder, pipeline.build().autograder)
    cgroup = Cgroup(f"attention-hw-bench-{os.getpid()}", args.cpus, args.memory_mb)
    sampler = Sampler(cgroup)
    sampler.start()
    start = time.perf_counter()
    try:
        results, _ = grading.grade(args.autograder, args.submission, prefix=cgroup.join_command(), python=args.python)
        wall = time.perf_counter() - start
    finally:
        sampler.done.set()
        sampler.join()
        cpu, killed = cgroup.cpu_seconds(), cgroup.oom_kills()
        cgroup.remove()
    possible = sum(t.get("max_score", 0) for t in results["tests"])
    lines = [f"container: {args.cpus:g} CPU, {args.memory_mb} MB; submission {os.path.relpath(args.submission, ROOT)}; "
             f"python {args.python or sys.executable}",
             f"peak PSS of the grader's processes: {sampler.peak:.0f} MB (target <= {TARGET_PSS_MB} MB)"]
    lines += [f"  {mb:7.0f} MB  {name}" for name, mb in sorted(sampler.at_peak.items(), key=lambda kv: -kv[1])]
    lines.append("highest total PSS while a test ran (top 6):")
    lines += [f"  {mb:7.0f} MB  {test}" for test, mb in sorted(sampler.by_test.items(), key=lambda kv: -kv[1])[:6]]
    lines += [f"wall time: {wall:.1f} s, CPU time: {cpu:.1f} s, killed for memory: {killed}",
              f"score: {results['score']:g}/{possible:g}"]
    print("\n".join(lines))
    with open(os.path.join(ROOT, "bench", "container_fit_latest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
