"""No HTTP views: the peer only serves websockets."""

urlpatterns: list = []
