"""WebSocket routes. The rooms app adds the session room route here."""

websocket_urlpatterns: list = []
