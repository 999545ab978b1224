"""What ``auditor audit`` was asked to audit: a folder, or a repository named by its URL.

A folder on disk wins over every other reading of the argument. Otherwise an ``https://``,
``http://``, ``ssh://`` or ``file://`` clone URL, an scp-style address
(``git@host:owner/repo.git``) or GitHub's ``OWNER/NAME`` shorthand (on the host of
``--github-url``) names a remote repository. It is cloned the way batch mode clones: bare
and blobless into the shared clone cache (:class:`auditor.batch.clones.CloneCache`), bounded
in files, fetched again on the next run, never checked out. A token is sent as batch mode
sends it: read from the ``--token-env`` variable, as a header scoped to the GitHub host, and
only after the clone failed without it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from auditor.errors import SourceError
from auditor.source.git import shown, strip_credentials

#: GitHub's ``OWNER/NAME``: an account name (letters, digits, inner hyphens) and a name.
_SHORTHAND = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}")
#: scp-style ``[user@]host:path``: a user, and a host of two characters or more (``C:`` is a
#: drive), before the first colon.
_SCP_USER = re.compile(r"[A-Za-z0-9._-]{1,64}")
_SCP_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{1,252}")
_URL_SCHEMES = ("https", "http", "ssh", "file")
#: Files at HEAD past which a cloned repository is refused (a snapshot's own bound).
MAX_FILES = 50_000
CLONE_TIMEOUT = 600.0


@dataclass(frozen=True)
class RemoteTarget:
    """A repository named by URL: where to clone it from, and how the card names it."""

    url: str  # the clone URL, without credentials
    key: str  # host/owner/name: its folder in the clone cache
    shown_as: str  # what the card names: the URL as given, credentials left out
    ssh: bool = False


def remote_target(argument: str, github_url: str = "https://api.github.com") -> RemoteTarget | None:
    """The remote repository ``argument`` names, or None when it is a local path.

    Raises :class:`SourceError` for a URL that cannot be cloned safely (another scheme, a
    host that would be read as an ssh option, credentials in it).
    """
    from auditor.batch.accounts import web_host

    if Path(argument).expanduser().exists():
        return None
    github = {"github.com", web_host(github_url) or "github.com"}
    if "://" in argument:
        return _from_url(argument, github)
    scp = _scp_host_and_path(argument)
    if scp is not None:
        host, path = scp
        return RemoteTarget(argument, _key(host, path, fold=host in github), argument, ssh=True)
    if _SHORTHAND.fullmatch(argument) and argument.split("/")[1] not in (".", ".."):
        host = web_host(github_url) or "github.com"
        url = f"https://{host}/{argument}.git"
        return RemoteTarget(url, _key(host, argument, fold=True), f"https://{host}/{argument}")
    return None


def _scp_host_and_path(argument: str) -> tuple[str, str] | None:
    """(host, path) of ``[user@]host:path``, or None when ``argument`` is not one."""
    address, colon, path = argument.partition(":")
    user, at, host = address.rpartition("@")
    if not colon or not path or path.startswith(":") or (at and not _SCP_USER.fullmatch(user)):
        return None
    return (host.lower(), path) if _SCP_HOST.fullmatch(host) else None


def _from_url(url: str, github: set[str]) -> RemoteTarget:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _URL_SCHEMES:
        raise SourceError(
            f"{shown(url)}: only https://, ssh://, file:// and git@host:owner/repo addresses "
            "can be cloned"
        )
    if parts.password or (parts.username and scheme != "ssh"):
        raise SourceError(
            f"{shown(strip_credentials(url))}: a URL with credentials in it; give the token "
            "in the variable --token-env names"
        )
    host = (parts.hostname or "").lower()
    if scheme == "file":
        if host not in ("", "localhost"):
            raise SourceError(f"{shown(url)}: a file:// URL names a folder on this machine")
        return RemoteTarget(url, _key("local", parts.path), url)
    if not host or host.startswith("-"):
        raise SourceError(f"{shown(url)}: no host to clone from")
    key = _key(host, parts.path, fold=host in github)
    return RemoteTarget(url, key, strip_credentials(url), ssh=scheme == "ssh")


def _key(host: str, path: str, *, fold: bool = False) -> str:
    """``host/owner/name``: the clone's folder, shared with batch mode (which writes GitHub's
    case-insensitive names in lower case)."""
    path = path.strip("/")
    path = path[: -len(".git")] if path.endswith(".git") else path
    key = f"{host.lower()}/{path}"
    return key.lower() if fold else key


@dataclass(frozen=True)
class Clone:
    """A remote repository brought into the clone cache."""

    path: Path
    head: str
    target: RemoteTarget


def clone_target(
    target: RemoteTarget,
    *,
    github_url: str = "https://api.github.com",
    token_env: str | None = "GITHUB_TOKEN",
    cache_dir: Path | None = None,
) -> Clone:
    """Clone ``target`` into the clone cache (or fetch into the clone already there).

    The token (from ``token_env``) goes only to the GitHub host of ``github_url``, over
    https, and only when the clone failed without it. Raises :class:`SourceError` with one
    line when the repository cannot be cloned, is empty, or is past the bound on files.
    """
    from auditor.batch.accounts import web_host
    from auditor.batch.clones import CloneCache, RepoRefused, default_cache_dir
    from auditor.batch.jobs import token_header
    from auditor.source.git import GitError, RemoteGit

    root = (cache_dir or default_cache_dir()).expanduser()
    host = web_host(github_url)
    prefix = f"https://{host}/" if host else None
    token = os.environ.get(token_env) if token_env else None
    header = token_header(token) if token and prefix and target.url.startswith(prefix) else None
    attempts = [None, header] if header is not None else [None]
    for attempt, sent in enumerate(attempts):
        scoped = (prefix, sent) if prefix and sent else None
        remote = RemoteGit(timeout=CLONE_TIMEOUT, ssh=target.ssh, header=scoped)
        cache = CloneCache(root, remote)
        try:
            path, head = cache.sync(target.url, target.key, max_entries=MAX_FILES)
        except RepoRefused as exc:
            raise SourceError(f"{shown(target.shown_as)}: {exc}") from None
        except GitError as exc:
            if attempt + 1 < len(attempts):
                continue  # a private repository: again, with the token
            message = str(exc).replace(token, "***") if token else str(exc)
            raise SourceError(f"{shown(target.shown_as)}: cannot clone: {message}") from None
        return Clone(path, head, target)
    raise AssertionError("unreachable")  # pragma: no cover
