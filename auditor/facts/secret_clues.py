"""What gives a credential away, and what marks a fake: judgements on paths, names and values.

The words are data (``rules/vocabulary/hygiene.toml``); every test here is a membership,
prefix or suffix check, or a linear pattern, on a short string, so none can run long on
untrusted input.
"""

from __future__ import annotations

import re

from auditor.vocabulary import term_set, terms

VOCABULARY = "hygiene"

#: How a squashed key name ending reads in a finding ("apikey" -> "API key").
_KIND_NAMES = {
    "passwd": "password",
    "pwd": "password",
    "apikey": "API key",
    "secretkey": "secret key",
    "accesskey": "access key",
    "privatekey": "private key",
    "clientsecret": "client secret",
}
_SEPARATORS = str.maketrans("._-", "   ")


def name_words(name: str) -> list[str]:
    """The words of a file name, split at dots, underscores and hyphens, lower-cased."""
    return name.lower().translate(_SEPARATORS).split()


def in_fixture_dir(path: str) -> bool:
    """Whether a path lies in a folder of test data."""
    fixtures = term_set(VOCABULARY, "fixture_dirs")
    return any(part.lower() in fixtures for part in path.split("/")[:-1])


def is_test_or_example(path: str) -> bool:
    """Tests, example folders and example files: where fake credentials belong."""
    parts = path.lower().split("/")
    name = parts[-1]
    test_dirs = term_set(VOCABULARY, "test_dirs")
    if any(part in test_dirs or "{{" in part for part in parts[:-1]):
        return True  # tests, examples and project templates (``{{cookiecutter.name}}/``)
    if name.startswith("test_") or name in term_set(VOCABULARY, "test_file_names"):
        return True
    words = terms(VOCABULARY, "test_file_words")
    if any(f"{sep}{word}." in name for sep in "._-" for word in words):
        return True  # login_test.py, views_tests.py, api.spec.ts
    return is_example_name(name)


def is_test_or_fixture(path: str) -> bool:
    """Test, example and fixture folders, and project templates (``{{cookiecutter.name}}/``)."""
    folders = term_set(VOCABULARY, "fixture_dirs") | term_set(VOCABULARY, "test_dirs")
    parts = [part.lower() for part in path.split("/")[:-1]]
    return any(part in folders or "{{" in part for part in parts)


def is_example_name(name: str) -> bool:
    """Whether a file name says it holds examples (config.example.json, seed_db.py)."""
    examples = term_set(VOCABULARY, "example_words")
    return any(word in examples for word in name_words(name))


def is_env_file(name: str) -> bool:
    """A dotenv file (.env, .env.production, prod.env), not an example of one."""
    lowered = name.lower()
    env = lowered == ".env" or lowered.startswith(".env.") or lowered.endswith(".env")
    return env and not is_example_name(lowered)


def is_secret_file(path: str) -> bool:
    """Whether a file's name says it usually holds a credential."""
    name = path.rpartition("/")[2].lower()
    if name in term_set(VOCABULARY, "secret_file_names") or is_env_file(name):
        return True
    if secret_file_kind(path) is not None:
        return True
    if name.endswith(terms(VOCABULARY, "secret_file_suffixes")):
        return True
    words = terms(VOCABULARY, "service_account_words")
    return name.endswith(".json") and any(word in name for word in words)


def is_placeholder(value: str) -> bool:
    """Whether a value is obviously not a real credential."""
    value = value.strip().strip("\"'").strip()
    lowered = value.lower()
    if len(value) < 4 or value.isdigit():
        return True
    if lowered in term_set(VOCABULARY, "default_values"):
        return True
    if lowered in term_set(VOCABULARY, "famous_examples"):
        return True
    if not any(ch.isalnum() for ch in value) or len(set(value)) <= 2:
        return True  # "*****", "----", "aaaa"
    if value[0] in "$%<!&*" or "{{" in value or "${" in value or "%(" in value:
        return True  # a reference, a template, an anchor or a tag
    if value[0] == "{" and _TEMPLATE_NAME.fullmatch(value):
        return True  # {TOKEN}, {user.password}: a name to fill in ({ODc1…} is a token)
    if lowered.startswith(("os.", "env(", "getenv")):
        return True
    return any(word in lowered for word in terms(VOCABULARY, "placeholder_words"))


def is_placeholder_token(value: str) -> bool:
    """A token-shaped placeholder: an example word, or too few distinct characters."""
    lowered = value.lower()
    if any(word in lowered for word in terms(VOCABULARY, "token_placeholder_words")):
        return True
    return len(set(value)) < 8 or not any(ch.isdigit() for ch in value)


def is_literal_secret(value: str) -> bool:
    """Whether an assigned literal looks like a credential rather than a word or a path."""
    bare = value.strip("\"'")
    if is_placeholder(bare) or len(set(bare)) < 5 or any(ch.isspace() for ch in bare):
        return False  # "Bearer " + token, 'hard to guess string': prose, not a key
    if is_version(bare):
        return False  # a dependency's version range in a manifest
    if _is_quantity(bare):
        return False  # '200/minute', '30s', '10mb': a rate limit, a timeout, a size
    return not (bare.startswith(("/", "./", "../", "~/")) or _is_file_name(bare))


#: A name in braces, to be filled in: words and dots, no digits (``{TOKEN}``, ``{ db.pass }``).
_TEMPLATE_NAME = re.compile(r"\{\s*[A-Za-z_]{1,40}(?:\.[A-Za-z_]{1,40}){0,4}\s*\}")

#: A number with a unit or a rate: ``200/minute``, ``5/s``, ``30s``, ``1.5gb``.
_QUANTITY = re.compile(r"\d+(?:\.\d+)?/?[a-z]{0,12}")


def _is_quantity(value: str) -> bool:
    return len(value) <= 24 and _QUANTITY.fullmatch(value.lower()) is not None


def is_credential_setting(name: str) -> bool:
    """Whether a name is a setting about a credential rather than one: its last word is a
    setting word (``SECURITY_PASSWORD_HASH``, ``PASSWORD_MIN_LENGTH``, ``api_key_header``)."""
    words = name_words(_split_camel(name))
    return bool(words) and words[-1] in term_set(VOCABULARY, "credential_setting_words")


def _split_camel(name: str) -> str:
    """``apiKeyHeader`` -> ``api_key_header``, lower-cased (other names only lower-cased)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


_FILE_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./~-")


def _is_file_name(value: str) -> bool:
    """A file name or relative path with an extension: ``key.pem``, ``certs/site.crt``."""
    stem, dot, extension = value.rpartition(".")
    if not dot or not 1 <= len(stem) <= 200 or not 2 <= len(extension) <= 5:
        return False
    if not (extension.isascii() and extension.isalpha() and extension.islower()):
        return False
    return all(ch in _FILE_NAME_CHARS or ch.isalnum() for ch in stem)


def secret_key_names() -> tuple[str, ...]:
    """The credential names of the vocabulary, as written there (``api_key``)."""
    return terms(VOCABULARY, "secret_key_names")


def _squashed(name: str) -> str:
    """A setting's name as the vocabularies match it: lower case, without the separators
    (``app.config['SECRET-KEY']`` and ``secret_key`` are both ``secretkey``)."""
    return name.lower().replace("_", "").replace(".", "").replace("-", "")


def secret_kind(key: str, *, env: bool = False) -> str | None:
    """What a key name holds ("password", "API key", ...), or None when not a secret.

    ``env``: the key is in a committed .env file, where more names count.
    """
    squashed = _squashed(key)
    endings = [name.replace("_", "") for name in secret_key_names()]
    if env:
        endings += terms(VOCABULARY, "env_key_names")
    for ending in endings:
        if squashed.endswith(ending):
            return _KIND_NAMES.get(ending, ending)
    return None


def secret_file_kind(path: str) -> str | None:
    """The kind of secret a file is by its name alone, or None.

    Private keys named as one (``id_rsa``, Vagrant's ``.vagrant/machines/…/private_key``),
    Terraform state (``*.tfstate``) and saved plans (``tfplan``, ``*.tfplan``).
    """
    name = path.rpartition("/")[2].lower()
    if name in term_set(VOCABULARY, "private_key_file_names"):
        return "private key (by its file name)"
    if name.endswith(terms(VOCABULARY, "terraform_state_suffixes")):
        return "Terraform state (holds every resource's keys and passwords)"
    if name in term_set(VOCABULARY, "terraform_plan_names") or name.endswith(".tfplan"):
        return "Terraform plan (a zip holding the state)"
    return None


def is_ci_file(path: str) -> bool:
    """A CI configuration, a compose file or a test-runner configuration: their passwords
    are for local service containers that live for one job or one developer's machine."""
    from auditor.source.ci import adapter_for

    name = path.rpartition("/")[2].lower()
    stem = name.rsplit(".", 1)[0]
    if name.endswith((".yml", ".yaml")) and (
        stem.startswith(("docker-compose", "compose")) or stem.endswith("compose")
    ):
        return True
    return name in ("tox.ini", "noxfile.py") or adapter_for(path) is not None


def deploys(lowered: str) -> bool:
    """Whether a CI or compose file, lower-cased, deploys or reaches a server
    (``deploy_words``): then its literal credentials are a server's, not a service
    container's for one job."""
    return any(word in lowered for word in terms(VOCABULARY, "deploy_words"))


def is_doc_file(path: str) -> bool:
    """Documentation, where connection strings and keys are examples to copy."""
    parts = path.lower().split("/")
    if any(part in term_set(VOCABULARY, "doc_dirs") for part in parts[:-1]):
        return True
    return parts[-1].endswith(terms(VOCABULARY, "doc_suffixes"))


def is_third_party(path: str) -> bool:
    """A file of a committed virtual environment or dependency folder: not the author's."""
    third_party = term_set(VOCABULARY, "third_party_dirs")
    return any(part in third_party for part in path.split("/")[:-1])


def names_local_host(text: str, line: int) -> bool:
    """Whether a line (1-based) of a text points at a database on the local machine."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return False
    end = text.find("\n", start)
    row = text[start : end if end >= 0 else len(text)].lower()
    return any(f"@{host}" in row for host in terms(VOCABULARY, "local_hosts"))


def is_named_key(kind: str) -> bool:
    """Whether a secret was found by the name it is given (``API_KEY = "…"``, a credential
    named key) rather than by its own shape, and is a key or token rather than a password."""
    named = kind.startswith("hard-coded ") or kind == "secret assigned to a credential name"
    return named and "password" not in kind


def is_distributed_kind(project_kind: str) -> bool:
    """Whether a kind of project is a program its users install (``distributed_kinds``)."""
    return project_kind in term_set(VOCABULARY, "distributed_kinds")


def is_lock_file(path: str) -> bool:
    """A dependency lock file: written by a tool, with package names that may contain
    credential words (``@inquirer/password``) and versions, never a hand-written secret."""
    return path.rpartition("/")[2].lower() in term_set("packaging", "lock_files")


def is_version(value: str) -> bool:
    """A version or version range (``^4.0.23``, ``~1.2``, ``>=2.0``, ``1.2.3``)."""
    bare = value.strip("\"' ").lstrip("^~<>=!v ")
    return bool(bare) and bare[0].isdigit() and all(c.isdigit() or c in ".*x-+" for c in bare)


def is_signing_key(kind: str) -> bool:
    """Whether a secret is the application's own signing key (``signing_key_names``): the
    name a kind ends with in parentheses, ``hard-coded secret key (SECRET_KEY)``."""
    if not kind.endswith(")") or "(" not in kind:
        return False
    names = {n.replace("_", "") for n in terms(VOCABULARY, "signing_key_names")}
    return _squashed(kind[kind.rindex("(") + 1 : -1]) in names


def is_uncertain_kind(kind: str) -> bool:
    """Whether a kind of secret may be public by design (``uncertain_kinds``): an OAuth
    client's id or secret shipped in an app, a browser API key, an access key id alone."""
    lowered = kind.lower()
    return any(word in lowered for word in terms(VOCABULARY, "uncertain_kinds"))


def toml_prose_lines(text: str) -> frozenset[int]:
    """The lines of a TOML file that are not a credential-named key's own line: inside a
    multi-line string, or a key that names no credential (whatever its string says)."""
    prose = set(_multiline_string_lines(text))
    for number, line in enumerate(text.splitlines(), start=1):
        if number in prose:
            continue
        key, equals, _ = line.partition("=")
        name = key.strip().strip("\"'").rpartition(".")[2]
        if not equals or secret_kind(name) is None:
            prose.add(number)
    return frozenset(prose)


def _multiline_string_lines(text: str) -> frozenset[int]:
    """The 1-based lines that lie inside a TOML multi-line string (\"\"\" or \'\'\'), the
    opening and closing lines excluded; one pass over the text."""
    inside: set[int] = set()
    quote = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if quote:
            if quote in line:
                quote = ""
            else:
                inside.add(number)
            continue
        for mark in ('"""', "'''"):
            if line.count(mark) % 2 == 1:
                quote = mark
                break
    return frozenset(inside)
