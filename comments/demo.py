"""Demo comments, added when `manage.py load_demo` fills a new site."""

from datetime import timedelta

from django.utils import timezone

from articles.demo.stories import SEED_SLUG
from comments import services
from comments.models import Comment
from comments.moderation import policy

SEED_CONVERSATION = [
    # (name, minutes after publication, text, index of the comment it replies to)
    (
        "Lucía Herrera",
        35,
        "Useful background on the counternarcotics side. I had not realised how much of the "
        "aid had been suspended before this meeting.",
        None,
    ),
    (
        "Daniel Brooks",
        52,
        "The migration section is the part to watch. Both governments need a result they can "
        "sell at home, and that is where one is most likely.",
        None,
    ),
    (
        "Amara Nwosu",
        70,
        "Agreed. The joint statement will tell us more than the photo opportunity did.",
        1,
    ),
    (
        "Tomás Restrepo",
        95,
        "Writing from Medellín: people here are cautious. Many remember earlier summits that "
        "promised a great deal.\n\nThe State Department readout is at "
        "https://www.state.gov/ for anyone who wants the official version.",
        None,
    ),
]

PENDING = [
    ("Chris Dale", "Does anyone know whether the trade questions came up at all?"),
    ("Pat Morgan", "Another summit, another set of promises. We will see."),
    ("Best Deals", "Cheap flights!!! https://deals.example.com http://deals.example.com/2 "
     "http://deals.example.com/3"),
]  # fmt: skip


def add_demo_comments(sender, articles, accounts, **kwargs):
    """Receiver for `articles.signals.demo_loaded`: a conversation under the seed story,
    approved, and a few comments waiting in the moderation queue (one of them spam)."""
    seed = next((a for a in articles if a.slug == SEED_SLUG), None)
    if seed is None:
        return
    moderator = accounts.get("moderator")
    written = []
    for index, (name, minutes, text, reply_to) in enumerate(SEED_CONVERSATION):
        comment = Comment(
            article=seed,
            parent=written[reply_to] if reply_to is not None else None,
            name=name,
            email=f"reader{index}@example.com",
            body=text,
            created=seed.published_at + timedelta(minutes=minutes),
        )
        comment.save()
        written.append(comment)
    services.approve(
        Comment.objects.filter(pk__in=[c.pk for c in written]), moderator=moderator, notify=False
    )
    now = timezone.now()
    for index, (name, text) in enumerate(PENDING):
        comment = Comment(
            article=seed,
            name=name,
            email=f"waiting{index}@example.com",
            body=text,
            created=now - timedelta(minutes=10 * (len(PENDING) - index)),
        )
        comment.derive_fields()
        signals = policy.spam_signals(comment)
        comment.status = Comment.Status.SPAM if signals else Comment.Status.PENDING
        comment.signals = "; ".join(signals)
        comment.save()
