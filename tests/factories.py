import io
from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from faker import Faker
from PIL import Image

from articles.models import Article, Section

fake = Faker()


def hours_ago(hours):
    return timezone.now() - timedelta(hours=hours)


def image_bytes(size=(120, 80), image_format="JPEG", colour=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, image_format)
    return buffer.getvalue()


def image_upload(name="photo.jpg", size=(120, 80), image_format="JPEG"):
    content_type = f"image/{image_format.lower()}"
    return SimpleUploadedFile(name, image_bytes(size, image_format), content_type=content_type)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        """Group names to join: `UserFactory(groups=["Editors"])`."""
        if create and names:
            self.groups.add(*Group.objects.filter(name__in=names))
        if create:
            self.save()


class StaffFactory(UserFactory):
    """A newsroom account: its administrator vouches for its address, so allauth has it verified
    (the sign-in asks for a verified address)."""

    is_staff = True

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create and self.email:
            EmailAddress.objects.update_or_create(
                user=self, email=self.email.lower(), defaults={"verified": True, "primary": True}
            )


class EditorFactory(StaffFactory):
    groups = factory.PostGeneration(
        lambda user, create, names, **kw: _join(user, create, "Editors")
    )


class ModeratorFactory(StaffFactory):
    groups = factory.PostGeneration(
        lambda user, create, names, **kw: _join(user, create, "Moderators")
    )


def _join(user, create, group_name):
    if create:
        user.groups.add(Group.objects.get(name=group_name))
        user.save()


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")
    order = factory.Sequence(int)


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article that went out an hour ago."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Faker("sentence", nb_words=7)
    slug = factory.Sequence(lambda n: f"story-{n}")
    standfirst = factory.Faker("sentence", nb_words=18)
    body = factory.LazyFunction(lambda: "".join(f"<p>{text}</p>" for text in fake.paragraphs(3)))
    author = factory.SubFactory(EditorFactory)
    section = factory.SubFactory(SectionFactory)
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    @factory.post_generation
    def tags(self, create, names, **kwargs):
        if create and names:
            self.tags.add(*names)


class DraftArticleFactory(ArticleFactory):
    status = Article.Status.DRAFT
    published_at = None


class ScheduledArticleFactory(ArticleFactory):
    published_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))


class ArticleWithImageFactory(ArticleFactory):
    hero_image = factory.django.ImageField(width=300, height=200, color="navy")
    hero_alt = "A navy rectangle"


# --- Comments ---------------------------------------------------------------------------------
class CommentFactory(factory.django.DjangoModelFactory):
    """A reader's comment waiting for a moderator."""

    class Meta:
        model = "comments.Comment"

    article = factory.SubFactory(ArticleFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"reader{n}@example.com")
    body = factory.Faker("paragraph", nb_sentences=3)
    fingerprint = factory.Sequence(lambda n: f"{n:064x}")
    user_agent = "Mozilla/5.0 (test)"


class ApprovedCommentFactory(CommentFactory):
    """Approved through the service, so the article's comment count includes it."""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from comments import services

        comment = super()._create(model_class, *args, **kwargs)
        services.approve(model_class.objects.filter(pk=comment.pk), notify=False)
        comment.refresh_from_db()
        return comment


class ArticleDailyViewsFactory(factory.django.DjangoModelFactory):
    """One article's readers on one day; pass `day` to pin it."""

    class Meta:
        model = "analytics.ArticleDailyViews"

    article = factory.SubFactory(ArticleFactory)
    day = factory.LazyFunction(timezone.localdate)
    views = 10
    bot_hits = 0


class ArticleHourlyViewsFactory(factory.django.DjangoModelFactory):
    """One article's readers in one clock hour; pass `hour` (its start) to pin it."""

    class Meta:
        model = "analytics.ArticleHourlyViews"

    article = factory.SubFactory(ArticleFactory)
    hour = factory.LazyFunction(lambda: timezone.now().replace(minute=0, second=0, microsecond=0))
    views = 10
