from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Readership"

    def ready(self):
        from analytics import demo
        from articles.signals import demo_loaded

        demo_loaded.connect(demo.add_demo_views, dispatch_uid="analytics.add_demo_views")
