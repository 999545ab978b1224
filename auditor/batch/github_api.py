"""A small client for GitHub's REST API that no answer can break.

The API is as untrusted as the repositories: a broken proxy, a hostile GitHub Enterprise or a
man in the middle of a plain-http test server can answer anything. So every request here is
bounded: a deadline for the whole exchange (connect, headers and body; a server that dribbles
one byte at a time is cut off), a cap on the body read, redirects followed only on the API's
own origin (the token never goes anywhere else), JSON nesting refused past the decoder's
depth, and a fixed number of retries for 5xx answers. Headers are kept as sent, a name sent
twice joined with ``", "``, for :mod:`auditor.batch.accounts` to parse defensively.

PyGithub, which this replaces, could do none of that from outside: it raised on a redirect to
another host, parsed rate-limit headers with ``int()``, followed ``next`` links without end
and read bodies of any size.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import json
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

#: The largest answer read: a page of 100 repositories is about 600 KB, a page of search
#: results with long pull-request bodies a few MB.
MAX_BODY = 8 << 20
MAX_REDIRECTS = 3
RETRY_STATUSES = frozenset({500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 << 10


class ApiError(Exception):
    """No usable answer: the network, a deadline, a refused redirect. One line of text."""


class MalformedAnswer(ApiError):
    """An answer arrived but is not what GitHub sends: too large, not JSON, too deep."""


class _NetworkError(ApiError):
    """The connection failed or was cut: worth another try (a deadline or a refusal is not)."""


class Unreachable(ApiError):
    """The API's host cannot be reached at all: the connection was refused, or its name does
    not resolve. Tried once more, then given up: every other call would fail the same way."""


#: ``connect()`` failures that mean nothing is listening there, or no such host.
_UNREACHABLE_ERRNOS = frozenset({errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH})


@dataclass(frozen=True)
class Answer:
    """One answer: its status, headers (lower-case names) and parsed JSON body."""

    status: int
    headers: Mapping[str, str]
    data: Any
    #: The ``rel="next"`` link of a paginated answer, if it names a page on the API's origin.
    next_url: str | None = None


class ApiClient:
    """GET requests to one API base URL, each bounded in time, size and destination."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        deadline: float = 60.0,
        retries: int = 4,
        backoff: float = 0.5,
        request_interval: float = 0.0,
        max_body: int = MAX_BODY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an API URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        self._prefix = parts.path
        self._token = token
        self._timeout = timeout
        self._deadline = deadline
        self._retries = retries
        self._backoff = backoff
        self._interval = request_interval
        self._max_body = max_body
        self._sleep = sleep
        self._last = 0.0
        self._context = ssl.create_default_context() if parts.scheme == "https" else None

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Answer:
        """GET ``path`` (under the base URL) or an absolute URL on the API's origin.

        Retries 5xx answers and network failures with exponential backoff; raises
        :class:`ApiError` when there is still no answer, :class:`MalformedAnswer` when the
        answer cannot be what GitHub sends, :class:`Unreachable` when the host refused the
        connection or has no address twice in a row. Other statuses are returned for the caller.
        """
        url = path if "://" in path else f"{self.base_url}{path}"
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        if _origin(url) != self._origin:
            raise ApiError("a link to another host: refused")
        for attempt in range(self._retries + 1):
            if attempt:
                self._sleep(self._backoff * 2 ** (attempt - 1))
            try:
                answer = self._follow(url)
            except Unreachable:
                if attempt >= 1:  # one retry: a host that is down stays down
                    raise
                continue
            except _NetworkError:
                if attempt == self._retries:
                    raise
                continue
            if answer.status in RETRY_STATUSES and attempt < self._retries:
                continue
            return answer
        raise AssertionError("unreachable")  # pragma: no cover

    def _follow(self, url: str) -> Answer:
        """One request, following redirects on the API's own origin only."""
        for _ in range(MAX_REDIRECTS + 1):
            status, headers, body = self._exchange(url)
            location = headers.get("location")
            if status not in REDIRECT_STATUSES or location is None:
                # An error's body is only read for its message: a proxy's HTML page is no worse.
                data = _json(body) if status < 400 else _json_or_none(body)
                return Answer(status, headers, data, self._next_url(headers))
            target = urljoin(url, location.split(",")[0].strip())
            if _origin(target) != self._origin:
                host = (urlsplit(target).hostname or "?")[:100]
                raise ApiError(f"GitHub redirected to another host ({host}): refused")
            url = target
        raise ApiError(f"more than {MAX_REDIRECTS} redirects")

    def _exchange(self, url: str) -> tuple[int, dict[str, str], bytes]:
        """One HTTP exchange under the whole-request deadline: status, headers, body."""
        self._throttle()
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname or "", parts.port, timeout=self._timeout, context=self._context
            )
        else:
            connection = http.client.HTTPConnection(
                parts.hostname or "", parts.port, timeout=self._timeout
            )
        expired = threading.Event()

        def cut() -> None:
            # Unblocks a read stuck in another thread: the socket's own shutdown, not
            # SSLSocket's, which would unwrap TLS under the reader's feet.
            expired.set()
            sock = connection.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

        watchdog = threading.Timer(self._deadline, cut)
        watchdog.daemon = True
        watchdog.start()
        try:
            try:
                connection.connect()
            except OSError as exc:
                if isinstance(exc, socket.gaierror):
                    raise Unreachable(f"{parts.hostname}: no such host (DNS)") from None
                if exc.errno in _UNREACHABLE_ERRNOS:
                    reason = os.strerror(exc.errno or 0).lower()
                    where = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname
                    raise Unreachable(f"{where}: {reason}") from None
                raise
            if expired.is_set():
                cut()
            connection.request("GET", target, headers=self._headers())
            response = connection.getresponse()
            length = response.getheader("content-length") or ""
            if length.strip().isdigit() and int(length.strip()[:20]) > self._max_body:
                raise MalformedAnswer(f"an answer larger than {self._max_body >> 20} MiB")
            body = bytearray()
            while chunk := response.read(_CHUNK):
                body += chunk
                if len(body) > self._max_body:
                    raise MalformedAnswer(f"an answer larger than {self._max_body >> 20} MiB")
            if expired.is_set():
                raise ApiError(f"no complete answer within {self._deadline:g}s")
            if length.strip().isdigit() and len(body) < int(length.strip()[:20]):
                raise _NetworkError("an answer cut short")
            headers: dict[str, str] = {}
            for name, value in response.getheaders():
                key = name.lower()
                headers[key] = f"{headers[key]}, {value}" if key in headers else value
            return response.status, headers, bytes(body)
        except ApiError:
            raise
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if expired.is_set():
                raise ApiError(f"no complete answer within {self._deadline:g}s") from None
            raise _NetworkError(f"cannot reach GitHub: {type(exc).__name__}") from None
        finally:
            watchdog.cancel()
            connection.close()

    def _headers(self) -> dict[str, str]:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "portfolio-auditor",
        }
        if self._token:
            headers["Authorization"] = f"token {self._token}"
        return headers

    def _throttle(self) -> None:
        if self._interval > 0:
            wait = self._last + self._interval - time.monotonic()
            if wait > 0:
                self._sleep(wait)
        self._last = time.monotonic()

    def _next_url(self, headers: Mapping[str, str]) -> str | None:
        """The ``rel="next"`` URL of a ``Link`` header, only on the API's origin."""
        for link in headers.get("link", "").split(","):
            url, _, params = link.strip().partition(">")
            rels = [p.strip().replace(" ", "") for p in params.split(";")]
            if url.startswith("<") and ('rel="next"' in rels or "rel=next" in rels):
                target = url[1:].strip()
                return target if _origin(target) == self._origin else None
        return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def _json(body: bytes) -> Any:
    """The parsed body; malformed JSON and nesting past the decoder's depth are refused."""
    if not body.strip():
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except RecursionError:
        raise MalformedAnswer("an answer nested too deeply") from None
    except ValueError:  # also UnicodeDecodeError
        raise MalformedAnswer("an answer that is not JSON") from None


def _json_or_none(body: bytes) -> Any:
    try:
        return _json(body)
    except MalformedAnswer:
        return None
