"""The flat form: the short way to write a uniform single-tower model, compiled to schema v2.

Every flat field keeps its meaning: the compiled model has the same tensors the flat form has
always described. Layers that differ (sliding vs full attention, dense vs MoE, T5's first
block with its relative bias) become block kinds of one stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from paramcalc.core.attention import Attention, LatentAttention, QKNorm
from paramcalc.core.context import NormType
from paramcalc.core.ffn import MLP, GatedMLP, MoE
from paramcalc.core.model import Model
from paramcalc.core.spec import Block, NormSite, Stack, TextTower

if TYPE_CHECKING:
    from paramcalc.schema import Architecture

Mixer = Attention | LatentAttention
StackName = Literal["decoder", "encoder"]


def attention(arch: Architecture, window: int | None, relative: bool) -> Mixer:
    """The flat form's attention: MLA when kv_lora_rank is set, else MHA/GQA/MQA."""
    if arch.kv_lora_rank is not None:
        assert arch.qk_nope_head_dim and arch.qk_rope_head_dim and arch.v_head_dim  # checked
        return LatentAttention(
            num_attention_heads=arch.num_attention_heads,
            q_lora_rank=arch.q_lora_rank,
            kv_lora_rank=arch.kv_lora_rank,
            qk_nope_head_dim=arch.qk_nope_head_dim,
            qk_rope_head_dim=arch.qk_rope_head_dim,
            v_head_dim=arch.v_head_dim,
            qkv_bias=arch.qkv_bias,
            o_bias=arch.attention_out_bias,
            sliding_window=window,
        )
    return Attention(
        num_attention_heads=arch.num_attention_heads,
        num_key_value_heads=arch.kv_heads,
        head_dim=arch.resolved_head_dim,
        qkv_bias=arch.qkv_bias,
        o_bias=arch.attention_out_bias,
        qk_norm=QKNorm(arch.qk_norm.value),
        sliding_window=window,
        relative_attention_num_buckets=arch.relative_attention_num_buckets if relative else 0,
    )


def feed_forward(arch: Architecture, moe: bool) -> MLP | GatedMLP | MoE:
    """A dense FFN, or the MoE layer of the flat form's expert fields."""
    if moe:
        return MoE(
            num_experts=arch.num_experts,
            num_experts_per_tok=arch.num_experts_per_tok,
            moe_intermediate_size=arch.expert_intermediate_size,
            gated_experts=arch.gated_ffn,
            expert_bias=arch.ffn_bias if arch.expert_bias is None else arch.expert_bias,
            router_bias=arch.router_bias,
            shared_expert_intermediate_size=arch.shared_expert_intermediate_size,
            shared_expert_bias=arch.ffn_bias,
            shared_expert_gate=arch.shared_expert_gate,
        )
    width = arch.resolved_intermediate_size
    if arch.gated_ffn:
        return GatedMLP(intermediate_size=width, bias=arch.ffn_bias)
    return MLP(intermediate_size=width, bias=arch.ffn_bias)


def norm_sites(arch: Architecture, cross: bool) -> tuple[NormSite, ...]:
    """Where the flat form's norm flags put norms in a block."""
    sites: list[NormSite] = []
    if arch.attention_input_norm:
        sites.append("input")
    if arch.attention_output_norm:
        sites.append("post_mixer")
    if cross and arch.attention_input_norm:
        sites.append("pre_cross")
    if cross and arch.attention_output_norm:
        sites.append("post_cross")
    if arch.ffn_input_norm and not arch.parallel_block:
        sites.append("pre_ffn")
    if arch.ffn_output_norm:
        sites.append("post_ffn")
    return tuple(sites)


def stack(arch: Architecture, name: StackName, layers: int, spans: tuple[str, ...]) -> Stack:
    """One stack; layers whose attention span, FFN or relative bias differ get their own kind."""
    cross = name == "decoder" and (arch.is_encoder_decoder or arch.cross_attention)
    routed = arch.is_moe and name != "encoder"
    relative = arch.relative_attention_num_buckets > 0
    moe_layers = arch.moe_layers(layers) if routed else frozenset()
    kinds: dict[str, Block] = {}
    layer_kinds: list[str] = []
    for index in range(layers):
        span = spans[index]
        moe = index in moe_layers
        first = relative and index == 0
        key = "+".join([span, "moe" if moe else "dense", *(["relative_bias"] if first else [])])
        if key not in kinds:
            window = arch.sliding_window if span == "sliding_attention" else None
            self_attention = attention(arch, window, first)
            kinds[key] = Block(
                mixer=self_attention,
                cross_attention=attention(arch, None, False) if cross else None,
                ffn=feed_forward(arch, moe),
                norms=norm_sites(arch, cross),
            )
        layer_kinds.append(key)
    if len(kinds) == 1:
        return Stack(
            name=name,
            num_hidden_layers=layers,
            block=next(iter(kinds.values())),
            final_norm=arch.final_norm,
        )
    return Stack(
        name=name,
        num_hidden_layers=layers,
        kinds=kinds,
        layer_kinds=tuple(layer_kinds),
        final_norm=arch.final_norm,
    )


def to_model(arch: Architecture) -> Model:
    """The v2 model the flat architecture describes."""
    stacks: tuple[Stack, ...]
    if arch.is_encoder_decoder:
        span = "sliding_attention" if arch.sliding_window else "full_attention"
        stacks = (
            stack(
                arch,
                "encoder",
                arch.num_hidden_layers,
                ("full_attention",) * arch.num_hidden_layers,
            ),
            stack(arch, "decoder", arch.decoder_layers, (span,) * arch.decoder_layers),
        )
    else:
        stacks = (stack(arch, "decoder", arch.num_hidden_layers, arch.resolved_layer_types()),)
    learned = arch.position_embedding_type.value == "learned"
    positions = (arch.max_position_embeddings or 0) + arch.position_offset if learned else 0
    text = TextTower(
        vocab_size=arch.vocab_size,
        hidden_size=arch.hidden_size,
        embedding_size=arch.embedding_size,
        position_embeddings=positions,
        type_vocab_size=arch.type_vocab_size,
        embedding_norm=arch.embedding_norm,
        norm_type=NormType(arch.norm_type.value),
        stacks=stacks,
        lm_head=arch.lm_head,
        tie_word_embeddings=arch.tie_word_embeddings,
        lm_head_bias=arch.lm_head_bias,
        pooler=arch.pooler,
    )
    return Model(text=text, naming=arch.naming)
