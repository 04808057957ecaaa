from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.AccountView.as_view(), name="profile"),
    path("comments/", views.MyCommentsView.as_view(), name="comments"),
    path("download/", views.DownloadView.as_view(), name="download"),
    path("delete/", views.DeleteAccountView.as_view(), name="delete"),
]
