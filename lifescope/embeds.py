"""Posts and media from other sites, shown in articles as cards that link out and load nothing.

An editor embeds a video, a post or an audio clip by putting its address alone in a paragraph
(as WordPress does) or with the editor's "Embed" button. When the body is cleaned
(lifescope.sanitize runs `EmbedCards` after its allowlist), the address of a provider in
PROVIDERS becomes a card: a figure naming the provider, with a link to the original. No iframe,
script or remote image, so pages keep the strict Content-Security-Policy, work offline, and a
reader's browser contacts the provider only when the reader follows the link.

A card is always rebuilt from its link alone, so cleaning a cleaned body changes nothing and
revisions, diffs and restores see the same markup every time.
"""

import html
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bleach.html5lib_shim import Filter


@dataclass(frozen=True)
class Provider:
    key: str
    label: str  # what the card is, e.g. "YouTube video"
    action: str  # the link's words, e.g. "Watch on YouTube"
    hosts: frozenset
    # Matched against the path and query: only addresses of one video or post make a card.
    address: re.Pattern


def _provider(key, label, action, hosts, address):
    return Provider(key, label, action, frozenset(hosts), re.compile(address))


# The allowlist. Hosts are compared whole, so youtube.com.evil.example or evil-youtube.com
# never match. Mastodon has no single host: these are large public servers; add others here.
MASTODON_HOSTS = (
    "mastodon.social", "mastodon.online", "mastodon.world", "mstdn.social", "fosstodon.org",
    "hachyderm.io", "infosec.exchange", "mas.to", "social.vivaldi.net",
)  # fmt: skip
PROVIDERS = (
    _provider(
        "youtube", "YouTube video", "Watch on YouTube",
        ["youtube.com", "www.youtube.com", "m.youtube.com"],
        r"/watch\?(?:[^#]*&)?v=[\w-]{11}(?:[&#].*)?|/(?:shorts|live|embed)/[\w-]{11}(?:[?#].*)?",
    ),
    _provider(
        "youtube", "YouTube video", "Watch on YouTube", ["youtu.be"], r"/[\w-]{11}(?:[?#].*)?"
    ),
    _provider(
        "vimeo", "Vimeo video", "Watch on Vimeo",
        ["vimeo.com", "www.vimeo.com", "player.vimeo.com"],
        r"/(?:video/|channels/[\w-]+/)?\d+(?:/[0-9a-f]+)?/?(?:[?#].*)?",
    ),
    _provider(
        "x", "Post on X", "Read on X",
        ["x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"],
        r"/\w{1,15}/status/\d+/?(?:[?#].*)?",
    ),
    _provider(
        "mastodon", "Mastodon post", "Read on Mastodon", MASTODON_HOSTS,
        r"/@\w+(?:@[\w.-]+)?/\d+/?(?:[?#].*)?",
    ),
    _provider(
        "bluesky", "Bluesky post", "Read on Bluesky", ["bsky.app"],
        r"/profile/[\w.:-]+/post/[a-z0-9]+/?(?:[?#].*)?",
    ),
    _provider(
        "soundcloud", "SoundCloud audio", "Listen on SoundCloud",
        ["soundcloud.com", "www.soundcloud.com", "m.soundcloud.com"],
        r"/[\w-]+/(?:sets/)?[\w-]+/?(?:[?#].*)?",
    ),
    _provider(
        "spotify", "Spotify audio", "Listen on Spotify", ["open.spotify.com"],
        r"/(?:intl-[a-z-]+/)?(?:track|episode|show|album|playlist)/[A-Za-z0-9]{22}/?(?:[?#].*)?",
    ),
)  # fmt: skip

# Printable ASCII that a URL may hold, no quotes, spaces or backslashes: a browser reads
# "https://evil.example\@youtube.com" as evil.example, while Python's parser says youtube.com.
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+")


def provider_for(url):
    """The Provider whose card `url` makes, or None for any other address."""
    if not url or not _URL.fullmatch(url):
        return None
    parts = urlsplit(url)
    # netloc equal to a known host: no user, password, port or trailing dot slips through.
    host = parts.netloc.lower()
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    rest += f"#{parts.fragment}" if parts.fragment else ""
    for provider in PROVIDERS:
        if host in provider.hosts and provider.address.fullmatch(rest):
            return provider
    return None


def card_tokens(url, provider):
    """The card for `url` as html5lib tokens; the serializer escapes every value."""
    address = url.split("://", 1)[1]
    return [
        _start("figure", {"class": "embed", "data-provider": provider.key}),
        _start("figcaption", {"class": "embed__provider"}),
        _text(provider.label),
        _end("figcaption"),
        _start("a", {"class": "embed__link", "href": url}),
        _text(provider.action),
        _start("span", {"class": "embed__address"}),
        _text(address),
        _end("span"),
        _end("a"),
        _end("figure"),
    ]


class EmbedCards(Filter):
    """Turns allowlisted addresses alone in a paragraph, and embed figures, into cards.

    Runs on the sanitiser's output, so every href it sees has already passed the allowlist. A
    figure marked as an embed is rebuilt from its first link: a card for an allowlisted
    address, a plain link otherwise, nothing when it has no web link.
    """

    def __iter__(self):
        tokens = iter(super().__iter__())
        links_open = 0
        for token in tokens:
            kind, name = token["type"], token.get("name")
            if name == "a" and kind in ("StartTag", "EndTag"):
                links_open = max(links_open + (1 if kind == "StartTag" else -1), 0)
            if kind == "StartTag" and name == "p" and not links_open:
                inside = _until_end(tokens, "p")
                yield from _paragraph(token, inside)
            elif kind == "StartTag" and name == "figure" and _is_embed(token):
                inside = _until_end(tokens, "figure")
                url = _first_link(inside)
                if url and not links_open:
                    yield from _card_or_link(url)
            else:
                yield token


def _until_end(tokens, name):
    """The tokens up to the end tag closing the open `name` element, which is consumed."""
    inside, depth = [], 1
    for token in tokens:
        if token.get("name") == name:
            depth += {"StartTag": 1, "EndTag": -1}.get(token["type"], 0)
            if depth == 0:
                break
        inside.append(token)
    return inside


def _paragraph(start, inside):
    url = _lone_address(inside)
    provider = provider_for(url)
    if provider:
        yield from card_tokens(url, provider)
    else:
        yield start
        yield from inside
        yield _end("p")


def _lone_address(inside):
    """The address a paragraph holds alone (as text, or a link reading as its address)."""
    meaningful = [
        token
        for token in inside
        if not (token["type"] in ("Characters", "SpaceCharacters") and not token["data"].strip())
    ]
    if len(meaningful) == 1 and meaningful[0]["type"] == "Characters":
        return meaningful[0]["data"].strip()
    kinds = [token["type"] for token in meaningful]
    if kinds != ["StartTag", "Characters", "EndTag"] or meaningful[0]["name"] != "a":
        return None
    url = _href(meaningful[0])
    text = meaningful[1]["data"].strip()
    # A link with words of its own ("watch the launch") is the editor's choice: it stays a link.
    return url if url and text in (url, url.split("://", 1)[-1]) else None


def _card_or_link(url):
    provider = provider_for(url)
    if provider:
        yield from card_tokens(url, provider)
    elif _URL.fullmatch(url):
        yield from [_start("p"), _start("a", {"href": url}), _text(url), _end("a"), _end("p")]


def _is_embed(token):
    return "embed" in token["data"].get((None, "class"), "").split()


def _first_link(inside):
    return next((_href(t) for t in inside if t["type"] == "StartTag" and t["name"] == "a"), None)


def _href(token):
    # The sanitiser leaves entities in attribute values ("&amp;"); the serializer escapes again.
    href = token["data"].get((None, "href"))
    return html.unescape(href).strip() if href else None


def _start(name, attributes=None):
    data = {(None, key): value for key, value in (attributes or {}).items()}
    return {"type": "StartTag", "name": name, "namespace": None, "data": data}


def _end(name):
    return {"type": "EndTag", "name": name, "namespace": None}


def _text(data):
    return {"type": "Characters", "data": data}
