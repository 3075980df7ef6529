"""Where models come from: presets, paramcalc files, config.json files, Hub ids, checkpoints,
GGUF files.

`resolve.resolve` says what a SOURCE is (a `kinds.Source`); `architecture_of` loads an
architecture from it and `read_logical` a checkpoint's logical tensors. `load` does both steps
for an architecture. Each format keeps its own module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from paramcalc.errors import InputError
from paramcalc.schema import Loaded

if TYPE_CHECKING:
    from paramcalc.families.heads import HeadName
    from paramcalc.sources.kinds import CheckpointFiles, Source
    from paramcalc.sources.logical import LogicalCheckpoint


def load(
    source: str, overrides: Mapping[str, Any] | None = None, head: HeadName | None = None
) -> Loaded:
    """Load the architecture a SOURCE names: preset, file, config.json, Hub id or `-`."""
    from paramcalc.sources.resolve import resolve

    return architecture_of(resolve(source), overrides or {}, head)


def architecture_of(
    source: Source, overrides: Mapping[str, Any], head: HeadName | None = None
) -> Loaded:
    """The architecture of a resolved source, with `--set` overrides applied and, for an
    encoder's config.json, the head asked for (mlm, pooler or none)."""
    from paramcalc.sources import kinds
    from paramcalc.sources.architecture import build

    if head is not None:
        return with_head(source, overrides, head)

    if isinstance(source, kinds.Preset):
        from paramcalc.sources.presets import preset_data

        where = f"preset {source.name}"
        return build(preset_data(source.name), where, overrides, default_name=source.name)
    if isinstance(source, kinds.ArchitectureFile):
        return build(source.data, str(source.path), overrides, default_name=source.path.stem)
    if isinstance(source, kinds.HFConfigFile):
        return from_hf(source.data, str(source.path), source.name, overrides)
    if isinstance(source, kinds.HubModel):
        return from_hf(source.data, f"{source.where}/config.json", source.repo_id, overrides)
    if isinstance(source, kinds.StdinConfig):
        if "model_type" in source.data:
            return from_hf(source.data, "<stdin>", "stdin", overrides)
        return build(source.data, "<stdin>", overrides, default_name="stdin")
    if isinstance(source, kinds.GGUFModel):
        from paramcalc.sources.gguf_arch import architecture
        from paramcalc.sources.gguf_split import read_model

        return architecture(read_model(source.path), source.name, overrides)
    raise InputError(
        source.where,
        "is a safetensors checkpoint; this command reads an "
        "architecture: give its config.json, or the folder or Hub id "
        "that holds one",
    )


def from_hf(
    data: dict[str, Any],
    where: str,
    name: str,
    overrides: Mapping[str, Any],
    head: HeadName | None = None,
) -> Loaded:
    """A Hugging Face config.json mapping as an architecture."""
    from paramcalc.sources import hf

    return hf.from_config(data, where, name, overrides, head)


def with_head(source: Source, overrides: Mapping[str, Any], head: HeadName) -> Loaded:
    """An encoder's Hugging Face config with one of its heads; other sources have none."""
    from paramcalc.sources import kinds

    if isinstance(source, kinds.HFConfigFile):
        return from_hf(source.data, str(source.path), source.name, overrides, head)
    if isinstance(source, kinds.HubModel):
        where = f"{source.where}/config.json"
        return from_hf(source.data, where, source.repo_id, overrides, head)
    if isinstance(source, kinds.StdinConfig) and "model_type" in source.data:
        return from_hf(source.data, "<stdin>", "stdin", overrides, head)
    if isinstance(source, kinds.Preset):
        where = f"preset {source.name}"
    elif isinstance(source, (kinds.ArchitectureFile, kinds.GGUFModel)):
        where = str(source.path)
    else:
        where = getattr(source, "where", "<stdin>")
    raise InputError(
        where,
        f"{head!r} chooses the head of an encoder's Hugging Face config.json, which this "
        "source is not",
        "head",
    )


def read_logical(source: CheckpointFiles) -> LogicalCheckpoint:
    """A checkpoint's logical tensors, from its headers and its config's quantization_config."""
    from paramcalc.sources.logical import logical_view
    from paramcalc.sources.quantization import quantization_of

    if source.hub is not None:
        from paramcalc.sources.hub import read_checkpoint as read_hub

        checkpoint = read_hub(source.hub)
    else:
        from paramcalc.sources.safetensors import read_checkpoint

        assert source.path is not None  # a local checkpoint always has its path
        checkpoint = read_checkpoint(source.path)
    return logical_view(checkpoint, quantization_of(source.config, source.config_where))
