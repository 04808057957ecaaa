from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Reader accounts"

    def ready(self):
        from accounts.demo import add_demo_reader
        from articles.signals import demo_loaded

        demo_loaded.connect(add_demo_reader, dispatch_uid="accounts.add_demo_reader")
