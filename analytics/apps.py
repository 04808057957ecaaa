from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Readership"

    def ready(self):
        from django.core.signals import request_finished

        from analytics import demo, flush, rankings
        from articles.signals import articles_changed, demo_loaded

        demo_loaded.connect(demo.add_demo_views, dispatch_uid="analytics.add_demo_views")
        articles_changed.connect(rankings.drop_box, dispatch_uid="analytics.drop_box")
        # After the response has gone out, so no reader waits on a flush (analytics/flush.py).
        request_finished.connect(flush.flush_if_due, dispatch_uid="analytics.flush_if_due")
