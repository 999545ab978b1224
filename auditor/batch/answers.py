"""What the GitHub API said, checked before anything uses it.

Each reader takes a parsed JSON answer and returns plain, bounded values, or raises
:class:`MalformedAnswer` naming the field that is wrong: an object where an object belongs,
a list where a list does, a login that is a login, a repository name that is one (it becomes
a path), counts that are non-negative integers. Free text (a display name, a description) is
stripped of control characters, bidirectional overrides and line breaks and cut to a length
GitHub itself allows, so nothing larger or stranger reaches the store or any output.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from auditor.batch.github_api import MalformedAnswer
from auditor.render.sanitize import terminal_safe

#: GitHub logins (and organisation names): letters, digits and single hyphens, at most 39.
LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
#: Repository names: at most 100 of these characters, never ``.`` or ``..``.
REPO_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
MAX_NAME = 255  # a display name, as GitHub limits it
MAX_TEXT = 1_000  # a description or homepage (GitHub: 350 and 255)
MAX_URL = 2_048
MAX_TOPICS = 20
MAX_TOPIC = 50
MAX_COUNT = 10**12
MAX_ITEMS = 100  # per page, as requested


def text(value: Any, limit: int = MAX_TEXT) -> str:
    """Untrusted text as it may be shown anywhere: one line, no control characters, bounded."""
    cleaned = terminal_safe(str(value)[: limit * 4]).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def user(data: Any) -> dict[str, Any]:
    """The fields of a user answer that a batch reads."""
    obj = _object(data, "the user")
    return {
        "login": _login(obj, "login"),
        "name": _text(obj, "name", MAX_NAME),
        "html_url": _url(obj, "html_url"),
        "public_repos": _count(obj, "public_repos"),
    }


def repo_list(data: Any, owner: str) -> list[dict[str, Any]]:
    """A page of ``owner``'s repositories, each checked (see :func:`repo`)."""
    if not isinstance(data, list):
        raise MalformedAnswer(f"the repository list: not a list but {_kind(data)}")
    if len(data) > MAX_ITEMS:
        raise MalformedAnswer(f"the repository list: {len(data)} items for {MAX_ITEMS} asked")
    return [repo(item, owner) for item in data]


def repo(data: Any, owner: str) -> dict[str, Any]:
    """A repository of ``owner`` from a list answer: the fields of ``RepoMetadata``."""
    obj = _object(data, "a repository")
    name = obj.get("name")
    if not isinstance(name, str) or not REPO_NAME.match(name) or name in (".", ".."):
        raise MalformedAnswer(f"a repository's name: not a repository name ({_kind(name)})")
    full_name = obj.get("full_name")
    if not isinstance(full_name, str) or full_name.lower() != f"{owner}/{name}".lower():
        raise MalformedAnswer(f"repository {name}: full_name is not {owner}/{name}")
    where = f"repository {name}"
    topics = obj.get("topics")
    if topics is not None and not isinstance(topics, list):
        raise MalformedAnswer(f"{where}: topics: not a list")
    return {
        "name": name,
        "full_name": full_name,
        "clone_url": _url(obj, "clone_url", where) or "",
        "html_url": _url(obj, "html_url", where) or "",
        "default_branch": _text(obj, "default_branch", 255, where),
        "fork": _flag(obj, "fork", where),
        "archived": _flag(obj, "archived", where),
        "size_kb": _count(obj, "size", where),
        "pushed_at": _time(obj.get("pushed_at")),
        "description": _text(obj, "description", MAX_TEXT, where),
        "homepage": _text(obj, "homepage", MAX_TEXT, where),
        "topics": tuple(text(t, MAX_TOPIC) for t in (topics or ())[:MAX_TOPICS]),
        "language": _text(obj, "language", 100, where),
        "stars": _count(obj, "stargazers_count", where),
        "private": _flag(obj, "private", where),
    }


def search(data: Any) -> tuple[int, list[str]]:
    """A search for pull requests: GitHub's total, and the ``owner/name`` of each result's
    repository (from its API URL)."""
    obj = _object(data, "the search")
    total = _count(obj, "total_count", "the search", required=True)
    items = obj.get("items")
    if not isinstance(items, list):
        raise MalformedAnswer(f"the search: items: not a list but {_kind(items)}")
    repos = []
    for item in items[:MAX_ITEMS]:
        url = _object(item, "a search result").get("repository_url")
        if isinstance(url, str) and (name := _repo_of(url[:MAX_URL])):
            repos.append(name)
    return total, repos


# --------------------------------------------------------------------- fields


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise MalformedAnswer(f"{what}: not an object but {_kind(data)}")
    return data


def _login(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not LOGIN.match(value):
        raise MalformedAnswer(f"the user: {key}: not a login ({_kind(value)})")
    return value


def _text(obj: dict[str, Any], key: str, limit: int, where: str = "the user") -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedAnswer(f"{where}: {key}: not a string but {_kind(value)}")
    return text(value, limit) or None


def _url(obj: dict[str, Any], key: str, where: str = "the user") -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_URL:
        raise MalformedAnswer(f"{where}: {key}: not a URL ({_kind(value)})")
    if value != terminal_safe(value) or " " in value:
        raise MalformedAnswer(f"{where}: {key}: a URL with spaces or control characters")
    return value


def _count(
    obj: dict[str, Any], key: str, where: str = "the user", *, required: bool = False
) -> int:
    value = obj.get(key)
    if value is None and not required:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise MalformedAnswer(f"{where}: {key}: not a count ({_kind(value)})")
    return value


def _flag(obj: dict[str, Any], key: str, where: str) -> bool:
    value = obj.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise MalformedAnswer(f"{where}: {key}: not a boolean but {_kind(value)}")
    return value


def _time(value: Any) -> str | None:
    """An ISO-8601 time in UTC, or None when it is missing or not a time."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _repo_of(repository_url: str) -> str:
    """``owner/name`` from an API repository URL (``…/repos/owner/name``)."""
    parts = urlsplit(repository_url).path.rstrip("/").split("/")
    if len(parts) < 3 or parts[-3] != "repos":
        return ""
    owner, name = parts[-2], parts[-1]
    return f"{owner}/{name}" if LOGIN.match(owner) and REPO_NAME.match(name) else ""


def _kind(value: Any) -> str:
    """What a value is, for an error message (never the value itself: it is untrusted)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"a string of {len(value)} characters"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__
