"""GLM-4V, GLM-4.5V (`glm4v_moe`) and GLM-4.6V (`glm46v`, and `glmga` under another name, on
either text model): a ViT with a biased Conv3d patch embedding, RMSNorm blocks of fused qkv
attention and a gated MLP, a strided-conv downsample and a gated merger (the projector), and a
GLM-4 text model (four norms per layer, fused gate_up_proj, q/k/v biases) or GLM-4.5's MoE text
model.

Follows `modeling_glm4v.py`, `modeling_glm4v_moe.py` and `modeling_glm46v.py` in transformers
5.23.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.dense import GLM4
from paramcalc.families.moe_shared import ROUTER_BUFFER, SHARED_EXPERTS, floor_head_dim, glm4_moe
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, spec_config
from paramcalc.families.multimodal_qwen import QWEN_VISUAL
from paramcalc.families.rules import fixed, sizes

#: Glm4vTextConfig: heads of hidden_size // num_attention_heads (no head_dim field).
GLM4V_TEXT = Family(
    "glm4v_text",
    {
        "vocab_size": 151552,
        "hidden_size": 4096,
        "intermediate_size": 13696,
        "num_hidden_layers": 40,
        "num_attention_heads": 32,
        "num_key_value_heads": 2,
        "max_position_embeddings": 32768,
        # not a field of the text config: the top level decides (pre-v5 saves, see glm4v)
        "tie_word_embeddings": False,
    },
    # Glm4vTextAttention: biases on q/k/v always, none on o_proj.
    (
        sizes,
        fixed(
            qkv_bias=True,
            attention_out_bias=False,
            attention_output_norm=True,
            ffn_output_norm=True,
        ),
    ),
)


def shared_experts_built(c: HFConfig) -> dict[str, Any]:
    """Glm4vMoeTextMoE always builds its shared experts, zero wide when n_shared_experts is 0:
    tensors of no elements paramcalc does not list, so that value is refused."""
    if c.integer("n_shared_experts", minimum=0) == 0:
        raise c.error("n_shared_experts", "0 builds zero-width shared experts; not supported")
    return {}


#: Glm4vMoeTextConfig: GLM-4.5's decoder (routed plus shared experts after
#: first_k_dense_replace dense layers), without q/k norms or post-norms.
GLM4V_MOE_TEXT = Family(
    "glm4v_moe_text",
    {
        "vocab_size": 151424,
        "hidden_size": 4096,
        "intermediate_size": 10944,
        "num_hidden_layers": 46,
        "num_attention_heads": 96,
        "num_key_value_heads": 8,
        "max_position_embeddings": 65536,
        "attention_bias": True,
        # not a field of the config: Glm4vMoeTextAttention builds no q/k norms
        "use_qk_norm": False,
        "moe_intermediate_size": 1408,
        "num_experts_per_tok": 8,
        "n_shared_experts": 1,
        "n_routed_experts": 128,
        "first_k_dense_replace": 1,
        "tie_word_embeddings": False,
    },
    (sizes, floor_head_dim, glm4_moe, fixed(qk_norm="none"), shared_experts_built),
    aliases={"n_routed_experts": ("num_local_experts",)},
    required=KV_HEADS,
)
#: Glm4vVisionConfig's defaults and attribute_map (Glm4vMoeVisionConfig's are the same).
VISION_DEFAULTS = {
    "depth": 24,
    "hidden_size": 1536,
    "attention_bias": False,
    "num_heads": 12,
    "in_channels": 3,
    "image_size": 336,
    "patch_size": 14,
    "spatial_merge_size": 2,
    "temporal_patch_size": 2,
    "out_hidden_size": 4096,
    "intermediate_size": 13696,
}
VISION_ALIASES = {"num_heads": ("num_attention_heads",), "depth": ("num_hidden_layers",)}
GLM4V_VISION = Family("glm4v_vision", VISION_DEFAULTS, (), aliases=VISION_ALIASES)
GLM4V_MOE_VISION = Family("glm4v_moe_vision", VISION_DEFAULTS, (), aliases=VISION_ALIASES)


def vision(v: HFConfig) -> dict[str, Any]:
    """Glm4vVisionModel: Conv3d patches, post_conv_layernorm, a position table of
    (image_size // patch_size)^2 rows, blocks whose gated MLP is out_hidden_size wide, and
    post_layernorm (all norms RMSNorm)."""
    width, heads = v.integer("hidden_size"), v.integer("num_heads")
    v.split_heads("num_heads", heads, width)
    return {
        "hidden_size": width,
        "num_channels": v.integer("in_channels"),
        "image_size": v.integer("image_size"),
        "patch_size": v.integer("patch_size"),
        "temporal_patch_size": v.integer("temporal_patch_size"),
        "pre_norm": True,
        "norm_type": "rmsnorm",
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("depth"),
            "block": {
                "mixer": {
                    "kind": "attention",
                    "num_attention_heads": heads,
                    "qkv_bias": v.boolean("attention_bias"),
                },
                "ffn": {"kind": "gated", "intermediate_size": v.integer("out_hidden_size")},
            },
        },
    }


def projector(v: HFConfig, middle: int | None = None) -> dict[str, Any]:
    """The downsample (a biased spatial_merge_size-strided Conv2d to out_hidden_size) and
    Glm4vVisionPatchMerger: proj, a LayerNorm, then an unbiased gated MLP of `middle`
    (intermediate_size unless the family's merger says otherwise)."""
    width, out = v.integer("hidden_size"), v.integer("out_hidden_size")
    middle = v.integer("intermediate_size") if middle is None else middle
    merge = v.integer("spatial_merge_size")
    linear = {"kind": "linear", "bias": False}
    return {
        "parts": [
            {
                "kind": "conv",
                "role": "downsample",
                "in_channels": width,
                "out_channels": out,
                "kernel_size": merge,
            },
            {**linear, "role": "merger.proj", "inputs": out, "outputs": out},
            {
                "kind": "norm",
                "role": "merger.post_projection_norm",
                "width": out,
                "norm_type": "layernorm",
            },
            {**linear, "role": "merger.gate_proj", "inputs": out, "outputs": middle},
            {**linear, "role": "merger.up_proj", "inputs": out, "outputs": middle},
            {**linear, "role": "merger.down_proj", "inputs": middle, "outputs": out},
        ]
    }


def text(c: HFConfig, family: Family, text_ties: bool = True) -> dict[str, Any]:
    """The text model of text_config; tied when the top level or (Glm4vConfig.__post_init__,
    pre-v5 saves, when `text_ties`) the text config ties."""
    t = spec_config(c, "text_config", family)
    tied = c.boolean("tie_word_embeddings") or (text_ties and t.boolean("tie_word_embeddings"))
    fields = {**family.build(t), "tie_word_embeddings": tied}
    return t.text_tower(fields)


def glm4v(c: HFConfig) -> dict[str, Any]:
    """Glm4vForConditionalGeneration: the ViT, the downsample and merger, GLM-4's text model."""
    v = spec_config(c, "vision_config", GLM4V_VISION)
    return {"text": text(c, GLM4V_TEXT), "vision": vision(v), "projector": projector(v)}


def glm4v_moe(c: HFConfig) -> dict[str, Any]:
    """Glm4vMoeForConditionalGeneration: GLM-4V's ViT and projector, GLM-4.5's text model."""
    v = spec_config(c, "vision_config", GLM4V_MOE_VISION)
    return {"text": text(c, GLM4V_MOE_TEXT), "vision": vision(v), "projector": projector(v)}


def glm46v(c: HFConfig) -> dict[str, Any]:
    """Glm46VForConditionalGeneration: GLM-4V's ViT and projector and the text model
    text_config names (GLM-4V's by default, or GLM-4.5V's MoE one); Glm46VConfig has no
    __post_init__, so only the top-level tie_word_embeddings ties."""
    sub = c.raw("text_config")
    model_type = sub.get("model_type", "glm4v_text") if isinstance(sub, Mapping) else "glm4v_text"
    texts = {"glm4v_text": GLM4V_TEXT, "glm4v_moe_text": GLM4V_MOE_TEXT}
    if model_type not in texts:
        raise c.error("text_config", f"text model_type {model_type!r} is not supported here")
    v = spec_config(c, "vision_config", GLM4V_VISION, also=("glm4v_moe_vision",))
    fields = {
        "text": text(c, texts[model_type], text_ties=False),
        "vision": vision(v),
        "projector": projector(v),
    }
    return {**fields, **({"naming": "glm46v/moe"} if model_type == "glm4v_moe_text" else {})}


NAMING = Naming(
    {**LANGUAGE_MODEL, **GLM4.names},
    fused=GLM4.fused,
    towers={
        "vision": Naming(
            {
                **QWEN_VISUAL,
                "position_embedding": "model.visual.embeddings.position_embedding",
                "pre_norm": "model.visual.post_conv_layernorm",
                "post_norm": "model.visual.post_layernorm",
            },
            fused={"attention.qkv_proj": ("q_proj", "k_proj", "v_proj")},
        ),
        "projector": Naming(
            {"downsample": "model.visual.downsample", "merger": "model.visual.merger"}
        ),
    },
)

MOE_NAMING = Naming(
    {**LANGUAGE_MODEL, **SHARED_EXPERTS.names},
    towers=NAMING.towers,
)
DEFAULTS = {"text_config": None, "vision_config": None, "tie_word_embeddings": False}

FAMILIES = (
    Family("glm4v", DEFAULTS, (glm4v,), naming=NAMING),
    Family("glm4v_moe", DEFAULTS, (glm4v_moe,), naming=MOE_NAMING, notes=ROUTER_BUFFER),
    Family(
        "glm46v",
        DEFAULTS,
        (glm46v,),
        naming=NAMING,
        notes=f"with a glm4v_moe_text text model, {ROUTER_BUFFER}",
        variants={"moe": MOE_NAMING},
    ),
    # glmga: GlmgaConfig subclasses Glm46VConfig with nothing changed, and the auto classes map
    # it to Glm46VForConditionalGeneration.
    Family(
        "glmga",
        DEFAULTS,
        (glm46v,),
        naming=NAMING,
        notes=f"with a glm4v_moe_text text model, {ROUTER_BUFFER}",
        variants={"moe": MOE_NAMING},
    ),
)
