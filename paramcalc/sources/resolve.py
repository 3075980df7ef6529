"""One way in: any SOURCE string resolved to what it is, in one place (see `sources.kinds`).

In order: `-` is standard input; an existing path is a file or folder (a Hugging Face cache's
`models--org--name` folder stands for its `refs/main` snapshot); `org/name[@revision]` is a Hub
id; a name that looks like a path (a slash, a file suffix) is a missing file; anything else is
a preset, matched case-insensitively.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from paramcalc.errors import InputError
from paramcalc.sources.kinds import (
    GGUF_SUFFIX,
    INDEX_SUFFIX,
    SUFFIX,
    ArchitectureFile,
    CheckpointFiles,
    GGUFModel,
    HFConfigFile,
    Preset,
    Source,
    StdinConfig,
)

ARCHITECTURE_SUFFIXES = (".yaml", ".yml", ".json")
#: Every suffix paramcalc reads, for the message that refuses another.
READS = (
    ".yaml, .yml and .json (architecture files, config.json), .safetensors and "
    ".safetensors.index.json (checkpoints), .gguf (llama.cpp files)"
)
#: Suffixes of model files: `org/x.gguf` names a file, never a Hub repository.
FILE_SUFFIXES = (
    *ARCHITECTURE_SUFFIXES,
    SUFFIX,
    GGUF_SUFFIX,
    ".bin",
    ".pt",
    ".pth",
    ".ckpt",
    ".h5",
    ".onnx",
    ".msgpack",
    ".npz",
    ".txt",
    ".toml",
    ".model",
)
#: A file-like suffix (`.gguf`, `.bin`): a letter after the last dot. Preset names have digits
#: there (`llama-3.1-8b`).
PATH_SUFFIX = re.compile(r"\.[A-Za-z][A-Za-z0-9_]*$")


def resolve(source: str, checkpoint: bool = False) -> Source:
    """What SOURCE names; with `checkpoint`, a safetensors checkpoint or a GGUF file, or an error
    saying why not."""
    if not source.strip():  # Path("") is the current folder: say what is wrong instead
        raise InputError(
            repr(source),
            "empty source; give a preset name, a file, a folder or a Hub id (org/name)",
        )
    if source == "-":
        if checkpoint:
            raise InputError("-", "standard input holds a config, not a checkpoint")
        return from_stdin()
    path = Path(source)
    if exists(path):
        return local(path, source, checkpoint)
    hub_id = None
    if "/" in source:  # a Hub id is org/name: a preset's name needs no Hub module
        from paramcalc.sources.hub import parse_hub_id

        hub_id = parse_hub_id(source)
    if (
        hub_id
        and not source.lower().endswith(FILE_SUFFIXES)
        and not exists(Path(source.split("/")[0]))
    ):
        return hub_source(*hub_id, checkpoint)
    if looks_like_path(source):
        raise InputError(source, "no such file or folder")
    from paramcalc.sources.presets import canonical_preset

    preset = Preset(canonical_preset(source))
    if checkpoint:
        raise InputError(
            source,
            "is a preset (an architecture); --checkpoint reads *.safetensors "
            "files, their index, a folder of them, a Hub id or a *.gguf file",
        )
    return preset


def checkpoint_source(source: str) -> CheckpointFiles | GGUFModel:
    """SOURCE as a safetensors checkpoint or a GGUF file."""
    resolved = resolve(source, checkpoint=True)
    assert isinstance(resolved, (CheckpointFiles, GGUFModel))  # checkpoint=True returns no other
    return resolved


def exists(path: Path) -> bool:
    """Whether a path exists; a name the OS refuses (too long) does not."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def looks_like_path(source: str) -> bool:
    """Whether a missing SOURCE was meant as a file: a separator, `~`, or a file suffix."""
    return (
        "/" in source
        or "\\" in source
        or source.startswith("~")
        or bool(PATH_SUFFIX.search(source))
    )


def hub_source(repo_id: str, revision: str | None, checkpoint: bool) -> Source:
    """A Hub model: its config.json from the cache or the Hub; its shards when a checkpoint."""
    from paramcalc.sources.hub import fetch_model

    model = fetch_model(repo_id, revision)
    if not checkpoint:
        return model
    return CheckpointFiles(
        model.where, repo_id, None, model, model.data, f"{model.where}/config.json"
    )


def local(path: Path, source: str, checkpoint: bool) -> Source:
    """An existing file or folder."""
    from paramcalc.sources.files import parse_mapping
    from paramcalc.sources.hub import cache_snapshot

    if path.is_dir():
        folder = cache_snapshot(path) or path
        config, shards = folder / "config.json", has_shards(folder)
        if checkpoint or (shards and not config.exists()):
            return checkpoint_files(source, model_name(folder / "config.json"), folder)
        if not config.exists():
            raise InputError(source, "folder holds no config.json (nor *.safetensors files)")
        path = config
    elif path.name.lower().endswith(GGUF_SUFFIX):
        from paramcalc.sources.gguf_split import model_name as gguf_model_name

        return GGUFModel(path, gguf_model_name(path))
    elif path.name.endswith((SUFFIX, INDEX_SUFFIX)):
        return checkpoint_files(source, checkpoint_name(path), path)
    elif checkpoint and path.name == "config.json":
        return checkpoint_files(source, model_name(path), path.parent)
    elif checkpoint:
        raise InputError(
            source,
            "is not a safetensors checkpoint; --checkpoint reads "
            "*.safetensors files, their index, a folder of them, a Hub id or a *.gguf file",
        )
    elif path.suffix not in ARCHITECTURE_SUFFIXES:
        kind = f"{path.suffix!r}" if path.suffix else "(no suffix)"
        raise InputError(source, f"unsupported file type {kind}; paramcalc reads {READS}")
    data = parse_mapping(path)
    if "model_type" in data or path.name == "config.json":
        return HFConfigFile(path, model_name(path), data)
    return ArchitectureFile(path, data)


def has_shards(folder: Path) -> bool:
    """Whether a folder holds safetensors files or an index of them."""
    return any(folder.glob(f"*{SUFFIX}")) or any(folder.glob(f"*{INDEX_SUFFIX}"))


def model_name(path: Path) -> str:
    """A config.json's model: the repo id of a cache snapshot, else its folder's name.

    The path is made absolute without following links: a cache snapshot's config.json links
    into `blobs/`, whose name says nothing.
    """
    from paramcalc.sources.hub import cache_repo_id

    if path.name != "config.json":
        return path.stem
    absolute = Path(os.path.normpath(path.absolute()))
    return cache_repo_id(absolute) or absolute.parent.name


def checkpoint_name(path: Path) -> str:
    """A checkpoint file's model: its folder's for `model*.safetensors`, else the file's stem."""
    if path.name.startswith("model"):
        return model_name(path.parent / "config.json")
    return path.name.removesuffix(INDEX_SUFFIX).removesuffix(SUFFIX)


def checkpoint_files(source: str, name: str, path: Path) -> CheckpointFiles:
    """A local checkpoint, with the config.json beside it when there is one."""
    from paramcalc.sources.files import parse_mapping

    config = (path if path.is_dir() else path.parent) / "config.json"
    data: dict[str, Any] | None = parse_mapping(config) if config.is_file() else None
    return CheckpointFiles(source, name, path, None, data, str(config))


def from_stdin() -> StdinConfig:
    """A config piped to `-`: JSON when it starts with `{`, else YAML."""
    import sys

    from paramcalc.sources.files import parse_text_mapping, read_stream

    text = read_stream(sys.stdin.buffer, "<stdin>")
    return StdinConfig(parse_text_mapping(text, "<stdin>", text.lstrip().startswith("{")))
