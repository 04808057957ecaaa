"""The site under /news/, to check that remembered addresses follow the URL conf."""

from django.urls import include, path

urlpatterns = [path("news/", include("lifescope.urls"))]
