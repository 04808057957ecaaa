from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, post_save


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Reader accounts"

    def ready(self):
        from accounts.demo import add_demo_reader
        from articles.signals import demo_loaded

        demo_loaded.connect(add_demo_reader, dispatch_uid="accounts.add_demo_reader")

        # Who a session is, kept by the page cache for the fills of its pages, goes with any
        # change of the account and with signing out (lifescope/page_cache.py).
        user_model = get_user_model()
        post_save.connect(account_changed, sender=user_model, dispatch_uid="accounts.changed")
        post_delete.connect(account_changed, sender=user_model, dispatch_uid="accounts.deleted")
        user_logged_out.connect(signed_out, dispatch_uid="accounts.signed_out")


def account_changed(sender, instance, **kwargs):
    from lifescope import page_cache

    page_cache.account_changed(instance.pk)


def signed_out(sender, request, **kwargs):
    from lifescope import page_cache

    page_cache.signed_out(request.session.session_key)
