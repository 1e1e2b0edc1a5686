"""Safety routes: blocking people, reporting people."""

from django.urls import path

from api import views_safety as views

urlpatterns = [
    path("me/blocks/", views.MyBlocksView.as_view(), name="me-blocks"),
    path("me/blocks/<int:user_id>/", views.MyBlockView.as_view(), name="me-block"),
    path(
        "groups/<slug:slug>/reports/",
        views.GroupPersonReportsView.as_view(),
        name="group-person-reports",
    ),
    path("reports/people/", views.PersonReportsView.as_view(), name="person-reports"),
    path(
        "reports/people/<int:report_id>/resolve/",
        views.PersonReportResolveView.as_view(),
        name="person-report-resolve",
    ),
]
