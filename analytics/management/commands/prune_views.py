from django.core.management.base import BaseCommand, CommandError

from analytics import pruning


class Command(BaseCommand):
    help = (
        "Rolls daily view rows older than --keep-days into one row per article and month. "
        "All-time totals stay exact; only the day-by-day detail of old months goes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-days",
            type=int,
            default=400,
            help=f"Days of daily detail to keep (at least {pruning.MIN_DAILY_DAYS}).",
        )

    def handle(self, *args, keep_days, **options):
        try:
            removed = pruning.prune_views(keep_days)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Rolled up old daily rows: {removed} row(s) fewer.")
