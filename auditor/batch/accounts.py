"""GitHub accounts: who a candidate is, what they own, what they contributed elsewhere.

:class:`AccountSource` is the interface the runner depends on; :class:`GitHubAccounts` is its
PyGithub implementation. A candidate costs at most four REST calls however many repositories
they own: the user, one or two pages of their repositories (``per_page=100``, most recently
pushed first) and one search for their merged pull requests to other people's repositories.
Only fields present in those list answers are read, since PyGithub fetches any missing
attribute with a hidden GET per object.

Rate limits are not slept through here: a rate-limited call raises :class:`RateLimited` with
the time to wait, and the runner decides (it shows the wait and caps it with ``--max-wait``).
Steps already answered are kept, so a retry after the wait continues where it stopped.
"""

from __future__ import annotations

import abc
import itertools
import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from auditor.errors import AuditorError

DEFAULT_API_URL = "https://api.github.com"
#: GitHub logins: letters, digits and single hyphens, at most 39 characters.
LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
PER_PAGE = 100
#: Pages of repositories listed per candidate: 200 repositories, most recently pushed first.
MAX_REPO_PAGES = 2
#: How long to wait on a rate limit that names no reset time (GitHub's advice: a minute).
DEFAULT_RATE_WAIT = 60.0


@dataclass(frozen=True)
class RepoMetadata:
    """A repository as the repository list describes it (untrusted text throughout)."""

    name: str
    full_name: str
    clone_url: str
    html_url: str
    default_branch: str | None = None
    fork: bool = False
    archived: bool = False
    size_kb: int = 0
    pushed_at: str | None = None  # ISO-8601 UTC
    description: str | None = None
    homepage: str | None = None
    topics: tuple[str, ...] = ()
    language: str | None = None
    stars: int = 0
    #: Private repositories are the only ones whose clone needs the token.
    private: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["topics"] = list(self.topics)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RepoMetadata:
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        values["topics"] = tuple(values.get("topics") or ())
        return cls(**values)


@dataclass(frozen=True)
class Account:
    """A candidate's GitHub account: profile, owned repositories, outside contributions."""

    login: str
    name: str | None
    html_url: str | None
    public_repos: int
    #: Owned repositories listed, most recently pushed first (at most ``MAX_REPO_PAGES`` pages).
    repos: tuple[RepoMetadata, ...]
    #: Merged pull requests to repositories the candidate does not own (GitHub's total).
    merged_prs: int = 0
    #: The repositories those pull requests went to (from the first page of results).
    contributed_to: tuple[str, ...] = ()
    #: Whether every owned repository was listed (False past ``MAX_REPO_PAGES`` pages).
    listed_all: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "login": self.login,
            "name": self.name,
            "html_url": self.html_url,
            "public_repos": self.public_repos,
            "repos": [r.to_dict() for r in self.repos],
            "merged_prs": self.merged_prs,
            "contributed_to": list(self.contributed_to),
            "listed_all": self.listed_all,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Account:
        return cls(
            login=str(data["login"]),
            name=data.get("name"),
            html_url=data.get("html_url"),
            public_repos=int(data.get("public_repos") or 0),
            repos=tuple(RepoMetadata.from_dict(r) for r in data.get("repos") or ()),
            merged_prs=int(data.get("merged_prs") or 0),
            contributed_to=tuple(data.get("contributed_to") or ()),
            listed_all=bool(data.get("listed_all", True)),
        )


class AccountError(Exception):
    """A candidate's account cannot be read. ``transient`` errors are retried on a re-run."""

    transient = True


class AccountNotFound(AccountError):
    """GitHub has no account by that login."""

    transient = False


class GitHubUnavailable(AccountError):
    """GitHub kept failing (5xx after retries, or the network): worth trying again later."""


class GitHubAuthError(AuditorError):
    """GitHub rejected the token: nothing in the batch can work, so the run stops."""


class RateLimited(Exception):
    """The API said to wait: ``wait`` seconds from ``since`` (a ``time.time()``)."""

    def __init__(self, wait: float, *, since: float, message: str = "") -> None:
        super().__init__(message or f"rate limited for {wait:.0f}s")
        self.wait = max(0.0, wait)
        self.since = since

    @property
    def until(self) -> float:
        return self.since + self.wait


class AccountSource(abc.ABC):
    """Where accounts come from. Tests may substitute a fake subclass."""

    #: The host (``github.com``, ``ghe.example.com``) whose clone URLs may receive the token.
    web_host: str | None = None

    @abc.abstractmethod
    def fetch(self, login: str) -> Account:
        """The account of ``login``.

        Raises :class:`AccountNotFound`, :class:`GitHubUnavailable`, :class:`RateLimited`
        (call again after the wait) or :class:`GitHubAuthError`.
        """


@dataclass
class _Partial:
    """The steps of one account fetch answered so far, kept across a rate-limit wait."""

    user: dict[str, Any] | None = None
    repos: tuple[RepoMetadata, ...] | None = None
    listed_all: bool = True
    contributions: tuple[int, tuple[str, ...]] | None = None


class GitHubAccounts(AccountSource):
    """Accounts through PyGithub, against github.com or a GitHub Enterprise API URL."""

    def __init__(
        self,
        base_url: str = DEFAULT_API_URL,
        token: str | None = None,
        *,
        request_interval: float = 0.25,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 0.5,
    ) -> None:
        from github import Auth, Github
        from urllib3.util.retry import Retry

        # GithubRetry sleeps until a rate limit resets with no upper bound and no way to show
        # the wait; a plain urllib3 Retry handles only 5xx (with backoff) and leaves rate
        # limits to the runner, which shows the wait and caps it.
        retry = Retry(
            total=retries,
            backoff_factor=backoff,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
            respect_retry_after_header=False,
        )
        self.base_url = base_url.rstrip("/")
        self.web_host = web_host(self.base_url)
        self._github = Github(
            base_url=self.base_url,
            auth=Auth.Token(token) if token else None,
            retry=retry,
            per_page=PER_PAGE,
            timeout=int(timeout),
            seconds_between_requests=request_interval or None,
            user_agent="portfolio-auditor",
        )
        self._partial: dict[str, _Partial] = {}

    def fetch(self, login: str) -> Account:
        from github.GithubException import (
            BadCredentialsException,
            GithubException,
            UnknownObjectException,
        )
        from requests.exceptions import RequestException

        partial = self._partial.setdefault(login.lower(), _Partial())
        try:
            user = partial.user
            if user is None:
                named = self._github.get_user(login)
                user = partial.user = {
                    "login": named.login,
                    "name": named.name,
                    "html_url": named.html_url,
                    "public_repos": named.public_repos,
                }
            # The canonical spelling from GitHub, if it is a login at all (it goes into a query).
            canonical = str(user["login"]) if LOGIN.match(str(user["login"])) else login
            if partial.repos is None:
                partial.repos, partial.listed_all = self._repositories(canonical)
            if partial.contributions is None:
                partial.contributions = self._contributions(canonical)
        except UnknownObjectException as exc:
            self._partial.pop(login.lower(), None)
            raise AccountNotFound(f"GitHub has no account named {login!r}") from exc
        except BadCredentialsException as exc:
            raise GitHubAuthError(
                "GitHub rejected the token (401 Bad credentials): check the variable it "
                "comes from (--token-env)"
            ) from exc
        except GithubException as exc:
            limited = rate_limit_wait(exc.status, exc.headers or {}, exc.data)
            if limited is not None:
                raise limited from exc
            raise GitHubUnavailable(f"GitHub answered {exc.status}: {_message(exc.data)}") from exc
        except RequestException as exc:
            raise GitHubUnavailable(f"cannot reach GitHub: {type(exc).__name__}") from exc
        self._partial.pop(login.lower(), None)
        merged, contributed = partial.contributions
        return Account(
            login=canonical,
            name=user.get("name"),
            html_url=user.get("html_url"),
            public_repos=int(user.get("public_repos") or 0),
            repos=partial.repos,
            merged_prs=merged,
            contributed_to=contributed,
            listed_all=partial.listed_all,
        )

    def _repositories(self, login: str) -> tuple[tuple[RepoMetadata, ...], bool]:
        """Owned repositories, most recently pushed first; at most ``MAX_REPO_PAGES`` pages."""
        listing = self._github.get_user(login, lazy=True).get_repos(
            type="owner", sort="pushed", direction="desc"
        )
        repos: list[RepoMetadata] = []
        listed_all = True
        for repo in listing:
            repos.append(
                RepoMetadata(
                    name=repo.name,
                    full_name=repo.full_name,
                    clone_url=repo.clone_url,
                    html_url=repo.html_url,
                    default_branch=repo.default_branch,
                    fork=bool(repo.fork),
                    archived=bool(repo.archived),
                    size_kb=int(repo.size or 0),
                    pushed_at=_iso(repo.pushed_at),
                    description=repo.description,
                    homepage=repo.homepage,
                    topics=tuple(repo.topics or ()),
                    language=repo.language,
                    stars=int(repo.stargazers_count or 0),
                    private=bool(repo.private),
                )
            )
            if len(repos) >= PER_PAGE * MAX_REPO_PAGES:
                listed_all = False  # there may be more: the least recently pushed are left out
                break
        return tuple(repos), listed_all

    def _contributions(self, login: str) -> tuple[int, tuple[str, ...]]:
        """Merged pull requests to repositories ``login`` does not own: one search call."""
        results = self._github.search_issues(f"type:pr is:merged author:{login} -user:{login}")
        first_page = list(itertools.islice(results, PER_PAGE))
        repos = dict.fromkeys(_repo_of(item.repository_url) for item in first_page)
        return int(results.totalCount), tuple(r for r in repos if r)


def rate_limit_wait(
    status: int, headers: Mapping[str, Any], data: Any, *, now: float | None = None
) -> RateLimited | None:
    """The wait a 403/429 answer asks for, or None when it is not a rate limit.

    GitHub signals its primary limit with ``X-RateLimit-Remaining: 0`` and the reset time in
    ``X-RateLimit-Reset`` (epoch seconds); secondary limits with ``Retry-After`` or only a
    message.
    """
    if status not in (403, 429):
        return None
    now = time.time() if now is None else now
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    message = _message(data)
    retry_after = lower.get("retry-after", "")
    if retry_after.isdigit():
        return RateLimited(float(retry_after), since=now, message=message)
    if lower.get("x-ratelimit-remaining") == "0":
        reset = lower.get("x-ratelimit-reset", "")
        wait = float(reset) - now + 1 if reset.isdigit() else DEFAULT_RATE_WAIT
        return RateLimited(wait, since=now, message=message)
    if "rate limit" in message.lower() or status == 429:
        return RateLimited(DEFAULT_RATE_WAIT, since=now, message=message)
    return None


def web_host(api_url: str) -> str | None:
    """The host clone URLs live on: ``github.com`` for ``api.github.com``, else the API host."""
    host = (urlsplit(api_url).hostname or "").lower()
    if not host:
        return None
    return host[len("api.") :] if host.startswith("api.") else host


def _message(data: Any) -> str:
    if isinstance(data, dict):
        return str(data.get("message") or "")[:200]
    return str(data or "")[:200]


def _repo_of(repository_url: str | None) -> str:
    """``owner/name`` from an API repository URL (``…/repos/owner/name``)."""
    if not repository_url:
        return ""
    parts = urlsplit(repository_url).path.rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 and parts[-3:-2] == ["repos"] else ""


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="seconds")
