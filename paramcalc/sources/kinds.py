"""What a SOURCE is, once resolved: one frozen record per kind of source.

`paramcalc.sources.resolve.resolve` turns any SOURCE string into one of these; the loaders read
an architecture (`sources.architecture_of`) or a checkpoint (`sources.read_logical`) from it.
Parsed mappings travel with their record, so no file is read twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: A safetensors file, and the index of a sharded checkpoint (here, not in the safetensors
#: module, so that telling what a SOURCE is imports no checkpoint reader).
SUFFIX = ".safetensors"
INDEX_SUFFIX = ".safetensors.index.json"
#: A llama.cpp GGUF file (here too, so that telling what a SOURCE is imports no GGUF reader).
GGUF_SUFFIX = ".gguf"


@dataclass(frozen=True)
class Preset:
    """A shipped preset, by its canonical (lower-case) name."""

    name: str


@dataclass(frozen=True)
class ArchitectureFile:
    """A paramcalc YAML or JSON architecture file."""

    path: Path
    data: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class HFConfigFile:
    """A Hugging Face config.json (or any JSON naming a model_type), and the model's name."""

    path: Path
    name: str
    """The folder's name, or the repo id of a Hugging Face cache snapshot."""
    data: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class HubModel:
    """A model on the Hugging Face Hub, its config.json in the local cache."""

    repo_id: str
    revision: str | None
    commit: str
    """The commit of the cache snapshot the config.json was read from."""
    config: Path
    data: dict[str, Any] = field(repr=False, compare=False)

    @property
    def where(self) -> str:
        """How errors name the model: its id, with the revision asked for."""
        return f"{self.repo_id}@{self.revision}" if self.revision else self.repo_id


@dataclass(frozen=True)
class StdinConfig:
    """A config read from standard input (`-`): paramcalc YAML/JSON or a config.json."""

    data: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class CheckpointFiles:
    """A safetensors checkpoint: local files, or a Hub model's shards read by their headers."""

    where: str
    """The checkpoint as named: a path, or a repo id."""
    name: str
    path: Path | None
    """A .safetensors file, an index or a folder of shards; None for a Hub model."""
    hub: HubModel | None
    config: dict[str, Any] | None = field(repr=False, compare=False)
    """The config.json beside it (its quantization_config), when there is one."""
    config_where: str = ""


@dataclass(frozen=True)
class GGUFModel:
    """A llama.cpp GGUF file: a checkpoint whose metadata also says its architecture."""

    path: Path
    name: str

    @property
    def where(self) -> str:
        """How errors name the file."""
        return str(self.path)


#: Every kind of source; `isinstance` on these is how commands tell them apart.
Source = (
    Preset | ArchitectureFile | HFConfigFile | HubModel | StdinConfig | CheckpointFiles | GGUFModel
)
