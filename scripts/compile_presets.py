"""Write paramcalc/data/presets.json, the shipped presets compiled from configs/*.yaml.

The YAML files stay the source of truth: run this after adding or editing one
(`tests/test_compiled_presets.py` fails until the compiled file matches them).

usage: python scripts/compile_presets.py [--check]
"""

from __future__ import annotations

import argparse
import sys

from paramcalc.sources.presets import COMPILED_PRESETS, compile_presets


def main() -> int:
    """Write the compiled file, or with --check say whether it is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    check = parser.parse_args().check
    text = compile_presets()
    current = COMPILED_PRESETS.read_text(encoding="utf-8") if COMPILED_PRESETS.exists() else ""
    if check:
        if text != current:
            print(f"{COMPILED_PRESETS} is stale: run python scripts/compile_presets.py")
            return 1
        return 0
    if text != current:
        COMPILED_PRESETS.write_text(text, encoding="utf-8")
        print(f"wrote {COMPILED_PRESETS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
