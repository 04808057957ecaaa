from django.core.management.base import BaseCommand

from articles.models import Article
from lifescope.renditions import renditions


class Command(BaseCommand):
    help = "Makes the hero image renditions of existing articles (all of them with --rebuild)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Remake renditions that are already recorded, e.g. after changing the widths.",
        )

    def handle(self, *args, rebuild=False, **options):
        made = failed = 0
        articles = Article.objects.exclude(hero_image="").only(
            "hero_image", "hero_renditions", "hero_width", "hero_height"
        )
        for article in articles.iterator(chunk_size=100):
            recorded = None if rebuild else article.hero_renditions
            if recorded and recorded.get("source") == article.hero_image.name:
                continue
            try:
                record = renditions(article.hero_image, recorded)
            except Exception as error:  # one bad file must not stop the rest
                failed += 1
                self.stderr.write(f"{article.pk} {article.hero_image.name}: {error}")
                continue
            # update() leaves updated_at alone: readers should not see "Updated" for this.
            Article.objects.filter(pk=article.pk).update(
                hero_renditions=record,
                hero_image=article.hero_image.name,
                hero_width=record["width"],
                hero_height=record["height"],
            )
            made += 1
        self.stdout.write(self.style.SUCCESS(f"Made renditions for {made} article(s)."))
        if failed:
            self.stdout.write(self.style.WARNING(f"{failed} article(s) failed; see above."))
