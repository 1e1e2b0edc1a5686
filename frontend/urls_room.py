"""Pages: the room part of the site (included by frontend/urls.py, names in `frontend:`)."""

from django.urls import path

from frontend import views_room

urlpatterns: list = [
    path("sessions/<int:pk>/room/", views_room.session_room, name="session-room"),
]
