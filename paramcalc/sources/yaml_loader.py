"""YAML reading that runs no code and cannot be made to explode.

PyYAML's SafeLoader builds only plain data (no `!!python/...` tags). On top of it: a key may
appear once, a number may not be absurdly long, and aliases may not expand the document
("billion laughs") or refer to themselves. The pure-Python parser is used on purpose: libyaml's
composer recurses in C and crashes the interpreter on deeply nested input, where this one raises
RecursionError, which the caller reports.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml

#: Nodes that aliases may add to a document when expanded; an architecture file needs none.
MAX_ALIAS_NODES = 10_000
#: Values (scalars, lists, mappings) in one document: a file has a few dozen fields, and its
#: longest lists one entry per layer. Composing stops there, so a 1 MB list is refused at once.
MAX_NODES = 25_000
#: Characters of one integer or float: int() of a long digit string is slow, and of a
#: sexagesimal one (1:2:3:...) quadratic.
MAX_NUMBER_CHARS = 100

MERGE_TAG = "tag:yaml.org,2002:merge"


class StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate and unhashable keys, over-long numbers and documents
    of more than MAX_NODES values."""

    composed = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Compose one value, counting it against MAX_NODES."""
        self.composed += 1
        if self.composed > MAX_NODES:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"more than {MAX_NODES:,} values in one document",
                self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        return super().compose_node(parent, index)  # type: ignore[no-untyped-call]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing a key that appears twice (last-wins would lose data) and a
        second merge key `<<` (which one wins would be PyYAML's choice, not the file's)."""
        seen: set[Any] = set()
        merges = [key for key, _ in node.value if key.tag == MERGE_TAG]
        if len(merges) > 1:
            raise yaml.constructor.ConstructorError(
                None, None, "duplicate merge key '<<'", merges[1].start_mark
            )
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:
                continue  # `<<: *defaults`: merged keys may be overridden, as YAML intends
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    "found an unhashable key",
                    key_node.start_mark,
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_short_number(self, node: yaml.ScalarNode) -> Any:
        """Refuse a number longer than any real size before converting it."""
        if len(node.value) > MAX_NUMBER_CHARS:
            raise yaml.constructor.ConstructorError(
                None, None, f"number longer than {MAX_NUMBER_CHARS} characters", node.start_mark
            )
        if node.tag.endswith(":int"):
            return self.construct_yaml_int(node)  # type: ignore[no-untyped-call]
        return self.construct_yaml_float(node)  # type: ignore[no-untyped-call]


for _tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
    StrictSafeLoader.add_constructor(_tag, StrictSafeLoader.construct_short_number)


def children(node: yaml.Node) -> list[yaml.Node]:
    """The nodes directly inside a sequence or mapping node (keys and values)."""
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def check_aliases(root: yaml.Node) -> None:
    """Refuse aliases that refer to themselves or expand the document by too many nodes."""
    expanded: dict[int, int] = {}  # id(node) -> nodes below it, every alias copied out
    distinct: set[int] = set()
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # iterative depth-first walk: no recursion, each node visited once
        node, finished = stack.pop()
        if finished:
            open_nodes.discard(id(node))
            expanded[id(node)] = 1 + sum(expanded[id(c)] for c in children(node))
            if expanded[id(node)] > len(distinct) + MAX_ALIAS_NODES:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"aliases expand the document by more than {MAX_ALIAS_NODES:,} nodes",
                    node.start_mark,
                )
            continue
        if id(node) in expanded:
            continue
        if id(node) in open_nodes:
            raise yaml.composer.ComposerError(
                None, None, "an alias refers to the node that contains it", node.start_mark
            )
        open_nodes.add(id(node))
        distinct.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in children(node))


def load_yaml(text: str) -> Any:
    """Parse one YAML document into plain data: compose, check the aliases, then construct."""
    loader = StrictSafeLoader(text)
    try:
        node = loader.get_single_node()  # type: ignore[no-untyped-call]
        if node is None:
            return None
        check_aliases(node)
        return loader.construct_document(node)  # type: ignore[no-untyped-call]
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]
