import pytest
from django.core import mail
from django.core.management import call_command

from articles.demo.stories import SEED_SLUG
from articles.models import Article
from comments.models import Comment
from tests.signin import sign_in

pytestmark = pytest.mark.django_db


def test_the_demo_seed_story_has_a_conversation_and_a_queue(client):
    call_command("load_demo")

    seed = Article.objects.get(slug=SEED_SLUG)
    approved = Comment.objects.approved().filter(article=seed)
    page = client.get(seed.get_absolute_url()).content.decode()

    # The conversation's four, and the demo reader's comment with its reply (accounts/demo.py).
    assert seed.comment_count == approved.count() == 6
    assert approved.filter(parent__isnull=False).count() == 2
    assert Comment.objects.pending().count() >= 2
    assert Comment.objects.filter(status=Comment.Status.SPAM).count() == 1
    assert "Comments (6)" in page
    assert "Lucía Herrera" in page
    assert "Chris Dale" not in page  # waiting for a moderator
    assert mail.outbox == []


def test_demo_comments_are_added_once(client):
    call_command("load_demo")
    call_command("load_demo")
    assert Comment.objects.filter(article__slug=SEED_SLUG).count() == 9


def test_the_demo_moderator_works_the_queue(client):
    call_command("load_demo")
    signed_in = sign_in(client, "moderator@lifescope.example", "lifescope-moderator-demo")
    assert signed_in["Location"] == "/admin/"
    page = client.get("/admin/comments/comment/").content.decode()
    assert "comments awaiting moderation" in page
