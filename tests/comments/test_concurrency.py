"""Twenty readers posting at the same moment: every comment is stored, counts stay exact. One
reader posting through several worker processes at once: the rate limit holds across them."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

from comments import services
from comments.models import Comment
from tests.comments.concurrent_posts import CLIENTS, post_concurrently
from tests.factories import ArticleFactory

ROOT = Path(__file__).resolve().parents[2]


# Like every transactional test here: a plain flush would re-run post_migrate and collide with
# the serialized roles that the other transactional tests restore.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_posts_lose_no_comment(settings, tmp_path):
    # Auto-approval makes every post move the article's count too.
    settings.COMMENTS = {**settings.COMMENTS, "MODERATE_AFTER_DAYS": 30}
    if connection.vendor == "sqlite":
        outcome = run_on_a_sqlite_file(tmp_path)
    else:
        article = ArticleFactory()
        statuses = post_concurrently(article)
        article.refresh_from_db()
        outcome = {
            "statuses": statuses,
            "stored": Comment.objects.filter(article=article).count(),
            "comment_count": article.comment_count,
        }
        services.reject(Comment.objects.all())
        article.refresh_from_db()
        assert article.comment_count == 0

    assert outcome == {
        "statuses": [302] * CLIENTS,
        "stored": CLIENTS,
        "comment_count": CLIENTS,
    }


def run_on_a_sqlite_file(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["LIFESCOPE_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "tests.comments.concurrent_posts"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


WORKERS, POSTS_EACH, LIMIT = 3, 4, 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    "cache",
    [
        "per process",  # `make serve` as shipped: LocMemCache
        pytest.param(
            "redis",
            marks=pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs REDIS_URL"),
        ),
    ],
)
def test_one_clients_posts_through_several_workers_share_one_limit(
    settings, tmp_path, cache, share_database
):
    settings.COMMENTS = {**settings.COMMENTS, "RATE_LIMIT_POSTS": LIMIT}
    article = ArticleFactory()
    database_url, stored_bodies = shared_database_url(share_database())
    env = worker_environment(tmp_path, database_url)
    if cache == "redis":
        env["REDIS_URL"] = django_settings.REDIS_URL

    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.comments.worker_posts", article.slug, str(POSTS_EACH)]
            + [f"worker {n}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    statuses = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-3000:]
        statuses += json.loads(out.strip().splitlines()[-1])

    assert sorted(statuses) == [302] * LIMIT + [429] * (WORKERS * POSTS_EACH - LIMIT)
    assert len(stored_bodies(article)) == LIMIT


def worker_environment(tmp_path, database_url):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DATABASE_URL=database_url,
        LIFESCOPE_VAR_DIR=str(tmp_path),
        LIFESCOPE_COMMENTS_RATE_LIMIT=str(LIMIT),
        LIFESCOPE_VIEW_FLUSH_SECONDS="0",
    )
    return env


def shared_database_url(copy):
    """The URL of the database `share_database()` shared, and a reader of the comments the
    workers store there (this process's own connection still reads the original)."""
    if copy is None:
        db = connection.settings_dict
        url = (
            f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
            f"@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
        return url, lambda article: list(
            Comment.objects.filter(article=article).values_list("body", flat=True)
        )

    def stored_bodies(article):
        with sqlite3.connect(copy) as reader:
            rows = reader.execute(
                "SELECT body FROM comments_comment WHERE article_id = ?", [article.pk]
            )
            return [body for (body,) in rows]

    return f"sqlite:///{copy}", stored_bodies
