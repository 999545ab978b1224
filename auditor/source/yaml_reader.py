"""YAML from the audited repository, read by one bounded safe loader.

A repository's workflow files are untrusted: they may be large, nest thousands of levels
deep, or expand a handful of aliases into billions of nodes ("billion laughs"). Every YAML
document the auditor reads goes through :func:`load_yaml`, which

- refuses text over ``max_bytes`` before parsing it;
- parses with libyaml's C parser when it is there (PyYAML's pure-Python one otherwise) into
  a node graph, with no Python object built yet;
- counts the nodes the graph would expand to, following aliases, and the depth of nesting,
  and refuses a document over either bound;
- only then builds plain Python data with the *safe* constructor (no arbitrary tags).

Booleans follow YAML 1.2 (``true``/``false`` only), as GitHub Actions reads them: the key
``on`` stays the string ``"on"``, not ``True``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

MAX_BYTES = 1 << 20
MAX_NODES = 200_000
MAX_DEPTH = 64

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BOOL = "tag:yaml.org,2002:bool"


class _Loader(_Base):  # type: ignore[misc]
    """The safe loader with YAML 1.2 booleans."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _BOOL]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _local_tag(loader: Any, suffix: str, node: yaml.Node) -> Any:
    """A local tag (GitLab's ``!reference [.job, script]``) read as the plain data it tags."""
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    return loader.construct_scalar(node)


# Local tags ("!name") carry no meaning for the safe constructor; global ones
# (``!!python/object``) stay refused.
_Loader.add_multi_constructor("!", _local_tag)


class YamlError(ValueError):
    """The text is not YAML the auditor will read: bad syntax or over a bound."""


@dataclass(frozen=True)
class YamlDocument:
    """One document of a YAML file and where it starts (1-based line)."""

    data: Any
    line: int


def load_yaml(
    text: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_nodes: int = MAX_NODES,
    max_depth: int = MAX_DEPTH,
) -> list[YamlDocument]:
    """Every document of ``text`` as plain data; raises :class:`YamlError` when it cannot."""
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise YamlError(f"larger than {max_bytes:,} bytes")
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise YamlError(_first_line(exc)) from None
    except RecursionError:
        raise YamlError(f"nested more than {max_depth} levels deep") from None
    budget = max_nodes
    for node in nodes:
        budget -= _expanded_size(node, max_depth, budget)
    documents = []
    for node in nodes:
        constructor = _Loader("")
        try:
            data = constructor.construct_document(node)
        except yaml.YAMLError as exc:
            raise YamlError(_first_line(exc)) from None
        except RecursionError:
            raise YamlError(f"nested more than {max_depth} levels deep") from None
        finally:
            constructor.dispose()
        documents.append(YamlDocument(data, node.start_mark.line + 1))
    return documents


def _expanded_size(root: yaml.Node, max_depth: int, budget: int) -> int:
    """How many nodes ``root`` stands for once every alias is followed; raises past bounds."""
    sizes: dict[int, int] = {}
    # Iterative post-order walk: (node, depth, children done?)
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    on_path: set[int] = set()
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            total = 1 + sum(sizes[id(child)] for child in _children(node))
            if total > budget:
                raise YamlError(f"expands to more than {budget:,} nodes (aliases)")
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if depth > max_depth:
            raise YamlError(f"nested more than {max_depth} levels deep")
        if key in on_path:
            raise YamlError("an alias refers to a node that contains it")
        on_path.add(key)
        stack.append((node, depth, True))
        for child in _children(node):
            if id(child) not in sizes:
                stack.append((child, depth + 1, False))
    return sizes[id(root)]


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"not valid YAML ({text[0] if text else type(exc).__name__})"
