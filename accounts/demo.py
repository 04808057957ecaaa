"""The demo reader, added when `manage.py load_demo` fills a new site (which has verified the
demo accounts' addresses): a thread of their own under the seed story, with a reply they hear
about by e-mail."""

from datetime import timedelta

from articles.demo.stories import SEED_SLUG
from comments import services
from comments.models import Comment, ReplySubscription

THREAD = [
    # (who: None for the reader, minutes after publication, text, index replied to)
    (None, 120, "Did coffee exports come up at all? Half my town depends on them.", None),
    ("Lucía Herrera", 140, "Not in the readout, but the trade delegation meets next month.", 0),
]  # fmt: skip


def add_demo_reader(sender, articles, accounts, **kwargs):
    """Receiver for `articles.signals.demo_loaded`."""
    reader = accounts.get("reader")
    seed = next((a for a in articles if a.slug == SEED_SLUG), None)
    if reader is None or seed is None:
        return
    written = []
    for name, minutes, text, reply_to in THREAD:
        comment = Comment(
            article=seed,
            parent=written[reply_to] if reply_to is not None else None,
            user=reader if name is None else None,
            name=reader.get_full_name() if name is None else name,
            email=reader.email if name is None else "lucia@example.com",
            body=text,
            created=seed.published_at + timedelta(minutes=minutes),
        )
        comment.save()
        written.append(comment)
    ReplySubscription.objects.get_or_create(user=reader, article=seed)
    services.approve(
        Comment.objects.filter(pk__in=[c.pk for c in written]),
        moderator=accounts.get("moderator"),
        notify=False,
    )
