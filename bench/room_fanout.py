#!/usr/bin/env python
"""Room fan-out benchmark: raw websockets vs the Channels tutorial chat vs Hearth's rooms.

    .venv/bin/python bench/room_fanout.py --quick --servers raw,channels --shapes 1x50
    .venv/bin/python bench/room_fanout.py --repeats 3 --servers raw,channels-memory,channels-redis

The code lives in the package bench/room_fanout/ (README.md there documents the method
and how to plug in a server). The package directory shadows this file's name on import,
so ``import room_fanout`` below loads the package.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from room_fanout.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
