"""The site's URLs, with uploads served from the MEDIA_ROOT of the test that is running.

The site's own media route fixes its folder when the URLconf is imported; each test here writes
its uploads to a fresh temporary folder, and the live server must serve them from there.
"""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from lifescope.urls import urlpatterns as site_urlpatterns


def media(request, path):
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [re_path(r"^media/(?P<path>.*)$", media), *site_urlpatterns]
