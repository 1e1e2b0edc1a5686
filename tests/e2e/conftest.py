"""Browser tests: a real Daphne on 127.0.0.1 serving a throwaway SQLite database with the demo
data, driven by Playwright through Debian's Chromium (never `playwright install`).

`hearth_server` is one server for the whole run. Tests make their own data through
`hearth_server.shell("python code")` (run by `manage.py shell` against the server's database)
and must not depend on what other tests did: use unique names (see `unique`).
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    missing = []
    if not os.path.exists(CHROMIUM):
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("the playwright package")
    if missing:
        skip = pytest.mark.skip(reason="browser tests need " + " and ".join(missing))
        for item in items:
            if "tests/e2e/" in str(item.fspath):
                item.add_marker(skip)
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HearthServer:
    """A Daphne process on 127.0.0.1 with its own SQLite file, in-memory channel layer, eager
    tasks and the locmem SMS backend."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        }
        self.env.update(
            {
                "DATABASE_URL": f"sqlite:///{workdir / 'e2e.sqlite3'}",
                "DEBUG": "True",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SMS_BACKEND": "console",
                "PUBLIC_BASE_URL": self.url,
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.proc: subprocess.Popen | None = None
        self.log = open(workdir / "daphne.log", "ab")  # noqa: SIM115

    def manage(self, *args: str) -> str:
        out = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if out.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
        return out.stdout

    def shell(self, code: str) -> str:
        """Run Python in `manage.py shell` against the server's database; returns stdout."""
        return self.manage("shell", "-c", code)

    def start(self) -> None:
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
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited; see {self.workdir / 'daphne.log'}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("daphne did not answer /healthz within 60 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        """Kill the server (as a crash would) and start it again on the same port."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.start()


@pytest.fixture(scope="session")
def hearth_server():
    workdir = Path(tempfile.mkdtemp(prefix="hearth-e2e-"))
    server = HearthServer(workdir)
    server.manage("migrate", "--noinput", "-v", "0")
    server.manage("seed_demo")
    server.start()
    yield server
    server.stop()
    server.log.close()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def unique() -> str:
    """A short unique suffix for names, usernames and slugs made by one test."""
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def base_url(hearth_server):
    # pytest-playwright's `page.goto("/path")` resolves against this.
    return hearth_server.url


DEMO_PASSWORD = "hearth-demo-2026"


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real login form."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
