"""`paramcalc count` and `paramcalc presets`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import click

from paramcalc.cli.options import format_option, head_option, set_option, show
from paramcalc.cli.types import Size

if TYPE_CHECKING:
    from paramcalc.families.heads import HeadName

#: Command-line flags that describe an architecture when no SOURCE is given.
FLAG_FIELDS = {
    "vocab_size": "vocab_size",
    "hidden_size": "hidden_size",
    "num_layers": "num_hidden_layers",
    "heads": "num_attention_heads",
    "kv_heads": "num_key_value_heads",
    "head_dim": "head_dim",
    "intermediate_size": "intermediate_size",
    "ffn_ratio": "ffn_ratio",
    "gated": "gated_ffn",
    "tied": "tie_word_embeddings",
}


def architecture_flags(func: Any) -> Any:
    """The flags of `count` that describe an architecture without a file."""
    flags = [
        click.option("--vocab-size", type=Size(), help="Vocabulary size."),
        click.option("--hidden-size", type=Size(), help="Model width."),
        click.option("--num-layers", type=Size(), help="Transformer blocks."),
        click.option("--heads", type=Size(), help="Attention heads."),
        click.option("--kv-heads", type=Size(), help="Key/value heads (GQA)."),
        click.option("--head-dim", type=Size(), help="Width of one head."),
        click.option("--intermediate-size", type=Size(), help="FFN width."),
        click.option("--ffn-ratio", help="FFN width as a ratio of the width (4, 8/3)."),
        click.option("--gated/--no-gated", default=None, help="Gated FFN (SwiGLU)."),
        click.option("--tied/--untied", default=None, help="Tie input and output embeddings."),
    ]
    for flag in reversed(flags):
        func = flag(func)
    return func


def from_flags(flags: dict[str, Any], overrides: tuple[str, ...]) -> Any:
    """Build an architecture from command-line flags."""
    from paramcalc.sources.architecture import build, parse_overrides

    fields = {FLAG_FIELDS[k]: v for k, v in flags.items() if v is not None}
    if not fields:
        raise click.UsageError("give a SOURCE, or describe the architecture with flags")
    return build(fields, "command line", parse_overrides(overrides), default_name="custom")


@click.command()
@click.argument("source", required=False)
@set_option
@architecture_flags
@click.option(
    "--layers",
    is_flag=True,
    help="Add the per-layer and per-tensor view (per tensor for a checkpoint).",
)
@click.option(
    "--checkpoint",
    "as_checkpoint",
    is_flag=True,
    help=(
        "Read SOURCE as a safetensors checkpoint (a folder with a config.json, or a Hub id, "
        "too); a .gguf file is always read as one."
    ),
)
@click.option(
    "--base",
    help="The base model of an adapter_config.json SOURCE (default: its base_model_name_or_path).",
)
@click.option(
    "--tower",
    type=click.Choice(["text", "vision", "audio", "projector"]),
    help="Count one tower alone (text: what text_config describes, with the head).",
)
@head_option
@format_option
def count(
    source: str | None,
    overrides: tuple[str, ...],
    layers: bool,
    as_checkpoint: bool,
    base: str | None,
    tower: str | None,
    head: str | None,
    fmt: str,
    **flags: Any,
) -> None:
    """Count the parameters of SOURCE, by group.

    SOURCE is a preset, a paramcalc YAML/JSON file, a Hugging Face config.json (or its folder),
    a Hub id (org/name, from the local cache or the Hub), or - for a config on standard input.
    Without SOURCE, the flags describe the architecture, e.g.
    `paramcalc count --vocab-size 32000 --hidden-size 4096 --num-layers 32 --heads 32
    --intermediate-size 11008`.

    SOURCE is read as a safetensors checkpoint (headers only, never the tensor data) when it
    is a *.safetensors file, a *.safetensors.index.json, or a folder that holds *.safetensors
    files and no config.json; --checkpoint reads a folder with a config.json, or a Hub id's
    shards, as a checkpoint too. A quantized checkpoint (GPTQ, AWQ, compressed-tensors, MXFP4,
    FP8, bitsandbytes) counts the unquantized model's parameters, its config.json's
    quantization_config telling the packing; what the files store is shown by dtype and kind.
    A *.gguf file (llama.cpp) is counted from its header: every tensor's elements, its bytes
    and bits per weight by GGML type (Q4_K, Q8_0, IQ4_XS, ...).

    A PEFT adapter_config.json (or its folder) counts the LoRA adapter's trainable parameters
    on its base, and checks adapter_model.safetensors beside it (exit 1 when they differ).
    """
    from paramcalc.calculator import count as count_parameters
    from paramcalc.render.reports import count_report
    from paramcalc.sources import architecture_of
    from paramcalc.sources.architecture import parse_overrides
    from paramcalc.sources.kinds import CheckpointFiles, GGUFModel
    from paramcalc.sources.resolve import resolve

    described = any(v is not None for v in flags.values())
    if head and source is None:
        raise click.UsageError("--head chooses the head of an encoder's config.json SOURCE")
    if source is None:
        show(count_report(count_parameters(from_flags(flags, overrides)), layers), fmt)
        return
    if described:
        raise click.UsageError(
            "architecture flags describe a model without SOURCE; "
            "use --set FIELD=VALUE to change a SOURCE"
        )
    changes = parse_overrides(overrides)
    if not as_checkpoint:
        from paramcalc.sources.adapter import adapter_at

        adapter = adapter_at(source)
        if adapter is not None:
            from paramcalc.cli.lora import show_adapter

            if head:
                raise click.UsageError("--head chooses the head of an encoder, not of an adapter")
            show_adapter(adapter, base, overrides, layers, fmt)
            return
    if base:
        raise click.UsageError("--base names the base model of an adapter_config.json SOURCE")
    resolved = resolve(source, checkpoint=as_checkpoint)
    if isinstance(resolved, (CheckpointFiles, GGUFModel)):
        if changes:
            raise click.UsageError("--set changes an architecture, not a checkpoint")
        if tower or head:
            option = "--tower" if tower else "--head"
            raise click.UsageError(f"{option} applies to an architecture, not a checkpoint")
        from paramcalc.cli.checkpoint import show_checkpoint, show_gguf

        (show_gguf if isinstance(resolved, GGUFModel) else show_checkpoint)(resolved, layers, fmt)
        return
    counted = count_parameters(architecture_of(resolved, changes, cast("HeadName | None", head)))
    if tower:
        from paramcalc.calculator import tower_alone
        from paramcalc.core.records import Tower

        counted = tower_alone(counted, Tower(tower))
    show(count_report(counted, layers), fmt)


@click.command()
@format_option
def presets(fmt: str) -> None:
    """List the shipped presets with their totals."""
    from paramcalc.calculator import count as count_parameters
    from paramcalc.render.reports import presets_report
    from paramcalc.sources import load
    from paramcalc.sources.presets import preset_names

    entries = []
    for name in preset_names():
        arch = load(name)
        entries.append((name, count_parameters(arch), arch.source))
    show(presets_report(entries), fmt)


COMMANDS = [count, presets]
