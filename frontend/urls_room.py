"""Pages: the room part of the site (included by frontend/urls.py, names in `frontend:`)."""

urlpatterns: list = []
