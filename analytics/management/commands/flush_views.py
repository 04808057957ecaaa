from django.core.management.base import BaseCommand

from analytics import flush


class Command(BaseCommand):
    help = (
        "Moves the new lines of this host's view logs into the database (analytics/flush.py). "
        "The web processes do this themselves after responses; run it from cron when "
        "LIFESCOPE_VIEW_FLUSH_SECONDS=0. A run that crashed is finished by the next, exactly."
    )

    def handle(self, *args, **options):
        flushed = flush.flush(wait=True)
        self.stdout.write(f"Flushed {flushed.views} view(s) and {flushed.bot_hits} bot hit(s).")
