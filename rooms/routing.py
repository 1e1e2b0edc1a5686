from django.urls import re_path

from rooms.consumers import RoomConsumer

websocket_urlpatterns = [
    re_path(r"^ws/sessions/(?P<session_id>\d{1,30})/room/$", RoomConsumer.as_asgi()),
]
