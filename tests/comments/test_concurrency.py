"""Twenty readers posting at the same moment: every comment is stored, counts stay exact."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
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
