#!/usr/bin/env python3
"""Write the README's list of supported model types from the family registry.

usage: readme_model_types.py [--check]

The list sits between the `<!-- model-types -->` markers; `--check` exits 1 when the README's
list is not the registry's (tests/test_readme.py runs the same comparison).
"""

from __future__ import annotations

import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- model-types:start -->", "<!-- model-types:end -->"


def model_types_block() -> str:
    """The supported model types, as one line of inline code names."""
    from paramcalc.families import supported_model_types

    names = supported_model_types()
    return f"{len(names)} model types: " + ", ".join(f"`{n}`" for n in names) + "."


def with_block(text: str, block: str) -> str:
    """The README text with its model-types block replaced."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{block}\n{END}{tail}"


def main() -> int:
    """Rewrite the block, or with --check report whether it is current."""
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        print(f"{README}: no {START} ... {END} block", file=sys.stderr)
        return 1
    new = with_block(text, model_types_block())
    if "--check" in sys.argv[1:]:
        return 0 if new == text else 1
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
