"""Safety routes: blocking people, reporting people."""

from django.urls import path

from api import views_safety as views

urlpatterns = [
    path("me/blocks/", views.MyBlocksView.as_view(), name="me-blocks"),
    path("me/blocks/<int:user_id>/", views.MyBlockView.as_view(), name="me-block"),
]
