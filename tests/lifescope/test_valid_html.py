"""Every public page is valid HTML: the Nu Html Checker (vnu) finds no error in any of them.

Each page a reader can meet is rendered through the test client, as served, and written to a
file; vnu checks them all in one run, since the JVM takes seconds to start. vnu comes from the
npm registry (node_modules/, `npm ci`) and needs Java (Debian: default-jre-headless); without
either the test is skipped and says which is missing. Warnings are allowed.
"""

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone
from django.views.defaults import server_error

from comments import replies
from comments.forms import form_token
from comments.models import ReplySubscription
from editorial.preview import preview_url
from tests.comments.conftest import comment_data, comments_url
from tests.factories import (
    ApprovedCommentFactory,
    ArticleDailyViewsFactory,
    ArticleFactory,
    ArticleWithImageFactory,
    DraftArticleFactory,
    EditorFactory,
    SectionFactory,
    UserFactory,
    image_upload,
)
from tests.signin import sign_in

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
JAVA = shutil.which("java")


def missing_checker_reason():
    if JAVA is None:
        return (
            "no `java` on PATH: install a Java runtime (Debian: apt-get install "
            "default-jre-headless) to check the pages with the Nu Html Checker"
        )
    if not VNU_JAR.exists():
        return (
            f"the Nu Html Checker is not installed at {VNU_JAR}: run `npm ci` in the project root"
        )
    return None


MISSING = missing_checker_reason()
pytestmark = [pytest.mark.django_db, pytest.mark.skipif(MISSING is not None, reason=MISSING or "")]

# What the admin's editor writes: headings, lists, a quote, a figure, a table, an embed card.
BODY = """
<p>The harbour <strong>reopened</strong> on <em>Monday</em>,
<a href="https://example.com/">officials said</a>.</p>
<h2>What changed</h2>
<ul><li>Two piers</li><li>One crane</li></ul>
<ol start="3"><li>Third</li><li>Fourth</li></ol>
<blockquote><p>We are open for business.</p></blockquote>
<figure class="image"><img src="/media/pier.jpg" alt="The new pier" width="600" height="400">
<figcaption>The new pier.</figcaption></figure>
<table><caption>Ships a day</caption>
<thead><tr><th scope="col">Day</th><th scope="col">Ships</th></tr></thead>
<tbody><tr><td>Monday</td><td>12</td></tr></tbody></table>
<p>https://www.youtube.com/watch?v=dQw4w9WgXcQ</p>
<h3>Next</h3>
<p>More <abbr title="as soon as possible">ASAP</abbr>; <code>code</code>, <q>quoted</q>.</p>
"""

# A page vnu must find at fault, checked in the same run: proves the checker ran and read the
# files, so an empty report means valid pages, not a checker that saw nothing.
CANARY = (
    '<!doctype html><html lang="en"><head><title>Canary</title></head>'
    '<body><p><time datetime="2026-03-02T09:00:00.123456+00:00">Then</time></p></body></html>'
)


def run_vnu(paths):
    """vnu's messages for `paths`, by file name: [(kind, "line:column message"), ...], where
    kind is "error", "warning", "info" or "non-document-error" (a file it could not read)."""
    finished = subprocess.run(
        [JAVA, "-jar", str(VNU_JAR), "--format", "json", "--stdout", "--exit-zero-always"]
        + [str(path) for path in paths],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    found = {path.name: [] for path in paths}
    for message in json.loads(finished.stdout)["messages"]:
        name = Path(message["url"].removeprefix("file:")).name
        kind = message["type"]
        if kind == "info":
            kind = "warning" if message.get("subType") == "warning" else "info"
        where = f"{message.get('lastLine', '?')}:{message.get('firstColumn', '?')}"
        found[name].append((kind, f"{where} {message['message']}"))
    return found


@pytest.fixture
def site(settings, django_capture_on_commit_callbacks):
    """A small newsroom with everything the pages can show."""
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "ENABLED": True}
    world = SectionFactory(name="World", slug="world", description="News from everywhere.")
    SectionFactory(name="Science", slug="science")
    writer = EditorFactory(username="lena", first_name="Lena", last_name="Moss")
    with django_capture_on_commit_callbacks(execute=True):  # its renditions: a <picture>
        story = ArticleWithImageFactory(
            title="Harbour reopens after the storm",
            slug="harbour-reopens",
            author=writer,
            section=world,
            tags=["Ports", "Storms"],
            hero_caption="The harbour at dawn.",
            hero_credit="Photo: Lena Moss",
            correction="An earlier version named the wrong pier.",
            body=BODY,
            view_count=40,
        )
    story.refresh_from_db()
    assert story.hero_picture is not None
    profile = writer.author_profile
    profile.bio = "Covers ports and shipping.\n\nBased in Rotterdam."
    profile.photo = image_upload("lena.jpg")
    profile.save()
    # Enough stories for a second page of the front page and of the section; some share a tag,
    # so the article has related stories.
    for hours in range(2, 14):
        ArticleWithImageFactory(
            title=f"Harbour story {hours}",
            section=world,
            author=writer,
            tags=["Ports"],
            published_at=timezone.now() - timedelta(hours=hours),
        )
    # Last month's story: the month archive links between months, and its comments have closed.
    old = ArticleFactory(
        title="Harbour plans approved",
        slug="harbour-plans",
        section=world,
        author=writer,
        published_at=timezone.now() - timedelta(days=40),
        view_count=12,
    )
    ApprovedCommentFactory(article=old, name="Old reader")
    closed = ArticleFactory(title="No comments here", slug="no-comments", comments_open=False)
    first = ApprovedCommentFactory(article=story, name="Bob Reader", body="Good news at last.")
    reply = ApprovedCommentFactory(article=story, parent=first, name="Cleo", body="Agreed.")
    ApprovedCommentFactory(article=story, parent=reply, name="Dan", body="Me too.")
    ApprovedCommentFactory(article=story, name="Eve", body="What about the ferries?")
    ArticleDailyViewsFactory(article=story, views=40)
    ArticleDailyViewsFactory(article=old, views=12)
    return {"story": story, "first": first, "old": old, "closed": closed, "profile": profile}


def reader(address):
    return Client(REMOTE_ADDR=address, HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64)")


def public_pages(site, settings, rf):
    """Each page by a label: (response, the status it must answer, what shows it is that page)."""
    story, old, first = site["story"], site["old"], site["first"]
    month = timezone.localtime(old.published_at)
    anonymous = reader("203.0.113.1")
    pages = {}

    def get(label, path, shows, status=200, client=anonymous):
        pages[label] = (client.get(path), status, shows)

    def post(label, article, client, shows, status, **fields):
        response = client.post(comments_url(article), comment_data(article, **fields))
        pages[label] = (response, status, shows)

    get("front", "/", "Lead story")
    get("front-page-2", "/?page=2", "Page 2 of 2")
    get("article", story.get_absolute_url(), "comment-list--replies")
    get("article-replying", f"{story.get_absolute_url()}?reply_to={first.pk}", "Reply to Bob")
    get("article-comments-closed", old.get_absolute_url(), 'class="comments__closed"')
    get("section", "/sections/world/", "News from everywhere.")
    get("tag", "/tags/ports/", "<h1>Ports</h1>")
    get("author", site["profile"].get_absolute_url(), "Based in Rotterdam.")
    get("archive", "/archive/", "Latest stories")
    get("archive-year", f"/archive/{month.year}/", 'class="archive-nav"')
    get("archive-month", f"/archive/{month.year}/{month.month}/", 'class="archive-pager"')
    get("search", "/search/", "Type a few words")
    get("search-results", "/search/?q=harbour", 'class="search-results"')
    get("search-nothing", "/search/?q=zebra&since=not-a-date", "This filter was ignored.")
    get("popular", "/popular/", 'class="popular-ranking"')
    get("popular-all", "/popular/?window=all", 'class="popular-ranking"')
    get("not-found", "/no-such-page/", "We couldn’t find that page", 404)
    get("bad-request", "/?page=abc", "That link doesn’t look right", 400)
    get("preview-link-refused", "/preview/not-a-token/", "This preview link is not valid", 400)

    # A signed-in reader's form carries a CSRF token and their name instead of fields.
    signed_in = reader("203.0.113.2")
    signed_in.force_login(UserFactory(first_name="Grace", last_name="Hopper"))
    get("article-signed-in", story.get_absolute_url(), "E-mail me when someone", client=signed_in)
    draft = DraftArticleFactory(title="Draft story", slug="draft-story", section=story.section)
    get("shared-preview", preview_url(draft), "Shared with you", client=reader("203.0.113.3"))
    editor = reader("203.0.113.4")
    editor.force_login(story.author)
    get("editor-preview", draft.get_absolute_url(), "Edit in the admin", client=editor)

    # The reader's own reply, awaiting moderation, shown to them alone.
    ada = reader("203.0.113.5")
    posted = ada.post(comments_url(story), comment_data(story, parent=str(first.pk)))
    assert posted.status_code == 302
    get("article-own-pending-comment", story.get_absolute_url(), "comment--pending", client=ada)

    mistaken = reader("203.0.113.6")
    post("comment-form-errors", story, mistaken, "aria-invalid", 400, body="x", email="a@b")
    expired = form_token(story, now=timezone.now() - timedelta(days=3))
    post("comment-form-expired", story, mistaken, "This form has expired", 400, token=expired)
    post("comment-closed", site["closed"], reader("203.0.113.7"), "Comments are closed", 403)
    settings.COMMENTS = {**settings.COMMENTS, "RATE_LIMIT_POSTS": 1}
    flooder = reader("203.0.113.8")
    first_post = comment_data(story, email="flo@example.com", body="My first thoughts.")
    assert flooder.post(comments_url(story), first_post).status_code == 302
    second = {"email": "flo@example.com", "body": "And my second.", "parent": str(first.pk)}
    post("comment-rate-limited", story, flooder, "Please slow down", 429, **second)

    # The unsubscribe link of reply e-mails: asking, done, nothing to do, expired, forged.
    subscriber = UserFactory()
    ReplySubscription.objects.create(user=subscriber, article=story)
    unsubscribe = replies.unsubscribe_path(subscriber.pk, story.pk)
    get("unsubscribe-asking", unsubscribe, "Stop e-mails about replies")
    pages["unsubscribe-done"] = (reader("203.0.113.10").post(unsubscribe), 200, "unsubscribed")
    get("unsubscribe-not-subscribed", unsubscribe, "nothing to stop")
    with time_machine.travel(timezone.now() - timedelta(days=61)):
        expired_link = replies.unsubscribe_path(subscriber.pk, story.pk)
    get("unsubscribe-expired", expired_link, "has expired", 410)
    get("unsubscribe-forged", unsubscribe[:-4] + "x/", "is not valid", 400)

    # Guessing at the one sign-in: the pause page.
    guesser = reader("203.0.113.11")
    for n in range(settings.AXES_FAILURE_LIMIT):
        guessed = sign_in(guesser, "someone@example.com", f"guess-{n}")
    pages["sign-in-paused"] = (guessed, 429, "Sign-in paused")

    account_pages(site, get, pages)

    forged = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x"})
    pages["csrf-refused"] = (forged, 403, "Your form expired")
    settings.LIFESCOPE = {**settings.LIFESCOPE, "FORM_MAX_BYTES": 100}
    post(
        "too-large", story, reader("203.0.113.9"), "more than this page takes", 413, body="y" * 200
    )
    pages["server-error"] = (server_error(rf.get("/")), 500, "Something went wrong")
    return pages


def account_pages(site, get, pages):
    """allauth's pages in the site's layout, and a reader's own (accounts/)."""
    get("sign-in", "/accounts/login/", "Forgot your password?")
    get("sign-up", "/accounts/signup/", "Display name")
    get("password-reset", "/accounts/password/reset/", "Reset")
    get("reset-link-forged", "/accounts/password/reset/key/1-forged/", "invalid", 400)
    get("confirm-link-forged", "/accounts/confirm-email/forged/", "expired or is invalid", 400)
    wrong = reader("203.0.113.20").post(
        "/accounts/login/", {"login": "a@b.example", "password": "x"}
    )
    pages["sign-in-errors"] = (wrong, 200, "errorlist")
    weak = {"name": "Ada", "email": "ada@x.example", "password1": "123", "password2": "123"}
    pages["sign-up-errors"] = (
        reader("203.0.113.21").post("/accounts/signup/", weak),
        200,
        "too short",
    )
    ok = {**weak, "password1": "a-long-unusual-phrase", "password2": "a-long-unusual-phrase"}
    sent = reader("203.0.113.22").post("/accounts/signup/", ok, follow=True)
    pages["verification-sent"] = (sent, 200, "Verify Your Email")

    grace = UserFactory(first_name="Grace Reader", last_name="", email="grace@x.example")
    EmailAddress.objects.create(user=grace, email=grace.email, verified=True, primary=True)
    ApprovedCommentFactory(user=grace, article=site["story"], body="Mine, published.")
    ApprovedCommentFactory(user=grace, article=site["old"], body="Mine, older.")
    signed_in = reader("203.0.113.23")
    assert (
        signed_in.post(
            "/accounts/login/", {"login": grace.email, "password": "correct horse battery"}
        ).status_code
        == 302
    )
    get("my-account", "/accounts/profile/", "Display name", client=signed_in)
    get("my-comments", "/accounts/comments/", "my-comment__status", client=signed_in)
    get("e-mail-addresses", "/accounts/email/", "grace@x.example", client=signed_in)
    get("password-change", "/accounts/password/change/", "Change Password", client=signed_in)
    get("two-step-sign-in", "/accounts/2fa/", "Authenticator", client=signed_in)
    get(
        "reauthenticate",
        "/accounts/reauthenticate/?next=/accounts/delete/",
        "Confirm Access",
        client=signed_in,
    )
    signed_in.post("/accounts/reauthenticate/", {"password": "correct horse battery"})
    get("delete-account", "/accounts/delete/", "Your comments", client=signed_in)
    get("totp-activate", "/accounts/2fa/totp/activate/", "Authenticator secret", client=signed_in)
    gone = signed_in.post("/accounts/delete/", {"comments": "keep"})
    pages["account-deleted"] = (gone, 200, "Your account is deleted")


def test_every_public_page_passes_the_nu_html_checker(site, settings, rf, tmp_path):
    pages = public_pages(site, settings, rf)

    # Each page is the one meant: its status, and what it is there to show.
    assert {label: response.status_code for label, (response, _, _) in pages.items()} == {
        label: status for label, (_, status, _) in pages.items()
    }
    missing = [label for label, (page, _, shows) in pages.items() if shows not in page.text]
    assert missing == []
    article = pages["article"][0].text
    assert "<picture>" in article and "Watch on YouTube" in article and "<table>" in article
    files = []
    for label, (response, _, _) in pages.items():
        assert response["Content-Type"].startswith("text/html"), label
        files.append(tmp_path / f"{label}.html")
        files[-1].write_bytes(response.content)
    canary = tmp_path / "canary.html"
    canary.write_text(CANARY)

    found = run_vnu([*files, canary])

    assert [kind for kind, _ in found.pop("canary.html")] == ["error"]
    for name, messages in found.items():
        for kind, text in messages:
            if kind == "warning":
                print(f"vnu warning, {name}: {text}")  # shown with pytest -rP
    errors = {
        name: [f"{kind}: {text}" for kind, text in messages if kind not in ("warning", "info")]
        for name, messages in found.items()
    }
    errors = {name: texts for name, texts in errors.items() if texts}
    assert not errors, "\n".join(
        f"{name}: {len(texts)} errors\n  " + "\n  ".join(texts) for name, texts in errors.items()
    )
