"""WebSocket routes."""

from sessions_app.rooms.routing import websocket_urlpatterns as room_routes

websocket_urlpatterns = [*room_routes]
