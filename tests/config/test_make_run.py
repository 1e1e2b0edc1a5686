"""`make run` on another port puts that port in the links it makes (calendar feeds, texts,
invitations): PUBLIC_BASE_URL follows HOST and PORT unless it is set. Read from the commands
make would run (`make -n`), so nothing is installed or started."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def commands(*args: str, **env: str) -> list[str]:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    environ = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"} | env
    out = subprocess.run(
        [make, "-n", "run", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if "manage.py" in line or "daphne" in line]


def test_the_port_of_make_run_is_in_the_links():
    lines = commands("PORT=8123")
    assert any("daphne -b 127.0.0.1 -p 8123" in line for line in lines)
    assert len(lines) == 5  # migrate, seed_demo, collectstatic, the sweeps, daphne
    for line in lines:
        assert line.startswith("PUBLIC_BASE_URL='http://127.0.0.1:8123' "), line


def test_host_and_a_set_public_base_url():
    assert all(
        "PUBLIC_BASE_URL='http://0.0.0.0:9000'" in line
        for line in commands("HOST=0.0.0.0", "PORT=9000")
        if "manage.py" in line
    )
    lines = commands("PORT=8123", PUBLIC_BASE_URL="https://hearth.example.org")
    assert all(
        "PUBLIC_BASE_URL='https://hearth.example.org'" in line
        for line in lines
        if "manage.py" in line
    )
    lines = commands("PORT=8123", "PUBLIC_BASE_URL=https://on.the.command.line")
    assert all(
        "PUBLIC_BASE_URL='https://on.the.command.line'" in line
        for line in lines
        if "manage.py" in line
    )
