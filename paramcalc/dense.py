"""The Keras-layer derivation: an independent second count of every architecture.

The calculator enumerates tensors; this module describes the same architecture as the Keras
layers that would build it (Dense, Embedding, LayerNormalization / RMSNormalization), each
repeated as often as it occurs, and counts them with Keras' own formulas. Dense is
`inputs * units + units` with a bias (the seed example: `Dense(2)` on 4 inputs has 10).
`paramcalc verify` compares the two per group; `--keras` builds these layers for real.
"""

from __future__ import annotations

from dataclasses import dataclass

from paramcalc.calculator import GROUPS, Group
from paramcalc.schema import Architecture, NormType, PositionType, QKNorm


@dataclass(frozen=True, slots=True)
class Dense:
    """`keras.layers.Dense(units, use_bias)` on `inputs` features, occurring `repeat` times."""

    name: str
    group: Group
    inputs: int
    units: int
    use_bias: bool
    repeat: int = 1

    def count_params(self) -> int:
        """Keras' Dense count for one layer: a kernel, plus a bias vector when used."""
        return self.inputs * self.units + (self.units if self.use_bias else 0)


@dataclass(frozen=True, slots=True)
class Embedding:
    """`keras.layers.Embedding(input_dim, output_dim)`, occurring `repeat` times."""

    name: str
    group: Group
    input_dim: int
    output_dim: int
    repeat: int = 1

    def count_params(self) -> int:
        """One row of output_dim weights per input id."""
        return self.input_dim * self.output_dim


@dataclass(frozen=True, slots=True)
class Norm:
    """LayerNormalization (scale, and bias when `center`) or RMSNormalization (`rms`)."""

    name: str
    width: int
    center: bool
    rms: bool
    repeat: int = 1
    group: Group = Group.NORM

    def count_params(self) -> int:
        """gamma, plus beta when centred."""
        return self.width * (2 if self.center else 1)


Layer = Dense | Embedding | Norm


def norm_layer(arch: Architecture, name: str, width: int, repeat: int) -> list[Layer]:
    """The Keras norm for `arch.norm_type`, or nothing for a norm without learned tensors."""
    if arch.norm_type is NormType.NONE:
        return []
    center = arch.norm_type is NormType.LAYERNORM
    return [Norm(name, width, center, arch.norm_type is NormType.RMSNORM, repeat)]


def attention_layers(arch: Architecture, name: str, repeat: int) -> list[Layer]:
    """Dense layers (and q/k norms) of one attention block, MHA/GQA/MQA or MLA."""
    d, h, a = arch.hidden_size, arch.num_attention_heads, Group.ATTENTION
    if arch.kv_lora_rank is not None:
        return mla_layers(arch, name, repeat)
    hd = arch.head_dim or d // h
    kv = (arch.num_key_value_heads or h) * hd
    layers: list[Layer] = [
        Dense(f"{name}.query", a, d, h * hd, arch.qkv_bias, repeat),
        Dense(f"{name}.key", a, d, kv, arch.qkv_bias, repeat),
        Dense(f"{name}.value", a, d, kv, arch.qkv_bias, repeat),
        Dense(f"{name}.output", a, h * hd, d, arch.attention_out_bias, repeat),
    ]
    widths = {QKNorm.PER_HEAD: (hd, hd), QKNorm.FULL: (h * hd, kv)}.get(arch.qk_norm)
    if widths:
        layers += norm_layer(arch, f"{name}.query_norm", widths[0], repeat)
        layers += norm_layer(arch, f"{name}.key_norm", widths[1], repeat)
    return layers


def mla_layers(arch: Architecture, name: str, repeat: int) -> list[Layer]:
    """Multi-head latent attention as Dense layers (DeepSeek-V2 paper, section 2.1)."""
    d, h, a = arch.hidden_size, arch.num_attention_heads, Group.ATTENTION
    nope, rope = arch.qk_nope_head_dim or 0, arch.qk_rope_head_dim or 0
    v, rank = arch.v_head_dim or 0, arch.kv_lora_rank or 0
    layers: list[Layer] = []
    if arch.q_lora_rank:
        layers += [Dense(f"{name}.query_down", a, d, arch.q_lora_rank, arch.qkv_bias, repeat)]
        layers += norm_layer(arch, f"{name}.query_latent_norm", arch.q_lora_rank, repeat)
        layers += [Dense(f"{name}.query_up", a, arch.q_lora_rank, h * (nope + rope), False, repeat)]
    else:
        layers += [Dense(f"{name}.query", a, d, h * (nope + rope), False, repeat)]
    layers += [Dense(f"{name}.kv_down", a, d, rank + rope, arch.qkv_bias, repeat)]
    layers += norm_layer(arch, f"{name}.kv_latent_norm", rank, repeat)
    layers += [Dense(f"{name}.kv_up", a, rank, h * (nope + v), False, repeat)]
    layers += [Dense(f"{name}.output", a, h * v, d, arch.attention_out_bias, repeat)]
    return layers


def ffn_layers(arch: Architecture, name: str, width: int, repeat: int) -> list[Layer]:
    """Dense layers of one feed-forward network of `width` hidden units."""
    d, f, b = arch.hidden_size, Group.FEEDFORWARD, arch.ffn_bias
    inputs: list[Layer] = [Dense(f"{name}.gate", f, d, width, b, repeat)] if arch.gated_ffn else []
    return inputs + [
        Dense(f"{name}.up", f, d, width, b, repeat),
        Dense(f"{name}.down", f, width, d, b, repeat),
    ]


def moe_layers(arch: Architecture, name: str, repeat: int) -> list[Layer]:
    """Router, every routed expert and the shared expert of MoE layers."""
    d, f = arch.hidden_size, Group.FEEDFORWARD
    width = arch.moe_intermediate_size or ffn_width(arch)
    layers: list[Layer] = [Dense(f"{name}.router", f, d, arch.num_experts, arch.router_bias,
                                 repeat)]
    layers += ffn_layers(arch, f"{name}.expert", width, repeat * arch.num_experts)
    if arch.shared_expert_intermediate_size:
        layers += ffn_layers(arch, f"{name}.shared", arch.shared_expert_intermediate_size, repeat)
    if arch.shared_expert_gate:
        layers.append(Dense(f"{name}.shared_gate", f, d, 1, False, repeat))
    return layers


def ffn_width(arch: Architecture) -> int:
    """Dense FFN width: given, or ratio x hidden floored and rounded up to multiple_of."""
    if arch.intermediate_size:
        return arch.intermediate_size
    raw = arch.ffn_ratio_fraction * arch.hidden_size
    m = arch.multiple_of
    return (int(raw) + m - 1) // m * m


def stack_layers(arch: Architecture, name: str, depth: int, cross: bool) -> list[Layer]:
    """All layers of one stack of `depth` blocks, grouped by kind with repeat counts."""
    moe = 0 if name == "encoder" else sum(arch.is_moe_layer(i) for i in range(depth))
    attentions = ["self_attention", "cross_attention"] if cross else ["self_attention"]
    norms_per_attention = int(arch.attention_input_norm) + int(arch.attention_output_norm)
    norms = norms_per_attention * len(attentions) + int(arch.ffn_output_norm)
    norms += int(arch.ffn_input_norm and not arch.parallel_block)
    layers = norm_layer(arch, f"{name}.block_norm", arch.hidden_size, norms * depth)
    for attn in attentions:
        layers += attention_layers(arch, f"{name}.{attn}", depth)
    if arch.relative_attention_num_buckets:
        layers.append(Embedding(f"{name}.relative_position_bias", Group.ATTENTION,
                                arch.relative_attention_num_buckets, arch.num_attention_heads))
    if depth - moe:
        layers += ffn_layers(arch, f"{name}.ffn", ffn_width(arch), depth - moe)
    if moe:
        layers += moe_layers(arch, f"{name}.moe", moe)
    if arch.final_norm:
        layers += norm_layer(arch, f"{name}.final_norm", arch.hidden_size, 1)
    return layers


def embedding_layers(arch: Architecture) -> list[Layer]:
    """Input tables, the width projections around them and the embedding norm."""
    d, e = arch.hidden_size, Group.EMBEDDING
    width = arch.embedding_size or d
    layers: list[Layer] = [Embedding("token_embedding", e, arch.vocab_size, width)]
    if arch.position_embedding_type is PositionType.LEARNED:
        rows = (arch.max_position_embeddings or 0) + arch.position_offset
        layers.append(Embedding("position_embedding", e, rows, d))
    if arch.type_vocab_size:
        layers.append(Embedding("token_type_embedding", e, arch.type_vocab_size, d))
    if width != d:
        layers += [Dense("project_in", e, width, d, False)]
        layers += [Dense("project_out", e, d, width, False)]
    if arch.embedding_norm:
        layers += norm_layer(arch, "embedding_norm", d, 1)
    return layers


def head_layers(arch: Architecture) -> list[Layer]:
    """The language-model head (its bias alone when tied) and the pooler."""
    o, width = Group.OUTPUT, arch.embedding_size or arch.hidden_size
    layers: list[Layer] = []
    if arch.lm_head and not arch.tie_word_embeddings:
        layers.append(Dense("lm_head", o, width, arch.vocab_size, arch.lm_head_bias))
    elif arch.lm_head and arch.lm_head_bias:
        # A tied head still owns its bias: Dense(vocab) on zero inputs counts only the bias.
        layers.append(Dense("lm_head_bias", o, 0, arch.vocab_size, True))
    if arch.pooler:
        layers.append(Dense("pooler", o, arch.hidden_size, arch.hidden_size, True))
    return layers


def keras_layers(arch: Architecture) -> list[Layer]:
    """Every Keras layer the architecture needs, with how often each occurs."""
    layers = embedding_layers(arch)
    if arch.is_encoder_decoder:
        layers += stack_layers(arch, "encoder", arch.num_hidden_layers, cross=False)
        layers += stack_layers(arch, "decoder", arch.num_decoder_layers or arch.num_hidden_layers,
                               cross=True)
    else:
        layers += stack_layers(arch, "decoder", arch.num_hidden_layers, cross=False)
    return layers + head_layers(arch)


def dense_formula_counts(arch: Architecture) -> dict[Group, int]:
    """Per-group counts from the Keras formulas, independent of the tensor enumeration."""
    counts = dict.fromkeys(GROUPS, 0)
    for layer in keras_layers(arch):
        counts[layer.group] += layer.count_params() * layer.repeat
    return counts
