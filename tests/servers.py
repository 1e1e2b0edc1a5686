"""Real servers for tests: Daphne processes on 127.0.0.1 serving a database of their own.

Tests that are about processes (several Daphnes sharing rooms through Redis, a killed
server, origin checks with DEBUG off) start them here; `manage()` runs management commands
and `shell()` Python code against the same database.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(**overrides: str) -> dict[str, str]:
    """The environment of a Hearth process: this one's, less database and Redis settings
    (a test names its own), plus `overrides`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG"}
    }
    env.update({"SMS_BACKEND": "console", "PYTHONUNBUFFERED": "1", **overrides})
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if out.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


class Daphne:
    """One Daphne process; `kill()` ends it as a crash would, `start()` brings it back on the
    same port."""

    def __init__(self, env: dict[str, str], log_path: Path, port: int | None = None):
        self.env = env
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        if self.log.closed:
            self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "config.asgi:application",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"daphne exited with {self.proc.returncode}; see {self.log.name}"
                )
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"daphne did not answer /healthz within {timeout} s")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def kill(self) -> None:
        """SIGKILL by PID: no clean shutdown, no closing frames."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if not self.log.closed:
            self.log.close()


@contextmanager
def daphne_cluster(*, prefix: str, setup: str, count: int = 2, **overrides: str):
    """`count` Daphne processes with DEBUG off on one fresh SQLite database (and the Redis in
    `overrides`), after running the `setup` script (its last line of output is JSON): yields
    (servers, that JSON) and stops them after."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    env = server_env(
        DATABASE_URL=f"sqlite:///{workdir / 'rooms.sqlite3'}",
        DEBUG="False",
        SECRET_KEY="integration-" + "x" * 40,
        NOTES_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        EMAIL_URL="memorymail://",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        **overrides,
    )
    manage(env, "migrate", "--noinput", "-v", "0")
    world = json.loads(manage(env, "shell", "-c", setup).strip().splitlines()[-1])
    servers = [Daphne(env, workdir / f"daphne-{i}.log") for i in range(count)]
    try:
        for server in servers:
            server.start()
        yield servers, world
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
