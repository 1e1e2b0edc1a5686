"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Rooms hold hundreds of connections per process; Python's cyclic garbage collector pausing
over all the objects made at start-up is what sets the latency tail (DESIGN.md section 11),
so those objects are frozen out of its way and young collections run less often.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from rooms.middleware import RoomTicketMiddleware, origin_validated  # noqa: E402

gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 100)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": origin_validated(
            AuthMiddlewareStack(RoomTicketMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
