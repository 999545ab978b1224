"""GitHub accounts: who a candidate is, what they own, what they contributed elsewhere.

:class:`AccountSource` is the interface the runner depends on; :class:`GitHubAccounts` is its
REST implementation. A candidate costs at most four REST calls however many repositories
they own: the user, one or two pages of their repositories (``per_page=100``, most recently
pushed first) and one search for their merged pull requests to other people's repositories.
Every answer is bounded by :mod:`auditor.batch.github_api` and checked by
:mod:`auditor.batch.answers`: a malformed one is that candidate's error, never the batch's.

Rate limits are not slept through here: a rate-limited call raises :class:`RateLimited` with
the time to wait, and the runner decides (it shows the wait and caps it with ``--max-wait``).
Steps already answered are kept, so a retry after the wait continues where it stopped.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from auditor.batch import answers
from auditor.batch.answers import LOGIN
from auditor.batch.github_api import Answer, ApiClient, ApiError, MalformedAnswer, Unreachable
from auditor.errors import AuditorError

__all__ = ["LOGIN", "Account", "AccountSource", "GitHubAccounts", "RepoMetadata"]

DEFAULT_API_URL = "https://api.github.com"
PER_PAGE = 100
#: Pages of repositories listed per candidate: 200 repositories, most recently pushed first.
MAX_REPO_PAGES = 2
#: How long to wait on a rate limit that names no reset time (GitHub's advice: a minute).
DEFAULT_RATE_WAIT = 60.0
#: The longest wait believed: GitHub's limits reset within the hour; a day is absurd already.
MAX_RATE_WAIT = 86_400.0


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


class GitHubUnreachable(AuditorError):
    """The API's host refused the connection or does not resolve, also when tried again:
    every candidate would fail the same way, so the run stops before marking any failed."""


class RateLimited(Exception):
    """The API said to wait: ``wait`` seconds from ``since`` (a ``time.time()``), at most
    ``MAX_RATE_WAIT`` whatever it said."""

    def __init__(self, wait: float, *, since: float, message: str = "") -> None:
        wait = min(max(0.0, wait), MAX_RATE_WAIT) if wait == wait else DEFAULT_RATE_WAIT
        super().__init__(message or f"rate limited for {wait:.0f}s")
        self.wait = wait
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
        (call again after the wait), :class:`GitHubAuthError` or :class:`GitHubUnreachable`
        (these two end the run).
        """


@dataclass
class _Partial:
    """The steps of one account fetch answered so far, kept across a rate-limit wait."""

    user: dict[str, Any] | None = None
    repos: tuple[RepoMetadata, ...] | None = None
    listed_all: bool = True
    contributions: tuple[int, tuple[str, ...]] | None = None


class GitHubAccounts(AccountSource):
    """Accounts through the REST API (:mod:`auditor.batch.github_api`), against github.com
    or a GitHub Enterprise API URL; every answer checked by :mod:`auditor.batch.answers`."""

    def __init__(
        self,
        base_url: str = DEFAULT_API_URL,
        token: str | None = None,
        *,
        request_interval: float = 0.25,
        timeout: float = 30.0,
        deadline: float = 60.0,
        retries: int = 4,
        backoff: float = 0.5,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.web_host = web_host(self.base_url)
        # Rate limits are not retried here: the runner shows the wait and caps it.
        self._api = ApiClient(
            self.base_url,
            token,
            timeout=timeout,
            deadline=deadline,
            retries=retries,
            backoff=backoff,
            request_interval=request_interval,
        )
        self._partial: dict[str, _Partial] = {}

    def fetch(self, login: str) -> Account:
        partial = self._partial.setdefault(login.lower(), _Partial())
        try:
            user = partial.user
            if user is None:
                user = partial.user = answers.user(self._get(f"/users/{login}").data)
            canonical = str(user["login"])
            if partial.repos is None:
                partial.repos, partial.listed_all = self._repositories(canonical)
            if partial.contributions is None:
                partial.contributions = self._contributions(canonical)
        except _NotFound as exc:
            self._partial.pop(login.lower(), None)
            raise AccountNotFound(f"GitHub has no account named {login!r}") from exc
        except Unreachable as exc:
            raise GitHubUnreachable(
                f"cannot reach the GitHub API at {self.base_url} ({exc}): check --github-url "
                "and the network, then re-run the same command"
            ) from None
        except MalformedAnswer as exc:
            raise GitHubUnavailable(f"GitHub sent a malformed answer: {exc}") from None
        except ApiError as exc:
            raise GitHubUnavailable(str(exc)) from None
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

    def _get(self, path: str, params: Mapping[str, str | int] | None = None) -> Answer:
        """A successful answer, or the exception its status means."""
        answer = self._api.get(path, params)
        if 200 <= answer.status < 300:
            return answer
        if answer.status == 401:
            raise GitHubAuthError(
                "GitHub rejected the token (401 Bad credentials): check the variable it "
                "comes from (--token-env)"
            )
        if answer.status == 404:
            raise _NotFound
        limited = rate_limit_wait(answer.status, answer.headers, answer.data)
        if limited is not None:
            raise limited
        raise GitHubUnavailable(f"GitHub answered {answer.status}: {_message(answer.data)}")

    def _repositories(self, login: str) -> tuple[tuple[RepoMetadata, ...], bool]:
        """Owned repositories, most recently pushed first; at most ``MAX_REPO_PAGES`` pages,
        whatever the answers' ``next`` links say."""
        url: str | None = f"/users/{login}/repos"
        params: Mapping[str, str | int] | None = {
            "type": "owner",
            "sort": "pushed",
            "direction": "desc",
            "per_page": PER_PAGE,
        }
        repos: list[RepoMetadata] = []
        for _ in range(MAX_REPO_PAGES):
            if url is None:
                return tuple(repos), True
            answer = self._get(url, params)
            page = answers.repo_list(answer.data, login)
            repos.extend(RepoMetadata(**fields) for fields in page)
            if not page:
                return tuple(repos), True
            url, params = answer.next_url, None  # the link carries the query
        # There may be more: the least recently pushed are left out.
        return tuple(repos), url is None

    def _contributions(self, login: str) -> tuple[int, tuple[str, ...]]:
        """Merged pull requests to repositories ``login`` does not own: one search call,
        one page of results, never the ``next`` one."""
        query = f"type:pr is:merged author:{login} -user:{login}"
        answer = self._get("/search/issues", {"q": query, "per_page": PER_PAGE})
        total, repos = answers.search(answer.data)
        return total, tuple(dict.fromkeys(repos))


class _NotFound(Exception):
    """A 404 from the API."""


def rate_limit_wait(
    status: int, headers: Mapping[str, Any], data: Any, *, now: float | None = None
) -> RateLimited | None:
    """The wait a 403/429 answer asks for, or None when it is not a rate limit.

    GitHub signals its primary limit with ``X-RateLimit-Remaining: 0`` and the reset time in
    ``X-RateLimit-Reset`` (epoch seconds); secondary limits with ``Retry-After`` or only a
    message. A header sent twice counts by its first value; a value that is not a plain
    number of at most 12 digits is ignored (GitHub's advice then: wait a minute), and any
    wait is capped at ``MAX_RATE_WAIT`` before it is added to a time.
    """
    if status not in (403, 429):
        return None
    now = time.time() if now is None else now
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    message = _message(data)
    retry_after = _number(lower.get("retry-after"))
    if retry_after is not None:
        return RateLimited(retry_after, since=now, message=message)
    if _number(lower.get("x-ratelimit-remaining")) == 0:
        reset = _number(lower.get("x-ratelimit-reset"))
        wait = reset - now + 1 if reset is not None else DEFAULT_RATE_WAIT
        return RateLimited(wait, since=now, message=message)
    if "rate limit" in message.lower() or status == 429:
        return RateLimited(DEFAULT_RATE_WAIT, since=now, message=message)
    return None


def _number(value: str | None) -> float | None:
    """The first of a header's comma-joined values, if it is a plain, sane number."""
    first = (value or "").split(",")[0].strip()
    return float(first) if first.isdecimal() and first.isascii() and len(first) <= 12 else None


def web_host(api_url: str) -> str | None:
    """The host clone URLs live on: ``github.com`` for ``api.github.com``, else the API host."""
    host = (urlsplit(api_url).hostname or "").lower()
    if not host:
        return None
    return host[len("api.") :] if host.startswith("api.") else host


def _message(data: Any) -> str:
    """The ``message`` of an error answer, as bounded one-line text."""
    value = data.get("message") if isinstance(data, dict) else data
    return answers.text(value or "", 200)
