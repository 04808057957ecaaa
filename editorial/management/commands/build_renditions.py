from django.core.management.base import BaseCommand

from articles.models import Article
from lifescope import renditions


class Command(BaseCommand):
    help = (
        "Makes the hero image renditions articles lack: saved before renditions existed, or "
        "whose making after a save failed (all of them with --rebuild)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Remake renditions that are already recorded, e.g. after changing the widths.",
        )

    def handle(self, *args, rebuild=False, **options):
        made = failed = 0
        articles = Article.objects.exclude(hero_image="").only("hero_image", "hero_renditions")
        for article in articles.iterator(chunk_size=100):
            image, recorded = article.hero_image, article.hero_renditions
            if not rebuild and recorded.get("source") == image.name:
                continue
            try:
                record = renditions.make_renditions(image.storage, image.name)
            except Exception as error:  # one bad file must not stop the rest
                failed += 1
                self.stderr.write(f"{article.pk} {image.name}: {error}")
                continue
            # update() leaves updated_at alone: readers should not see "Updated" for this. It
            # names the image, so an editor's change meanwhile is not overwritten.
            Article.objects.filter(pk=article.pk, hero_image=image.name).update(
                hero_renditions=record, hero_width=record["width"], hero_height=record["height"]
            )
            made += 1
        self.stdout.write(self.style.SUCCESS(f"Made renditions for {made} article(s)."))
        if failed:
            self.stdout.write(self.style.WARNING(f"{failed} article(s) failed; see above."))
