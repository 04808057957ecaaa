from django.core.management.base import BaseCommand

from analytics import rankings, services
from articles import services as article_services


class Command(BaseCommand):
    help = (
        "Moves buffered views (in Redis, or in this host's view files) to the database, then "
        "refreshes the cached rankings. The web processes do this themselves after responses; "
        "run it from cron when LIFESCOPE_VIEW_FLUSH_SECONDS=0. A run that crashed is finished "
        "by the next one, exactly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-rankings", action="store_true", help="Only flush; leave the rankings be."
        )

    def handle(self, *args, no_rankings=False, **options):
        flushed = services.flush_views()
        if not no_rankings:
            rankings.refresh_all()
            if flushed.views:
                # New rankings move /popular/ and perhaps the popular box on every page;
                # cached pages never re-rank it, so they are retired now.
                article_services.purge_public_caches()
        self.stdout.write(
            f"Flushed {flushed.views} view(s) and {flushed.bot_hits} bot hit(s) "
            f"in {flushed.batches} batch(es)."
        )
