from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("popular/", views.PopularView.as_view(), name="popular"),
]
