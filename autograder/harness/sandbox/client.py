"""The grader's side of the sandbox: the worker process's life and the calls into it (trusted side).

The grading kernel runs only trusted code: the tests and the proxies in proxies.py. Every call
sends copies of its arguments to the worker and decodes the reply with the checked codec; nothing
the worker does to its copies comes back: a tensor argument changed in place keeps its values here
and is only marked, for `hw_support.checks.assert_unchanged` (tests that check for it). Every request
has a deadline that covers writing, reading and parsing; a worker that times out, exits or
sends garbage is killed and replaced, and only that test fails. A function that timed out is
not called again: later tests that need it fail at once.
"""
import os
import signal
import subprocess
import threading
import time


from sandbox import codec, launch
from sandbox.proxies import RemoteModule, RemoteObject, SandboxError, StudentCrash, StudentTimeout  # noqa: F401
from sandbox.worker import ISOLATION_FAILED
from settings import SandboxSettings

IsolationError = launch.IsolationError


class Sandbox:
    """One student worker process and the bookkeeping to call into it.

    box: launch.make_box's directories; launcher: 'bwrap' or 'builtin'; user: (uid, gid) or None.
    """

    def __init__(self, modules, box, settings, launcher="builtin", user=None):
        self.modules, self.box, self.settings = modules, box, dict(settings)
        self.launcher, self.user = launcher, user
        self.proc, self.status, self.output = None, {}, bytearray()
        self.deadline, self.limit, self.next_id = None, None, 0
        self.timed_out = {}  # what -> the limit it ran past
        self.worker_pid = None
        self.max_output = int(self.settings.get("max_output_kb", SandboxSettings.max_output_kb)) << 10
        self.start()

    # -- process life
    def start(self):
        """Start a worker; a module whose import kills or hangs the worker is marked broken and skipped."""
        self.status = {}
        while True:
            todo = [m for m in self.modules if m not in self.status]
            failed = self._spawn(todo)
            if failed is None:
                return
            self.status[failed[0]] = {"error": failed[1]}

    def _spawn(self, modules):
        argv, kwargs = launch.worker_command(self.launcher, self.box, dict(self.settings, modules=modules),
                                             self.user)
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     **kwargs)
        os.set_blocking(self.proc.stdin.fileno(), False)
        self.output_start = len(self.output)
        threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()
        deadline = time.monotonic() + float(self.settings.get("import_limit", SandboxSettings.import_limit))
        current = None
        try:
            while True:
                msg = codec.recv(self.proc.stdout.fileno(), deadline, max_bytes=16 << 20)
                if isinstance(msg, dict) and "importing" in msg:
                    current = str(msg["importing"])
                    continue
                self.status.update({m: self._status(msg["ready"].get(m)) for m in modules})
                self.worker_pid = launch.oldest_process(self.user[0]) if self.user is not None else None
                return None
        except (codec.Timeout, EOFError, codec.ProtocolError, KeyError, TypeError, AttributeError) as exc:
            timed_out = isinstance(exc, codec.Timeout)
            self.kill()
            if self.proc.returncode == ISOLATION_FAILED or (current is None and not timed_out):
                time.sleep(0.2)  # let the drain thread read the worker's last words
                said = bytes(self.output[self.output_start:]).decode("utf-8", "replace").strip()[-2000:]
                raise IsolationError(f"the student worker ({self.launcher} launcher) did not start: exit code "
                                     f"{self.proc.returncode}\n{said}")
            if current not in modules:
                current = modules[0]
            what = "took too long to import (an infinite loop at module level?)" if timed_out else \
                f"ended the grading process while being imported (exit code {self.proc.returncode}); " \
                "do not call exit() or run long code at module level"
            return current, f"{current}.py {what}"

    @staticmethod
    def _status(st):
        if isinstance(st, dict) and isinstance(st.get("error"), str):
            return {"error": st["error"][:8000]}
        if isinstance(st, dict) and isinstance(st.get("attrs"), dict):
            return {"attrs": st["attrs"]}
        return {"error": "the module could not be read"}

    def _drain(self, stream):
        for chunk in iter(lambda: stream.read1(65536), b""):
            room = self.max_output - len(self.output)
            if room > 0:
                self.output += chunk[:room]

    def kill(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.kill()
        if self.proc:
            self.proc.wait()
        if self.user is not None:
            launch.kill_user_processes(self.user[0])

    def restart(self):
        self.kill()
        self.start()

    # -- tests
    def begin_test(self, limit):
        self.limit = limit
        self.deadline = time.monotonic() + limit
        if self.proc.poll() is not None:
            self.restart()

    def end_test(self):
        """Release the test's objects; processes the student's code started do not outlive the test."""
        self.deadline = self.limit = None
        if self.user is not None:
            launch.kill_user_processes(self.user[0], keep=self.worker_pid)
        if self.proc.poll() is None:
            try:  # the worker also reaps the processes just killed (zombies count against max_processes)
                self._request({"op": "release"}, "cleanup", time.monotonic() + 5)
            except (StudentTimeout, StudentCrash, SandboxError):
                pass

    def _request(self, message, what, deadline=None):
        if what in self.timed_out:
            raise StudentTimeout(f"{what} timed out in an earlier test (after {self.timed_out[what]:g} s), "
                                 "so it is not run again; look for an infinite loop or very slow code")
        deadline = deadline if deadline is not None else self.deadline
        if self.proc.poll() is not None:
            self.restart()
        try:
            codec.send(self.proc.stdin.fileno(), message, deadline)
            reply = codec.recv(self.proc.stdout.fileno(), deadline)
            if not isinstance(reply, dict) or not ("ok" in reply or "raised" in reply):
                raise codec.ProtocolError("not a reply")
        except codec.Timeout:
            self.restart()
            if what != "cleanup":
                self.timed_out[what] = self.limit or 0
            raise StudentTimeout(f"timed out after {self.limit or 0:g} s (while running {what}); "
                                 "look for an infinite loop or very slow code") from None
        except codec.ProtocolError as exc:
            self.restart()
            raise SandboxError(f"{what} sent back something the grader cannot read ({exc})") from None
        except (EOFError, BrokenPipeError, OSError):
            self.kill()
            code = self.proc.returncode
            self.start()
            cause = {-9: " (killed: out of memory or a resource limit)"}.get(code, "")
            raise StudentCrash(f"your code ended the grading process while running {what}: exit code "
                               f"{code}{cause}. Do not call exit() and keep memory use modest.") from None
        if "raised" in reply:
            raise SandboxError(f"{what} raised {str(reply['raised'])[:100]}:\n{str(reply.get('message'))[:4000]}")
        return reply

    # -- messages: a target is ["module", name, attr] or ["handle", number, attr or None]
    def _encode(self, obj):
        def other(x):
            if isinstance(x, RemoteObject):
                return {"__handle__": x._number}
            raise TypeError(f"an object of type {type(x).__name__} cannot be passed to student code")
        return codec.encode(obj, other)

    def _decode(self, data, what):
        try:
            return codec.decode(data, lambda spec: RemoteObject(self, spec["__handle__"], str(spec.get("type"))[:100]))
        except codec.ProtocolError as exc:
            raise SandboxError(f"{what} returned something the grader cannot read ({exc})") from None

    def ask(self, op, target, what, **fields):
        """getattr / setattr / len / getitem in the worker; the decoded answer."""
        try:
            message = dict({"op": op, "target": target}, **{k: self._encode(v) for k, v in fields.items()})
        except TypeError as exc:
            raise SandboxError(f"{what}: {exc}") from None
        answer = self._request(message, what)["ok"]
        if isinstance(answer, dict) and answer.get("__method__") is True:
            return answer  # a bound method: the caller makes a RemoteFunction of it
        return self._decode(answer, what)

    def call(self, target, args, kwargs, what, grad_flags=None):
        """(result, call id); the arguments travel as copies and never change here."""
        self.next_id += 1
        inputs = codec.tensors_in([list(args), kwargs])
        try:
            message = {"op": "call", "target": target, "id": self.next_id, "args": self._encode(list(args)),
                       "kwargs": self._encode(kwargs), "grad": grad_flags}
        except TypeError as exc:
            raise SandboxError(f"cannot call {what}: {exc}") from None
        reply = self._request(message, what)
        result = self._decode(reply["ok"], what)
        changed = reply.get("changed") or []
        if not isinstance(changed, list):
            raise SandboxError(f"{what} sent back something the grader cannot read")
        for i in changed:  # the grader's tensors keep their values; tests that check in-place changes see a mark
            if type(i) is int and 0 <= i < len(inputs):
                inputs[i]._hw_changed_in_place = True
        return result, self.next_id


def load_student_modules(modules, box, settings, launcher="builtin", user=None):
    """(sandbox, {name: RemoteModule or BrokenModule}) for the student modules in box['code']."""
    from hw_support.loader import BrokenModule

    sandbox = Sandbox(modules, box, settings, launcher, user)
    out = {}
    for name in modules:
        st = sandbox.status.get(name, {"error": "not imported"})
        out[name] = BrokenModule(name, st["error"]) if "error" in st else RemoteModule(sandbox, name, st["attrs"])
    return sandbox, out
