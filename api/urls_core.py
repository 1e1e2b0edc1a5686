"""Core resources: auth, groups, schedules, sessions, RSVPs, members, me."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter(trailing_slash=True)

urlpatterns = [*router.urls]
