"""Processes: start pinned in their own process group, read /proc, always stop."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before listening")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"server did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(rest[1]), []).append(int(name))
    return kids


def tree(pid: int) -> list[int]:
    """pid and all its live descendants."""
    kids = _children()
    out, todo = [], [pid]
    while todo and len(out) < 10_000:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime (all threads) of the given processes, in seconds."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(rest[11]) + int(rest[12])  # fields 14 and 15: utime, stime
    return total / CLK_TCK


def cpu_busy_seconds(cpu: str) -> float | None:
    """Busy time of one CPU ("0") from /proc/stat, or None for a CPU list."""
    if not cpu.isdigit():
        return None
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith(f"cpu{cpu} "):
                v = [int(x) for x in line.split()[1:]]
                return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / CLK_TCK
    return None


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


class Proc:
    """A child in its own session/process group, pinned with taskset, killed on stop()."""

    def __init__(self, argv, *, cpu: str, env=None, cwd=None, log_path=None, pipes=False):
        self.log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
        self.popen = subprocess.Popen(
            ["taskset", "-c", cpu, *argv],
            env=env,
            cwd=cwd,
            stdin=subprocess.PIPE if pipes else subprocess.DEVNULL,
            stdout=subprocess.PIPE if pipes else self.log,
            stderr=self.log,
            start_new_session=True,
        )
        self.pid = self.popen.pid

    def pids(self) -> list[int]:
        return tree(self.pid)

    def stop(self, grace: float = 3.0) -> None:
        try:
            pgid = os.getpgid(self.pid)
        except ProcessLookupError:
            pgid = None
        if pgid is not None and pgid == self.pid:  # never signal our own group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=grace)
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(timeout=grace)
        for stream in (self.popen.stdin, self.popen.stdout):
            if stream:
                with contextlib.suppress(OSError):
                    stream.close()
        if self.log is not subprocess.DEVNULL:
            self.log.close()


class LoadWorker:
    """One load-generator process speaking JSON lines over stdin/stdout."""

    def __init__(self, python: str, cpu: str, env: dict, log_path: str):
        self.proc = Proc(
            [python, "-m", "room_fanout.loadgen"], cpu=cpu, env=env, log_path=log_path, pipes=True
        )
        self.replies: queue.Queue = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.popen.stdout:
            self.replies.put(line)
        self.replies.put(None)

    def send(self, cmd: dict) -> None:
        self.proc.popen.stdin.write((json.dumps(cmd) + "\n").encode())
        self.proc.popen.stdin.flush()

    def recv(self, timeout: float) -> dict:
        try:
            line = self.replies.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(
                f"load worker {self.proc.pid} did not answer in {timeout}s"
            ) from None
        if line is None:
            raise RuntimeError(f"load worker {self.proc.pid} exited")
        reply = json.loads(line)
        if not reply.get("ok"):
            raise RuntimeError(f"load worker {self.proc.pid}: {reply.get('error')}")
        return reply

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.send({"cmd": "quit"})
            self.recv(timeout=3)
        self.proc.stop()


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
