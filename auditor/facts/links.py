"""What a README link or image is: a badge, a screenshot, a demo, a live deployment.

One classifier for every rule that asks (DOC007's examples, PKG004's live site, the
``screenshots`` signal), so that they cannot disagree about ``https://myapp.run.app``. The
hosts and words are data: ``rules/vocabulary/hosts.toml``. Every test here is a split, a
suffix or a membership check: linear in the length of the (untrusted) URL.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from auditor.source.readme import Link
from auditor.source.snapshot import Snapshot, fact
from auditor.vocabulary import term_set, terms

VOCABULARY = "hosts"


def host_of(url: str) -> str:
    """The lower-case host name of ``url``; empty when it has none or cannot be parsed."""
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def _path_of(url: str) -> str:
    try:
        return urlsplit(url.strip()).path.lower()
    except ValueError:
        return ""


def on_host(host: str, suffixes: tuple[str, ...]) -> bool:
    """Whether ``host`` is one of ``suffixes`` or a subdomain of one."""
    return any(host == s or host.endswith("." + s) for s in (x.lstrip(".") for x in suffixes))


def words_of(text: str) -> str:
    """``text`` as lower-case words separated by single spaces, framed by spaces."""
    cleaned = "".join(c if c.isalnum() else " " for c in text.lower())
    return " " + " ".join(cleaned.split()) + " "


def mentions(text: str, phrases: tuple[str, ...]) -> bool:
    """Whether ``text`` contains one of ``phrases`` as whole words."""
    framed = words_of(text)
    return any(words_of(p) in framed for p in phrases)


def is_badge(image: Link) -> bool:
    """Whether an image is a status badge (CI, coverage, PyPI…) rather than a picture."""
    hosts = terms(VOCABULARY, "badge_hosts")
    if on_host(host_of(image.url), hosts):
        return True
    url = image.url.lower()
    if any(word in url for word in terms(VOCABULARY, "badge_url_words")):
        return True
    svg = "://" in image.url and _path_of(image.url).endswith(".svg")
    return svg and on_host(host_of(image.target), (*hosts, *terms(VOCABULARY, "badge_targets")))


def is_screenshot(image: Link) -> bool:
    """An image that can show the project at work: not a badge, not a logo or icon."""
    if not image.url or is_badge(image):
        return False
    words = terms(VOCABULARY, "not_screenshot_words")
    return not (mentions(image.url, words) or mentions(image.text, words))


def is_live_site(url: str) -> bool:
    """Whether ``url`` (http or https) is served by a platform that hosts deployed apps."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    if parts.scheme not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    if on_host(host, terms(VOCABULARY, "app_hosts")):
        return True
    path = parts.path.lower()
    for entry in terms(VOCABULARY, "app_paths"):
        where, _, prefix = entry.partition("/")
        if on_host(host, (where,)) and path.startswith("/" + prefix):
            return True
    return False


def names_a_demo(text: str) -> bool:
    """Whether a link's text says it leads to a demo or a live deployment."""
    return bool(text) and mentions(text, terms(VOCABULARY, "demo_link_words"))


def is_video(url: str) -> bool:
    """Whether ``url`` is a video or terminal recording."""
    return on_host(host_of(url), terms(VOCABULARY, "video_hosts"))


def is_demo_link(link: Link) -> bool:
    """A link to a live deployment, a demo or a video of the project at work."""
    if names_a_demo(link.text) or is_live_site(link.url) or is_video(link.url):
        return True
    host = host_of(link.url)
    if not host:
        return False
    if host.split(".")[0] in term_set(VOCABULARY, "demo_subdomains"):
        return True
    return mentions(_path_of(link.url), ("demo",)) and not is_badge(link)


#: Hosts of code, not of running applications: a homepage there is not a deployment.
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org")


@fact
def live_homepage(snapshot: Snapshot) -> str | None:
    """The homepage the repository's host gives, when it is a web address off the code host
    (a deployment); None without host metadata or when it points back at the code."""
    url = ((snapshot.host.homepage if snapshot.host else None) or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or len(url) > 500:
        return None
    return None if on_host(host, _CODE_HOSTS) else url
