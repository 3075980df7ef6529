"""A YAML safe loader that refuses duplicate keys and alias bombs."""

from __future__ import annotations

from typing import Any

import yaml

#: A real architecture file uses no aliases; a few are fine, thousands are an attack.
MAX_ALIASES = 100


class StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys (last-wins would lose data silently)."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases_seen = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Count aliases so a "billion laughs" document is refused before it expands."""
        if self.check_event(yaml.AliasEvent):
            self._aliases_seen += 1
            if self._aliases_seen > MAX_ALIASES:
                event = self.peek_event()
                raise yaml.constructor.ConstructorError(
                    None, None, f"more than {MAX_ALIASES} aliases", event.start_mark
                )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing a key that appears twice."""
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
