from django.urls import path, re_path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.AccountView.as_view(), name="profile"),
    path("comments/", views.MyCommentsView.as_view(), name="comments"),
    path("download/", views.DownloadView.as_view(), name="download"),
    path("delete/", views.DeleteAccountView.as_view(), name="delete"),
]

# allauth's own addresses and names, answered by views that say 400 for a link that does not
# work (accounts/views.py); lifescope/urls.py mounts these before allauth's.
links = [
    re_path(
        r"^confirm-email/(?P<key>[-:\w]+)/$",
        views.ConfirmEmailView.as_view(),
        name="account_confirm_email",
    ),
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        views.PasswordResetFromKeyView.as_view(),
        name="account_reset_password_from_key",
    ),
]
