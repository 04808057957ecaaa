from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from articles import services
from articles.demo import stories
from articles.demo.artwork import hero_image, portrait
from articles.models import Article, Author, Section
from articles.signals import demo_loaded

DEMO_ACCOUNTS = [
    # username, password, first name, last name, group (None: a reader, no staff)
    ("editor", "lifescope-editor-demo", "Maya", "Ortiz", "Editors"),
    ("moderator", "lifescope-moderator-demo", "Sam", "Okafor", "Moderators"),
    # A reader signs in with their e-mail address at /accounts/login/; their first name is the
    # display name they chose (accounts/forms.py). accounts/demo.py verifies the address and
    # gives them a thread under the seed story.
    ("reader", "lifescope-reader-demo", "Jo Rivera", "", None),
]


class Command(BaseCommand):
    help = "Loads the Lifescope News demo stories, sections and accounts into an empty site."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add the demo content even though the site already has articles of its own.",
        )

    def handle(self, *args, force=False, **options):
        if Article.objects.filter(slug=stories.SEED_SLUG).exists():
            self.stdout.write("Demo content is already loaded; nothing to do.")
            self._print_accounts()
            return
        existing = Article.objects.count()
        if existing and not force:
            raise CommandError(
                f"This site already has {existing} article(s) of its own. load_demo only fills "
                "an empty site; run it with --force to add the demo content anyway."
            )
        with transaction.atomic():
            accounts = self._create_accounts()
            sections = self._create_sections()
            now = timezone.now()
            created = [
                self._create_article(story, accounts["editor"], sections, now)
                for story in stories.STORIES + stories.UNPUBLISHED_STORIES
            ]
            for username, details in stories.AUTHORS.items():
                self._complete_profile(accounts[username], details)
            demo_loaded.send(sender=self.__class__, articles=created, accounts=accounts)
            services.everything_changed()
        published = len(stories.STORIES)
        self.stdout.write(self.style.SUCCESS(f"Loaded {published} demo stories."))
        self._print_accounts()

    def _create_accounts(self):
        accounts = {}
        for username, password, first, last, group in DEMO_ACCOUNTS:
            user, created = get_user_model().objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "is_staff": group is not None},
            )
            if created:
                user.email = f"{username}@lifescope.example"
                user.set_password(password)
                user.save()
            if group is not None:
                user.groups.add(Group.objects.get(name=group))
            # Everyone signs in with their address, which allauth must have as verified; an
            # administrator vouches for the demo accounts' addresses.
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
            accounts[username] = user
        return accounts

    def _create_sections(self):
        sections = {}
        for order, (name, slug, description) in enumerate(stories.SECTIONS):
            sections[slug], _ = Section.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description, "order": order}
            )
        return sections

    def _create_article(self, story, author, sections, now):
        hours_ago = story.get("hours_ago")
        article = Article(
            slug=story["slug"],
            title=story["title"],
            standfirst=story["standfirst"],
            body=story["body"],
            section=sections[story["section"]],
            author=author,
            status=story.get("status", Article.Status.PUBLISHED),
            published_at=now - timedelta(hours=hours_ago) if hours_ago is not None else None,
            featured=story.get("featured", False),
            seo_description=story.get("seo", ""),
            view_count=story.get("views", 0),
            hero_alt=story.get("alt", ""),
            hero_caption=story.get("caption", ""),
            hero_credit="Illustration: Lifescope News" if "palette" in story else "",
        )
        if "palette" in story:
            artwork = hero_image(story["slug"], story["palette"])
            article.hero_image.save(artwork.name, artwork, save=False)
        article.save()
        article.tags.add(*story["tags"])
        return article

    def _complete_profile(self, user, details):
        """A bio and a photo for the profile the demo stories made; an editor's own stay."""
        author = Author.objects.for_user(user)
        author.bio = author.bio or details["bio"]
        if not author.photo:
            author.photo = portrait(author.slug, details["palette"])
        author.save()

    def _print_accounts(self):
        self.stdout.write("Demo accounts (change these passwords on a real site):")
        for username, password, *_, group in DEMO_ACCOUNTS:
            role = "reader" if group is None else group[:-1].lower()
            email = f"{username}@lifescope.example"
            self.stdout.write(f"  {role:10} e-mail: {email:26} password: {password}")
        self.stdout.write("Sign in at /accounts/login/ (staff: /admin/ sends you there).")
