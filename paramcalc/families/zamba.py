"""Zamba and Zamba2: Mamba stacks whose hybrid layers run a shared transformer block.

`ZambaModel` / `Zamba2Model` (transformers 5.23) build one layer per entry of
layers_block_type: a Mamba (Zamba2: Mamba-2) layer, or a hybrid layer that first runs a
shared attention + MLP block on the hidden state concatenated with the token embeddings,
projects its output with its own `linear` and feeds it to a Mamba layer of its own
(`mamba_decoder`). Zamba ties one shared block across all hybrid layers; Zamba2 ties
num_mem_blocks blocks, used in turn, each holding the low-rank adapters of its uses. Both tie
them only with tie_word_embeddings (PreTrainedModel.get_expanded_tied_weights).
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.hybrid_more import dt_rank
from paramcalc.families.v2 import gated_mlp, text_tower

#: configuration_utils._LEGACY_LAYER_TYPE_REMAP, then the two kinds the models build.
LAYER_KINDS = {
    "mamba": "linear_attention",
    "linear_attention": "linear_attention",
    "hybrid": "hybrid",
}


def listed_layers(c: HFConfig) -> list[str] | None:
    """layers_block_type as the file lists it (legacy names mapped); None when absent.

    PreTrainedConfig.validate_layer_type wants one entry per layer. The `layer_types` alias is
    applied after __post_init__, so a null there leaves the model no layer list at all."""
    listed = c.raw("layers_block_type")
    if listed is None:
        if c.key("layers_block_type") == "layer_types":
            raise c.error("layers_block_type", "is null, which leaves the model no layers")
        return None
    if (
        not isinstance(listed, list)
        or not listed
        or any(not isinstance(v, str) or v not in LAYER_KINDS for v in listed)
    ):
        raise c.error("layers_block_type", f"must list one of {sorted(LAYER_KINDS)} per layer")
    layers = c.integer("num_hidden_layers")
    if len(listed) != layers:
        raise c.error("layers_block_type", f"has {len(listed)} entries for {layers} layers")
    return [LAYER_KINDS[v] for v in listed]


def zamba_layers(c: HFConfig) -> list[str]:
    """ZambaConfig.__post_init__: two Mamba layers, a hybrid one, then a hybrid layer where
    i % attn_layer_period is attn_layer_offset over the other num_hidden_layers - 3."""
    listed = listed_layers(c)
    if listed is None:
        layers = c.integer("num_hidden_layers")
        if layers < 3:
            raise c.error(
                "num_hidden_layers",
                f"must be at least 3 without layers_block_type "
                f"(its default lists 3 layers before the pattern), got {layers}",
            )
        period, offset = c.integer("attn_layer_period"), c.integer("attn_layer_offset", 0)
        rest = ["hybrid" if i % period == offset else "linear_attention" for i in range(layers - 3)]
        listed = ["linear_attention", "linear_attention", "hybrid", *rest]
    if listed.count("hybrid") == 1 and c.boolean("tie_word_embeddings"):
        # ZambaModel ties the first hybrid layer's block into the others': with no other,
        # the tie finds no target and transformers refuses to build the model
        key = "attn_layer_offset" if c.raw("layers_block_type") is None else "layers_block_type"
        raise c.error(
            key,
            "gives one hybrid layer, whose shared block transformers cannot "
            "tie with tie_word_embeddings (none or at least two build)",
        )
    return listed


#: Zamba2Config.__post_init__'s layers_block_type when the file has none (54 layers, whatever
#: num_hidden_layers says).
ZAMBA2_LAYERS = (
    ["linear_attention"]
    + (["linear_attention"] * 5 + ["hybrid"]) * 7
    + ["linear_attention"] * 4
    + ["hybrid"]
    + ["linear_attention"] * 3
    + ["hybrid"]
    + ["linear_attention"] * 2
)


def shared_layers(
    c: HFConfig, mixer: dict[str, Any], shared: dict[str, Any], kinds: list[str], copies: int
) -> dict[str, Any]:
    """The stack's layers: a Mamba layer (input norm, mixer), or a hybrid one whose k-th use
    runs shared block k % copies before its own mixer.

    The blocks are tied through _tied_weights_keys, which transformers applies only with
    tie_word_embeddings: untied, every hybrid layer holds a block of its own. A block's holder
    also stores the adapters of every use of its block id (when `shared` has an adapter rank).
    """
    tied, uses = c.boolean("tie_word_embeddings"), kinds.count("hybrid")
    mamba, plain = {"mixer": mixer, "norms": ["input"]}, mixer["kind"]
    blocks: dict[str, dict[str, Any]] = {plain: mamba}
    layer_kinds, k = [], 0
    for kind in kinds:
        if kind != "hybrid":
            layer_kinds.append(plain)
            continue
        block_id = k % copies
        index, holds = (block_id, k < copies) if tied else (k, True)
        held = "holds " if holds else ""
        key = f"shared_attention+{plain} ({held}block {index})"
        use = {**shared, "index": index, "holds": holds}
        if holds and "adapter_rank" in shared:
            use["adapter_slots"] = [i for i in range(uses) if i % copies == block_id]
        blocks[key] = {**mamba, "shared": use}
        layer_kinds.append(key)
        k += 1
    return {"text": text_tower(c, blocks, layer_kinds)}


def zamba_head_dim(c: HFConfig, derived: int) -> int:
    """The attention head width: the `head_dim` alias, applied after __post_init__, wins
    (null there leaves the attention no head width); else what __post_init__ derived."""
    if c.key("attention_head_dim") == "head_dim":
        return c.integer("attention_head_dim")
    return derived


def zamba(c: HFConfig) -> dict[str, Any]:
    """ZambaModel: multi-head Mamba layers; hybrid layers share one attention + MLP block."""
    hidden, heads = c.integer("hidden_size"), c.integer("num_attention_heads")
    inner, mamba_heads = c.integer("mamba_expand") * hidden, c.integer("n_mamba_heads")
    if inner % mamba_heads:
        # ZambaConfig.validate_architecture
        raise c.error("n_mamba_heads", f"{mamba_heads} must divide mamba_expand x hidden_size")
    attention_width = c.opt_int("attention_hidden_size") or 2 * hidden
    if attention_width != 2 * hidden:
        raise c.error(
            "attention_hidden_size",
            f"must be 2 x hidden_size = {2 * hidden} (the shared block reads the hidden state "
            f"and the embeddings side by side), got {attention_width}",
        )
    mixer = {
        "kind": "mamba",
        "intermediate_size": inner,
        "num_heads": mamba_heads,
        "state_size": c.integer("mamba_d_state"),
        "time_step_rank": dt_rank(c, "mamba_dt_rank"),
        "conv_kernel": c.integer("mamba_d_conv"),
        "conv_bias": c.boolean("mamba_conv_bias"),
        "bias": c.boolean("mamba_proj_bias"),
    }
    shared = {
        # ZambaAttention: no biases, head_dim = attention_head_dim or 2 x hidden / heads
        "attention": {
            "kind": "attention",
            "num_attention_heads": heads,
            "num_key_value_heads": c.integer("num_key_value_heads"),
            "head_dim": zamba_head_dim(c, c.opt_int("attention_head_dim") or 2 * hidden // heads),
            "input_size": 2 * hidden,
        },
        "ffn": gated_mlp(c.integer("intermediate_size")),
    }
    return shared_layers(c, mixer, shared, zamba_layers(c), 1)


def zamba2(c: HFConfig) -> dict[str, Any]:
    """Zamba2Model: Mamba-2 layers; hybrid layers run num_mem_blocks shared blocks in turn."""
    hidden, heads = c.integer("hidden_size"), c.integer("num_attention_heads")
    inner, mamba_heads = c.integer("mamba_expand") * hidden, c.integer("n_mamba_heads")
    if inner % mamba_heads:
        raise c.error("n_mamba_heads", f"{mamba_heads} must divide mamba_expand x hidden_size")
    bias = c.boolean("add_bias_linear")
    mixer = {
        "kind": "mamba2",
        "num_heads": mamba_heads,
        "head_dim": inner // mamba_heads,
        "state_size": c.integer("mamba_d_state"),
        "n_groups": c.integer("mamba_ngroups"),
        "conv_kernel": c.integer("mamba_d_conv"),
        # Zamba2MambaMixer: the convolution always has a bias, whatever use_conv_bias says
        "conv_bias": True,
        "bias": bias,
    }
    kv = c.opt_int("num_key_value_heads") or heads
    attention_adapters = c.boolean("use_shared_attention_adapter")
    if attention_adapters and (kv != heads or 2 * hidden % heads):
        raise c.error(
            "use_shared_attention_adapter",
            "adds 2 x hidden_size outputs to q, k and v, so needs num_key_value_heads equal to "
            "num_attention_heads and heads dividing 2 x hidden_size",
        )
    shared = {
        # Zamba2Config.__post_init__: head_dim is always 2 x hidden / heads
        "attention": {
            "kind": "attention",
            "num_attention_heads": heads,
            "num_key_value_heads": kv,
            "head_dim": zamba_head_dim(c, 2 * hidden // heads),
            "input_size": 2 * hidden,
        },
        "ffn": gated_mlp(c.opt_int("intermediate_size") or 4 * hidden, bias),
        # Zamba2MLP holds a gate_up adapter for each of its uses whatever the config says
        "adapter_rank": c.integer("adapter_rank"),
        "attention_adapters": attention_adapters,
    }
    return shared_layers(c, mixer, shared, zamba2_layers(c), c.integer("num_mem_blocks"))


def zamba2_layers(c: HFConfig) -> list[str]:
    """layers_block_type, else the fixed 54-layer default of Zamba2Config.__post_init__.

    The adapters' slots follow hybrid_layer_ids, which __post_init__ derives from
    layers_block_type before the layer_types alias replaces the list, and which a file's own
    hybrid_layer_ids then replaces: both must place the hybrid layers where the list does."""
    listed = listed_layers(c)
    if listed is None:
        layers = c.integer("num_hidden_layers")
        if layers != len(ZAMBA2_LAYERS):
            raise c.error(
                "num_hidden_layers",
                f"must be {len(ZAMBA2_LAYERS)} without layers_block_type (its default lists "
                f"that many), got {layers}",
            )
        listed = list(ZAMBA2_LAYERS)
    hybrid = [i for i, kind in enumerate(listed) if kind == "hybrid"]
    declared = c.data.get("layers_block_type")
    first = ZAMBA2_LAYERS if declared is None else [LAYER_KINDS.get(v, v) for v in declared]
    if c.key("layers_block_type") == "layer_types" and hybrid != [
        i for i, kind in enumerate(first) if kind == "hybrid"
    ]:
        raise c.error(
            "layers_block_type",
            "places its hybrid layers elsewhere than layers_block_type (or its default), "
            "from which Zamba2Config derives hybrid_layer_ids: the model cannot run",
        )
    if "hybrid_layer_ids" in c.data and c.data["hybrid_layer_ids"] != hybrid:
        raise c.error("hybrid_layer_ids", f"must list the hybrid layers {hybrid}")
    return listed


def zamba_naming(shared: str, fused: bool) -> Naming:
    """ZambaForCausalLM / Zamba2ForCausalLM: `mamba` or `shared_transf[ormer]`, `linear` and
    `mamba_decoder` in a hybrid layer; Zamba's multi-head x_proj and dt_proj are parameters of
    the mixer itself."""
    names = {
        "decoder.final_norm": "model.final_layernorm",
        "mamba": "mamba",
        "shared": shared,
        "shared.input_norm": f"{shared}.input_layernorm",
        "shared.pre_ffn_norm": f"{shared}.pre_ff_layernorm",
        "shared.attention": f"{shared}.self_attn",
        "shared.ffn": f"{shared}.feed_forward",
        "shared_projection": "linear",
        "wrapped": "mamba_decoder",
        "wrapped.input_norm": "mamba_decoder.input_layernorm",
    }
    leaves = {
        f"{prefix}mamba.{proj}": "" for prefix in ("", "wrapped.") for proj in ("x_proj", "dt_proj")
    }
    leaves |= {f"shared.attention.{x}_adapter": f"linear_{x}_adapter_list" for x in "qkv"} | {
        "shared.ffn.gate_up_adapter": "gate_up_proj_adapter_list"
    }
    gate_up = {"shared.ffn.gate_up_proj": ("gate_proj", "up_proj")} if fused else {}
    return Naming(names, leaves=leaves, fused=gate_up)


MAMBA_KEYS = {
    "mamba_d_state": 16,
    "mamba_d_conv": 4,
    "mamba_expand": 2,
}

FAMILIES = (
    Family(
        "zamba",
        {
            **MAMBA_KEYS,
            "vocab_size": 32000,
            "tie_word_embeddings": True,
            "hidden_size": 3712,
            "attention_hidden_size": None,
            "intermediate_size": 14848,
            "num_hidden_layers": 76,
            "num_attention_heads": 16,
            "attention_head_dim": None,
            "num_key_value_heads": 16,
            "n_mamba_heads": 2,
            "attn_layer_period": 6,
            "attn_layer_offset": 4,
            "mamba_dt_rank": "auto",
            "mamba_conv_bias": True,
            "mamba_proj_bias": False,
            "layers_block_type": None,
        },
        (zamba,),
        aliases={"layers_block_type": ("layer_types",), "attention_head_dim": ("head_dim",)},
        naming=zamba_naming("shared_transf", fused=False),
        required=frozenset({"num_key_value_heads"}),
    ),
    Family(
        "zamba2",
        {
            **MAMBA_KEYS,
            "mamba_d_state": 64,
            "vocab_size": 32000,
            "hidden_size": 2560,
            "num_hidden_layers": 54,
            "layers_block_type": None,
            "mamba_ngroups": 1,
            "n_mamba_heads": 8,
            "add_bias_linear": False,
            "intermediate_size": None,
            "num_attention_heads": 32,
            "num_key_value_heads": None,
            "num_mem_blocks": 1,
            "use_shared_attention_adapter": False,
            "adapter_rank": 128,
            "tie_word_embeddings": True,
        },
        (zamba2,),
        aliases={"layers_block_type": ("layer_types",), "attention_head_dim": ("head_dim",)},
        naming=zamba_naming("shared_transformer", fused=True),
    ),
)
