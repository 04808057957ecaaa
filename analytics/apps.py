from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Readership"

    def ready(self):
        from django.core.signals import request_finished

        from analytics import demo, scheduling
        from articles.signals import demo_loaded

        demo_loaded.connect(demo.add_demo_views, dispatch_uid="analytics.add_demo_views")
        # After the response has gone out, so no reader waits on a flush.
        request_finished.connect(scheduling.flush_if_due, dispatch_uid="analytics.flush_if_due")
