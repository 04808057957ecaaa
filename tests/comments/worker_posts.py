"""One worker process of a server that runs several (`make serve`), posting comments for one
client: tests/comments/test_concurrency.py starts a few at once against one database.

`python -m tests.comments.worker_posts SLUG COUNT NAME` posts COUNT comments on the article
from one address and prints the answers' status codes as JSON. The database and cache come
from the environment (DATABASE_URL, REDIS_URL), as a worker's do.
"""

import json
import os
import sys

ADDRESS = "203.0.113.7"


def post(slug, count, name):
    from django.test import Client

    from articles.models import Article
    from tests.comments.conftest import comment_data, comments_url

    article = Article.objects.get(slug=slug)
    client = Client()
    return [
        client.post(
            comments_url(article),
            comment_data(article, body=f"{name}, comment {n}"),
            REMOTE_ADDR=ADDRESS,
        ).status_code
        for n in range(count)
    ]


def main(slug, count, name):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifescope.settings_test")
    django.setup()
    print(json.dumps(post(slug, int(count), name)))


if __name__ == "__main__":
    main(*sys.argv[1:])
