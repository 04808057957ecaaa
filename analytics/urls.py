from django.urls import path

from analytics import views
from analytics.middleware import beacon

app_name = "analytics"

urlpatterns = [
    path("popular/", views.PopularView.as_view(), name="popular"),
    # Answered by analytics.middleware before the URL conf is reached; named here so pages can
    # reverse() it.
    path("v/<str:token>.gif", beacon, name="beacon"),
]
