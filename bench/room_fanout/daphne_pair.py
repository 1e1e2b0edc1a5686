"""Several Daphne processes sharing one listening socket: ``daphne_pair.py PORT N ARGS...``.

The socket is bound here and inherited by N ``daphne --fd`` children, so the kernel spreads
new connections over the processes the way a production load balancer would spread them over
ports. People in one room end up on different processes, and the room only works if the
channel layer carries its events between them. Ends the children when it is told to stop.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys


def main() -> int:
    port, count, app = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1024)
    fd = listener.fileno()
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "daphne", "--fd", str(fd), app],
            pass_fds=(fd,),
        )
        for _ in range(count)
    ]

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    codes = [child.wait() for child in children]
    return max(codes, default=0)


if __name__ == "__main__":
    sys.exit(main())
