"""ASGI entry point for the Channels tutorial chat (served by Daphne).

    DJANGO_SETTINGS_MODULE=room_fanout.chat_settings \\
        daphne -b 127.0.0.1 -p 8102 room_fanout.chat_asgi:application
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "room_fanout.chat_settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import re_path  # noqa: E402

from room_fanout.chat_consumer import ChatConsumer  # noqa: E402

websocket_urlpatterns = [
    re_path(r"^ws/chat/(?P<room_name>\w+)/$", ChatConsumer.as_asgi()),
]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
