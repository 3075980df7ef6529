#!/usr/bin/env python3
"""Ship a published config.json as a preset, with the count transformers gives it.

usage: make_preset.py CONFIG_JSON --name NAME --mirrors ORG/NAME [--note TEXT]

Writes `configs/NAME.yaml` (the config under `config:`, its source and the exact total that
transformers 5.23 counts on the meta device) and the matching entry of
`tests/data/preset_references.json` (total and five groups, replaced if present). Needs torch
and transformers; paramcalc's count of the new preset is printed beside transformers' so a
mismatch shows at once (the tests then fail on it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from make_reference import fixture  # noqa: E402

REFERENCES = ROOT / "tests" / "data" / "preset_references.json"


def preset_yaml(name: str, mirrors: str, total: int, config: dict[str, Any], note: str) -> str:
    """The preset file: provenance first, then the published config as it was read."""
    source = f"https://huggingface.co/{mirrors} (config.json)" + (f"; {note}" if note else "")
    head = {"name": name, "source": source, "expected_total": total}
    body = yaml.safe_dump({"config": config}, sort_keys=False, width=100)
    return yaml.safe_dump(head, sort_keys=False, width=100) + body


def update_references(entry: dict[str, Any]) -> None:
    """Replace or add the preset's entry, keeping the file sorted by name."""
    entries = [e for e in json.loads(REFERENCES.read_text()) if e["name"] != entry["name"]]
    entries.append(entry)
    entries.sort(key=lambda e: e["name"])
    REFERENCES.write_text(json.dumps(entries, indent=1) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", type=Path)
    ap.add_argument("--name", required=True)
    ap.add_argument("--mirrors", required=True, help="the Hub repository: ORG/NAME")
    ap.add_argument("--note", default="", help="appended to the source line")
    args = ap.parse_args()
    config = json.loads(args.config.read_text())
    counted = fixture(args.name, config)
    total, groups = counted["total"], counted["groups"]
    path = ROOT / "configs" / f"{args.name}.yaml"
    path.write_text(preset_yaml(args.name, args.mirrors, total, config, args.note))
    update_references(
        {
            "name": args.name,
            "model_type": config["model_type"],
            "mirrors": args.mirrors,
            "total": total,
            "groups": groups,
        }
    )
    import paramcalc

    ours = paramcalc.count(str(path)).total
    verdict = "exact" if ours == total else f"DIFFERS: paramcalc {ours:,}"
    print(f"{args.name}: transformers {total:,} {groups}; {verdict}")
    return 0 if ours == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
