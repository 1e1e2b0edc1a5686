"""Browser tests: a real Daphne on 127.0.0.1 serving a throwaway SQLite database with the demo
data, driven by Playwright through Debian's Chromium (never `playwright install`).

`hearth_server` is one server for the whole run. Tests make their own data through
`hearth_server.shell("python code")` (run by `manage.py shell` against the server's database)
and must not depend on what other tests did: use unique names (see `unique`).
"""

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from tests.servers import Daphne, manage, server_env

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


@pytest.fixture(scope="session")
def media_browser(browser_type, browser_type_launch_args):
    """A Chromium of its own with fake microphone and camera, for the voice and video tests;
    the other browser tests keep theirs."""
    from tests.e2e.media_helpers import MEDIA_FLAGS

    args = {**browser_type_launch_args}
    args["args"] = [*browser_type_launch_args.get("args", []), *MEDIA_FLAGS]
    browser = browser_type.launch(**args)
    yield browser
    browser.close()


class HearthServer:
    """A Daphne process on 127.0.0.1 with its own SQLite file, in-memory channel layer, eager
    tasks and the console SMS backend."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.env = server_env(
            DATABASE_URL=f"sqlite:///{workdir / 'e2e.sqlite3'}",
            DEBUG="True",
            ALLOWED_HOSTS="127.0.0.1,localhost",
        )
        self.daphne = Daphne(self.env, workdir / "daphne.log")
        self.port, self.url = self.daphne.port, self.daphne.url
        self.env["PUBLIC_BASE_URL"] = self.url

    def manage(self, *args: str) -> str:
        return manage(self.env, *args)

    def shell(self, code: str) -> str:
        """Run Python in `manage.py shell` against the server's database; returns stdout."""
        return self.manage("shell", "-c", code)

    def start(self) -> None:
        self.daphne.start()

    def stop(self) -> None:
        self.daphne.stop()

    def restart(self) -> None:
        """Kill the server (as a crash would) and start it again on the same port."""
        self.daphne.kill()
        self.daphne.start()


@pytest.fixture(scope="session")
def hearth_server():
    workdir = Path(tempfile.mkdtemp(prefix="hearth-e2e-"))
    server = HearthServer(workdir)
    server.manage("migrate", "--noinput", "-v", "0")
    server.manage("seed_demo")
    server.start()
    yield server
    server.stop()
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
