"""Authors' public profiles: what readers know of the people who write.

Readers see a writer's display name, page address (/authors/<slug>/), bio and photo, all set by
editors in the admin; never the login name staff sign in with, which is half of what a password
guesser needs. Every user with articles has a profile: their first article's save makes one
from their full name, and migration 0010 made those of earlier writers.
"""

import itertools
import posixpath

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.text import slugify

from lifescope import addresses, renditions

# The public name of a writer with no name on file, until an editor gives one.
UNNAMED_AUTHOR = "Staff writer"


def author_slugs(full_name, username):
    """Addresses to try, in order, for a new author page: the person's name, then numbered
    ("maya-ortiz-2"; "author-1" for someone without a name), never their login name."""
    base = slugify(full_name)[:70].strip("-")
    numbered = (f"{base or 'author'}-{n}" for n in itertools.count(2 if base else 1))
    candidates = itertools.chain([base] if base else [], numbered)
    return (slug for slug in candidates if slug != username.lower())


def author_photo_path(author, filename):
    """Named after the author page: an uploaded file's own name may be anything, a login too."""
    return f"authors/{author.slug}{posixpath.splitext(filename)[1].lower()}"


class AuthorManager(models.Manager):
    def for_user(self, user):
        """`user`'s public profile, made on first need from their full name, never their login."""
        found = self.filter(user=user).first()
        if found:
            return found
        name = user.get_full_name().strip()[:150]
        for slug in author_slugs(name, user.get_username()):
            if self.filter(slug=slug).exists():
                continue
            try:
                with transaction.atomic():
                    return self.create(user=user, name=name or UNNAMED_AUTHOR, slug=slug)
            except IntegrityError:
                # Another save took this slug or made this user's profile meanwhile.
                found = self.filter(user=user).first()
                if found:
                    return found


class Author(models.Model):
    """What readers know of a writer: a name, an address, a bio and a photo, set by editors."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="author_profile"
    )
    name = models.CharField(
        "display name", max_length=150, help_text="The name bylines and the author page show."
    )
    slug = models.SlugField(
        max_length=80, unique=True, help_text="The author page's address; keep it stable."
    )
    bio = models.TextField(
        max_length=600, blank=True, help_text="A few sentences of plain text for the author page."
    )
    photo = models.ImageField(
        upload_to=author_photo_path,
        blank=True,
        width_field="photo_width",
        height_field="photo_height",
    )
    # As Article.hero_renditions: made after each save that changes the photo.
    photo_renditions = models.JSONField(default=dict, blank=True, editable=False)
    photo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)

    objects = AuthorManager()

    class Meta:
        # Pages find an author by slug or by user, both unique and so indexed already.
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "photo" not in update_fields:
            return super().save(*args, **kwargs)
        stored = None
        if self.pk:
            stored = Author.objects.filter(pk=self.pk).values_list("photo", flat=True).first()
        size = renditions.store_upload(self.photo)
        if size:
            self.photo_width, self.photo_height = size
        renditions.renew_after_commit(
            self, "photo", "photo_renditions", page=lambda: f"author:{self.user_id}"
        )
        super().save(*args, **kwargs)
        if stored and stored != self.photo.name:
            # No revision keeps an old photo: one replaced or removed is served no more.
            renditions.discard_after_commit(Author(photo=stored), "photo", {}, original=True)

    def get_absolute_url(self):
        return addresses.url("articles:author", slug=self.slug)

    def portrait(self, display_width):
        """{"url", "width", "height"} of the photo for `display_width` CSS px, or None."""
        return renditions.smallest_rendition(
            self.photo,
            self.photo_renditions,
            display_width,
            size=(self.photo_width, self.photo_height),
        )


@receiver(post_save, sender="articles.Article")
def _give_the_writer_a_profile(sender, instance, raw=False, update_fields=None, **kwargs):
    """Whoever writes gets a profile with their first article (and on a change of writer)."""
    if not raw and (update_fields is None or "author" in update_fields):
        Author.objects.for_user(instance.author)


@receiver(post_delete, sender=Author)
def _discard_photo_files(sender, instance, **kwargs):
    """As an article's hero image: the photo and its renditions go after the commit."""
    if instance.photo:
        renditions.discard_after_commit(instance, "photo", instance.photo_renditions, original=True)
