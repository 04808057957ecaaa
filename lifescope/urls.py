import errno

from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.urls import include, path, re_path
from django.views.static import serve

from accounts import urls as accounts_urls
from articles import sitemaps
from articles.discovery_views import RobotsView
from lifescope import signin
from lifescope.health import healthz

admin.site.site_header = "Lifescope News administration"
admin.site.site_title = "Lifescope News admin"
admin.site.index_title = "Newsroom"
# Shows moderators how many comments wait, on the first page they see.
admin.site.index_template = "comments/admin/index.html"

# One sign-in for everyone, allauth's: the admin's login page only sends there, and the admin
# lets staff in once they have a second factor when LIFESCOPE_STAFF_MFA asks (lifescope/signin.py).
admin.site.login = signin.admin_login
admin.site.logout = signin.admin_logout
admin.site.has_permission = signin.may_use_admin

urlpatterns = [
    path("admin/", admin.site.urls),
    *signin.urlpatterns,
    # A reader's own pages, then allauth's (sign-in, sign-up, e-mail, password, second factor).
    path("accounts/", include("accounts.urls")),
    path("accounts/", include(accounts_urls.links)),
    path("accounts/", include("allauth.urls")),
    path("healthz", healthz, name="healthz"),
    path(
        "sitemap.xml",
        sitemaps.index,
        {"sitemaps": sitemaps.SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-news.xml",
        sitemaps.sitemap,
        {
            "sitemaps": sitemaps.SITEMAPS,
            "section": "news",
            "template_name": "articles/sitemap_news.xml",
        },
        name="sitemap_news",
    ),
    path(
        "sitemap-<section>.xml",
        sitemaps.sitemap,
        {"sitemaps": sitemaps.SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", RobotsView.as_view(), name="robots"),
    path("", include("analytics.urls")),
    path("", include("comments.urls")),
    path("", include("editorial.urls")),
    path("", include("articles.urls")),
]


def media(request, path):
    """An upload, when no web server or object store serves them (SERVE_MEDIA).

    A path no file can have (a name over 255 bytes, a path over 4,096) is simply not found:
    the file system's ENAMETOOLONG was a 500.
    """
    try:
        return serve(request, path, document_root=settings.MEDIA_ROOT)
    except OSError as error:
        if error.errno == errno.ENAMETOOLONG:
            raise Http404("No such file.") from None
        raise


if settings.SERVE_MEDIA:
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [re_path(rf"^{media_prefix}(?P<path>.*)$", media)]
