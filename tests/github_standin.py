"""A stand-in for GitHub's REST API v3, served on 127.0.0.1 for batch-mode tests.

Answers are shaped like GitHub's (the fields of users, repository lists and issue searches,
``Link`` pagination, rate-limit headers, GitHub's error bodies), so the batch's client runs
against it unchanged through ``--github-url``. Tests script faults per path (a 502, a
rate-limited 403 with ``X-RateLimit-Reset``, or a hostile :class:`Fault`: a body of their
choosing, repeated or absurd headers, a redirect, fields of the wrong type, a body dribbled
one byte at a time, a ``next`` page that never ends) and read the request log to count calls
and check the token was sent. Clone URLs point at local bare repositories (``file://``).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.factory import RepoBuilder

RATE_LIMIT = "rate-limit"  # a fault: 403 "API rate limit exceeded" until a reset
NOW = datetime.now(timezone.utc).replace(microsecond=0)
DOCS = "https://docs.github.com/rest"


@dataclass(frozen=True)
class Fault:
    """A hostile or broken answer for one request.

    ``status`` and ``body`` replace the answer when given (``body`` is sent as is); ``patch``
    overrides fields of the real answer (of each item, when the answer is a list);
    ``headers`` replace the stand-in's own of those names, and a name given twice is sent
    twice; ``next_page`` adds a ``Link`` to
    the same path one page on, for ever; ``dribble`` sends the body one byte at a time with
    that many seconds between bytes.
    """

    status: int | None = None
    body: bytes | None = None
    patch: Mapping[str, Any] = field(default_factory=dict)
    headers: tuple[tuple[str, str], ...] = ()
    next_page: bool = False
    dribble: float = 0.0


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    dribble: float = 0.0


@dataclass
class Repo:
    """One repository as the API lists it."""

    name: str
    clone_url: str
    fork: bool = False
    archived: bool = False
    size: int = 120  # KiB, as GitHub reports it
    pushed_days_ago: float = 3.0
    description: str | None = "A project"
    homepage: str | None = None
    topics: tuple[str, ...] = ()
    language: str | None = "Python"
    stars: int = 0


@dataclass
class User:
    login: str
    name: str | None = None
    repos: list[Repo] = field(default_factory=list)
    merged_prs: list[str] = field(default_factory=list)  # "owner/name" of each merged PR


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    authorization: str | None

    def about(self, login: str, user_ids: dict[str, int]) -> bool:
        """Whether this call was spent on ``login``."""
        lowered = login.lower()
        if self.path.lower().startswith(f"/api/v3/users/{lowered}"):
            return True
        if self.path == f"/api/v3/user/{user_ids.get(lowered)}/repos":
            return True
        return f"author:{lowered} " in self.query.get("q", "").lower() + " "


class StandInGitHub:
    """The server and its data. ``base_url`` is what ``--github-url`` takes."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.faults: dict[str, list[int | str | Fault]] = {}
        self.always: dict[str, Fault] = {}  # a fault for every request to a path
        self.requests: list[Request] = []
        self.rate_limit_reset_in = 2.0
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/v3"

    @property
    def web_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> StandInGitHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_user(self, user: User) -> User:
        self.users[user.login.lower()] = user
        self._ids[user.login.lower()] = 1000 + len(self._ids)
        return user

    def fail(self, path: str, *faults: int | str | Fault) -> None:
        """Answer the next requests for ``path`` with these faults, in order."""
        self.faults.setdefault(path, []).extend(faults)

    def user_path(self, login: str) -> str:
        """The path of ``login``'s repository list as the ``Link`` header names it."""
        return f"/api/v3/user/{self._ids[login.lower()]}/repos"

    def calls_for(self, login: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.about(login, self._ids)]

    # ----------------------------------------------------------------- answers

    def answer(self, method: str, target: str, authorization: str | None) -> Answer:
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.requests.append(Request(method, parts.path, query, authorization))
            faults = self.faults.get(parts.path)
            fault = faults.pop(0) if faults else self.always.get(parts.path)
        if not isinstance(fault, Fault):
            status, headers, body = self._answer(parts.path, query, fault)
            return Answer(status, list(headers.items()), json.dumps(body).encode("utf-8"))
        status, headers, body = self._answer(parts.path, query, None)
        if fault.patch:
            items = body if isinstance(body, list) else [body]
            for item in items:
                if isinstance(item, dict):
                    item.update(fault.patch)
        if fault.next_page:
            page = int(query.get("page", "1")) + 1
            link = f"{self.web_url}{parts.path}?{urlencode({**query, 'page': page})}"
            headers["Link"] = f'<{link}>; rel="next"'
        data = fault.body if fault.body is not None else json.dumps(body).encode("utf-8")
        replaced = {name.lower() for name, _ in fault.headers}
        kept = [(k, v) for k, v in headers.items() if k.lower() not in replaced]
        return Answer(fault.status or status, [*kept, *fault.headers], data, fault.dribble)

    def _answer(
        self, path: str, query: dict[str, str], fault: int | str | None
    ) -> tuple[int, dict[str, str], Any]:
        headers = self._rate_headers(remaining=4999)
        if fault == RATE_LIMIT:
            reset = int(time.time() + self.rate_limit_reset_in)
            headers.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
            return (
                403,
                headers,
                {
                    "message": "API rate limit exceeded for user ID 1. If you reach out to GitHub "
                    "Support for help, please include the request ID.",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                    "status": "403",
                },
            )
        if isinstance(fault, int):
            message = "Bad credentials" if fault == 401 else "Server Error"
            return fault, headers, {"message": message, "documentation_url": DOCS}
        match = re.fullmatch(r"/api/v3/users/([^/]+)", path)
        if match:
            user = self.users.get(match.group(1).lower())
            if user is None:
                return 404, headers, _not_found()
            return 200, headers, self._user_json(user)
        match = re.fullmatch(r"/api/v3/(?:users/([^/]+)|user/(\d+))/repos", path)
        if match:
            user = self._user_of(match.group(1), match.group(2))
            if user is None:
                return 404, headers, _not_found()
            return self._repos_page(user, query, headers)
        if path == "/api/v3/search/issues":
            headers.update(self._rate_headers(remaining=29, resource="search", limit=30))
            return 200, headers, self._search(query)
        return 404, headers, _not_found()

    def _user_of(self, login: str | None, user_id: str | None) -> User | None:
        if login is not None:
            return self.users.get(login.lower())
        for key, number in self._ids.items():
            if str(number) == user_id:
                return self.users[key]
        return None

    def _rate_headers(
        self, *, remaining: int, resource: str = "core", limit: int = 5000
    ) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(int(time.time()) + 3600),
            "X-RateLimit-Used": str(limit - remaining),
            "X-RateLimit-Resource": resource,
            "X-GitHub-Api-Version-Selected": "2022-11-28",
        }

    def _owner(self, user: User) -> dict[str, Any]:
        number = self._ids[user.login.lower()]
        return {
            "login": user.login,
            "id": number,
            "node_id": f"U_{number}",
            "avatar_url": f"{self.web_url}/avatars/u/{number}",
            "gravatar_id": "",
            "url": f"{self.base_url}/users/{user.login}",
            "html_url": f"{self.web_url}/{user.login}",
            "repos_url": f"{self.base_url}/users/{user.login}/repos",
            "type": "User",
            "site_admin": False,
        }

    def _user_json(self, user: User) -> dict[str, Any]:
        return {
            **self._owner(user),
            "name": user.name,
            "company": None,
            "blog": "",
            "location": None,
            "email": None,
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "public_repos": len(user.repos),
            "public_gists": 0,
            "followers": 3,
            "following": 1,
            "created_at": "2019-05-01T10:00:00Z",
            "updated_at": "2024-03-01T10:00:00Z",
        }

    def _repo_json(self, user: User, repo: Repo, index: int) -> dict[str, Any]:
        full_name = f"{user.login}/{repo.name}"
        pushed = (NOW - timedelta(days=repo.pushed_days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
        number = self._ids[user.login.lower()] * 1000 + index
        return {
            "id": number,
            "node_id": f"R_{number}",
            "name": repo.name,
            "full_name": full_name,
            "private": False,
            "owner": self._owner(user),
            "html_url": f"{self.web_url}/{full_name}",
            "description": repo.description,
            "fork": repo.fork,
            "url": f"{self.base_url}/repos/{full_name}",
            "clone_url": repo.clone_url,
            "git_url": f"git://127.0.0.1/{full_name}.git",
            "ssh_url": f"git@127.0.0.1:{full_name}.git",
            "svn_url": f"{self.web_url}/{full_name}",
            "homepage": repo.homepage,
            "size": repo.size,
            "stargazers_count": repo.stars,
            "watchers_count": repo.stars,
            "language": repo.language,
            "has_issues": True,
            "has_projects": True,
            "has_wiki": True,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": repo.archived,
            "disabled": False,
            "open_issues_count": 0,
            "license": None,
            "allow_forking": True,
            "is_template": False,
            "topics": list(repo.topics),
            "visibility": "public",
            "forks": 0,
            "open_issues": 0,
            "watchers": repo.stars,
            "default_branch": "main",
            "created_at": "2023-01-01T10:00:00Z",
            "updated_at": pushed,
            "pushed_at": pushed,
        }

    def _repos_page(
        self, user: User, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        per_page = min(100, int(query.get("per_page", "30")))
        page = int(query.get("page", "1"))
        ordered = sorted(
            enumerate(user.repos), key=lambda pair: pair[1].pushed_days_ago
        )  # sort=pushed, direction=desc
        start = (page - 1) * per_page
        chunk = ordered[start : start + per_page]
        last = max(1, -(-len(ordered) // per_page))
        number = self._ids[user.login.lower()]
        base = {k: v for k, v in query.items() if k != "page"}
        links = []
        if page < last:
            links.append((page + 1, "next"))
            links.append((last, "last"))
        if page > 1:
            links.append((1, "first"))
            links.append((page - 1, "prev"))
        if links:
            url = f"{self.base_url}/user/{number}/repos"
            headers["Link"] = ", ".join(
                f'<{url}?{urlencode({**base, "page": p})}>; rel="{rel}"' for p, rel in links
            )
        return 200, headers, [self._repo_json(user, repo, i) for i, repo in chunk]

    def _search(self, query: dict[str, str]) -> dict[str, Any]:
        q = query.get("q", "")
        author = re.search(r"author:(\S+)", q)
        user = self.users.get(author.group(1).lower()) if author else None
        prs = user.merged_prs if user is not None and "is:merged" in q else []
        items = [
            {
                "url": f"{self.base_url}/repos/{target}/issues/{n}",
                "repository_url": f"{self.base_url}/repos/{target}",
                "html_url": f"{self.web_url}/{target}/pull/{n}",
                "id": 5000 + n,
                "number": n,
                "title": f"Fix a bug ({n})",
                "user": self._owner(user) if user else None,
                "state": "closed",
                "locked": False,
                "comments": 1,
                "created_at": "2024-01-01T10:00:00Z",
                "updated_at": "2024-01-02T10:00:00Z",
                "closed_at": "2024-01-02T10:00:00Z",
                "author_association": "CONTRIBUTOR",
                "pull_request": {
                    "url": f"{self.base_url}/repos/{target}/pulls/{n}",
                    "html_url": f"{self.web_url}/{target}/pull/{n}",
                    "merged_at": "2024-01-02T10:00:00Z",
                },
                "body": None,
                "score": 1.0,
            }
            for n, target in enumerate(prs, start=1)
        ]
        return {"total_count": len(items), "incomplete_results": False, "items": items}


def _not_found() -> dict[str, str]:
    return {
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest",
        "status": "404",
    }


def _handler(standin: StandInGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 1 << 16  # one write per answer: no Nagle/delayed-ACK stall between parts

        def do_GET(self) -> None:
            answer = standin.answer("GET", self.path, self.headers.get("Authorization"))
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(answer.body)))
            for key, value in answer.headers:
                self.send_header(key, value)
            self.end_headers()
            if not answer.dribble:
                self.wfile.write(answer.body)
                return
            self.wfile.flush()
            for byte in answer.body:
                time.sleep(answer.dribble)
                try:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                except OSError:  # the client gave up: what a deadline is for
                    return

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def serve() -> Iterator[StandInGitHub]:
    """A started stand-in, stopped when the generator is closed (a pytest fixture body)."""
    standin = StandInGitHub().start()
    try:
        yield standin
    finally:
        standin.stop()


def publish(builder: RepoBuilder, target: Path) -> str:
    """A bare copy of a built repository, served like a partial-clone-capable host; its URL."""
    bare = builder.bare_clone(target)
    builder.git("-C", str(bare), "config", "uploadpack.allowFilter", "true")
    return bare.resolve().as_uri()
