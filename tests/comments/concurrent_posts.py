"""Twenty readers posting at once, run in a fresh process against a real SQLite file.

The test suite's SQLite database lives in memory with table locks instead of WAL, so the
SQLite half of tests/comments/test_concurrency.py runs this module on a database like
production's: `python -m tests.comments.concurrent_posts` prints the outcome as JSON.
"""

import json
import os
import threading

CLIENTS = 20


def post_concurrently(article, clients=CLIENTS):
    """Posts `clients` comments on `article` from as many threads at once; returns statuses."""
    from django.db import connection
    from django.test import Client

    from tests.comments.conftest import comment_data, comments_url

    barrier = threading.Barrier(clients)
    statuses = []

    def post(n):
        data = comment_data(article, body=f"Comment from reader {n}", email=f"r{n}@example.com")
        barrier.wait()
        try:
            response = Client().post(comments_url(article), data, REMOTE_ADDR=f"192.0.2.{n + 1}")
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def main():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifescope.settings_test")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from comments.models import Comment
    from tests.factories import ArticleFactory

    settings.COMMENTS = {**settings.COMMENTS, "MODERATE_AFTER_DAYS": 30}
    call_command("migrate", verbosity=0)
    article = ArticleFactory()
    statuses = post_concurrently(article)
    article.refresh_from_db()
    print(
        json.dumps(
            {
                "statuses": statuses,
                "stored": Comment.objects.filter(article=article).count(),
                "comment_count": article.comment_count,
            }
        )
    )


if __name__ == "__main__":
    main()
