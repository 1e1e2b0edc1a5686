"""Serve one page or API answer in-process, many times, for a profiler (py-spy) and its CPU.

Calls Hearth's WSGI application directly (no server, no socket), with the bench settings
(DEBUG off, bench/prod_env.py) on bench/api_load.py's data, so that a profile shows only
Django, DRF, the view, the queries' Python and the templates:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hearth_api \\
      .venv/bin/py-spy record --gil -r 300 -f speedscope -o list.json -- \\
      .venv/bin/python bench/api_profile.py list 2000

`list` is bench/api_load.py's 7-day window of GET /api/v1/sessions/, `directory` is `/`,
`directory-day` `/?day=N`; any other argument is taken as a path with its query string.
Prints the status, the size and the CPU and wall time per request (after one warm-up).
"""

from __future__ import annotations

import io
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from prod_env import production_env  # noqa: E402


def target(name: str) -> tuple[str, str]:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    after = (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    before = (now + timedelta(days=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
    named = {
        "list": ("/api/v1/sessions/", f"start_after={after}&start_before={before}"),
        "directory": ("/", ""),
        "directory-day": ("/", f"day={(now + timedelta(days=2)).weekday()}"),
    }
    if name in named:
        return named[name]
    path, _, query = name.partition("?")
    return path, query


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit("usage: api_profile.py list|directory|directory-day|PATH N")
    os.environ.update(production_env())
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_POOL_MAX", "4")
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    path, query = target(sys.argv[1])
    status: list[str] = []

    def start_response(line, headers):
        status.append(line)

    def environ() -> dict:
        return {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }

    body = b"".join(app(environ(), start_response))  # warm-up: URL resolvers, templates
    print(status[-1], f"{len(body):,} bytes", flush=True)
    n = int(sys.argv[2])
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        response = app(environ(), start_response)
        b"".join(response)
        response.close()
    print(
        f"{(time.process_time() - cpu) * 1000 / n:.2f} ms CPU and "
        f"{(time.perf_counter() - wall) * 1000 / n:.2f} ms wall per request ({n})"
    )


if __name__ == "__main__":
    main()
