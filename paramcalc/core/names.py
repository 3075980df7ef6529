"""Parameter names as transformers gives them: a family's naming over paramcalc's roles.

Components name their records by role (`attention.q_proj`, `ffn.experts`, `input_norm`); a
`Naming` turns a role into the module path the family's transformers model uses
(`self_attn.q_proj`, `attn.c_attn`, `layer.0.SelfAttention.q`) and says how the family stores
what paramcalc keeps apart: projections fused into one tensor (`qkv_proj`, `gate_up_proj`),
Conv1D's `(in, out)` layout. Lookups go from the most specific key to the least:
`decoder/attention.q_proj`, `attention.q_proj`, then the parent's name plus the leaf.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from paramcalc.core.records import Linear, Record
from paramcalc.errors import ParamcalcError

#: Llama's names: what a model without a family naming gets.
DEFAULT_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "embed_tokens": "model.embed_tokens",
        "embed_positions": "model.embed_positions",
        "token_type_embeddings": "model.token_type_embeddings",
        "project_in": "model.project_in",
        "project_out": "model.project_out",
        "embedding_norm": "model.embedding_norm",
        "decoder.layers": "model.layers",
        "decoder.final_norm": "model.norm",
        "encoder.layers": "model.encoder.layers",
        "encoder.final_norm": "model.encoder.norm",
        "lm_head": "lm_head",
        "pooler": "pooler.dense",
        "input_norm": "input_layernorm",
        "pre_ffn_norm": "post_attention_layernorm",
        "post_ffn_norm": "post_feedforward_layernorm",
        "pre_cross_norm": "cross_attn_layernorm",
        "post_cross_norm": "post_cross_attn_layernorm",
        "attention": "self_attn",
        "cross_attention": "cross_attn",
        "mamba": "mixer",
        "linear_attention": "linear_attn",
        "ffn": "mlp",
        "ffn.router": "mlp.gate",
    }
)
#: SigLIP's names under `vision_tower.`: what a vision tower without a family naming gets.
VISION_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "patch_embedding": "vision_tower.embeddings.patch_embedding",
        "class_embedding": "vision_tower.embeddings.class_embedding",
        "position_embedding": "vision_tower.embeddings.position_embedding",
        "pre_norm": "vision_tower.pre_layernorm",
        "encoder.layers": "vision_tower.encoder.layers",
        "post_norm": "vision_tower.post_layernorm",
        "head": "vision_tower.head",
        "input_norm": "layer_norm1",
        "pre_ffn_norm": "layer_norm2",
        "attention": "self_attn",
        "attention.o_proj": "self_attn.out_proj",
        "ffn": "mlp",
        "ffn.up_proj": "mlp.fc1",
        "ffn.down_proj": "mlp.fc2",
    }
)
#: Whisper's encoder names under `audio_tower.`: what an audio tower without a family naming gets.
AUDIO_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "conv1": "audio_tower.conv1",
        "conv2": "audio_tower.conv2",
        "embed_positions": "audio_tower.embed_positions",
        "encoder.layers": "audio_tower.layers",
        "post_norm": "audio_tower.layer_norm",
        "input_norm": "self_attn_layer_norm",
        "pre_ffn_norm": "final_layer_norm",
        "attention": "self_attn",
        "attention.o_proj": "self_attn.out_proj",
        "ffn.up_proj": "fc1",
        "ffn.down_proj": "fc2",
    }
)
#: Gemma 2's names for a block with a norm after the mixer (OLMo 2 uses the same).
POST_NORM_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "post_mixer_norm": "post_attention_layernorm",
        "pre_ffn_norm": "pre_feedforward_layernorm",
    }
)
#: An encoder-decoder's stacks live under model.encoder / model.decoder by default.
ENCODER_DECODER_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "decoder.layers": "model.decoder.layers",
        "decoder.final_norm": "model.decoder.norm",
        "encoder.embed_tokens": "model.encoder.embed_tokens",
        "decoder.embed_tokens": "model.decoder.embed_tokens",
        "encoder.embed_positions": "model.encoder.embed_positions",
        "decoder.embed_positions": "model.decoder.embed_positions",
        "encoder.embedding_norm": "model.encoder.layernorm_embedding",
        "decoder.embedding_norm": "model.decoder.layernorm_embedding",
    }
)


class NamingError(ParamcalcError):
    """A family's naming cannot store the architecture's tensors (a fusion that does not fit)."""


@dataclass(frozen=True)
class Naming:
    """How one family names and stores its parameters."""

    names: Mapping[str, str] = field(default_factory=dict)
    """Role (optionally `stack/role`) -> module path relative to the enclosing role."""
    leaves: Mapping[str, str] = field(default_factory=dict)
    """Role -> its own name under its parent's path (T5's `q`, `wi`, `wo`), wherever the parent
    sits."""
    fused: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Fused role (`attention.qkv_proj`) -> the sibling roles it stores as one tensor."""
    conv1d: bool = False
    """The blocks' projections are Conv1D, stored `(in, out)` (GPT-2)."""
    experts_transposed: bool = False
    """Stacked experts are stored `(E, in, out)` (gpt-oss)."""
    expert_modules: Mapping[str, str] = field(default_factory=dict)
    """Stacked-expert parameter (`up_proj`, `down_proj`) -> the module each expert keeps it
    in, `{e}` its index (Switch: `expert_{e}.wi`), for families with one module per expert."""
    expert_weights: Mapping[str, str] = field(default_factory=dict)
    """Stacked experts' parameter names -> the family's (JetMoE's `gate_up_proj` is
    `input_linear.weight`)."""
    towers: Mapping[str, Naming] = field(default_factory=dict)
    """The namings of the other towers (`vision`, `projector`) of a multimodal family."""
    stacks: Mapping[str, Naming] = field(default_factory=dict)
    """The namings of stacks that are another family's whole model (EncoderDecoderModel's
    encoder and decoder): such a stack's roles, and for the decoder the tower's, resolve as
    that family names its own model, under its `prefix`."""
    checkpoint_renames: tuple[tuple[str, str], ...] = ()
    """(pattern, replacement) pairs that turn names of older checkpoint layouts into the
    current ones, as transformers converts them on loading."""
    prefix: str = ""
    """The module the family's model sits under inside a larger model: a task model's base
    (BertForMaskedLM's `bert`: every role named from the root sits under it, except the task
    head's own) or a side of a composite model (EncoderDecoderModel's `encoder`, `decoder`)."""
    head: Mapping[str, str] = field(default_factory=dict)
    """Roles of a task head -> their module paths from the task model's root
    (`head_transform`: `cls.predictions.transform.dense`)."""
    head_first: bool = False
    """The task model registers its head before the base model (XLM-RoBERTa's masked-LM
    classes), so a tied token table is listed under the head's name."""
    single_layers: frozenset[str] = frozenset()
    """Stacks whose one layer is a module of its own, named without an index (Perceiver's
    encoder.cross_attention)."""

    def renamed_checkpoint(self, name: str) -> str:
        """A stored name in today's naming."""
        import re

        for pattern, replacement in self.checkpoint_renames:
            name = re.sub(pattern, replacement, name)
        return name

    def resolve(
        self,
        role: str,
        stack: str = "",
        defaults: Mapping[str, str] = DEFAULT_NAMES,
    ) -> str:
        """The module path of `role`, from the most specific naming key to the default."""
        for key in (f"{stack}/{role}", role):
            if key in self.names:
                return self.names[key]
        if role in defaults:
            return defaults[role]
        parent, _, leaf = role.rpartition(".")
        leaf = self.leaves.get(role, leaf)
        if not parent:
            return leaf
        return join(self.resolve(parent, stack, defaults), leaf)

    def rooted(self, role: str, defaults: Mapping[str, str] = DEFAULT_NAMES) -> str:
        """The path of a role named from the model's root: a head's own, else under the
        prefix."""
        if role in self.head:
            return self.head[role]
        return join(self.prefix, self.resolve(role, "", defaults))

    def fuse(self, records: list[Record]) -> list[Record]:
        """Replace each set of fused sibling projections by the one tensor the family stores."""
        by_role = {r.name: r for r in records}
        done: set[str] = set()
        out: list[Record] = []
        for r in records:
            if r.name in done:
                continue
            fused = self.fusion_of(r.name, by_role)
            if fused is None:
                out.append(r)
                continue
            role, members = fused
            parts = [by_role[m] for m in members]
            out.append(merged(role, parts))
            done.update(members)
        return out

    def fusion_of(
        self,
        role: str,
        present: Mapping[str, Record],
    ) -> tuple[str, tuple[str, ...]] | None:
        """The fused role and its members' roles, when `role` is the first member present."""
        parent, _, _ = role.rpartition(".")
        for fused_role, leaves in self.fused.items():
            fused_parent = fused_role.rpartition(".")[0]
            if fused_parent != parent:
                continue
            members = tuple(join(parent, leaf) for leaf in leaves)
            if role == members[0] and all(m in present for m in members):
                return fused_role, members
        return None


def stack_role(naming: Naming, stack: str, role: str) -> str:
    """The path of a role of `stack` when the stack is `naming`'s family's whole model: its
    tables are that model's, its layers and final norm those of its only stack; a task head's
    roles are named from that model's root."""
    local = role.removeprefix(f"{stack}.")
    if local in naming.head:
        return naming.head[local]
    # the family's own names of its only stack's parts (RoFormer's decoder.embed_positions)
    if local in ("layers", "final_norm") or f"decoder.{local}" in naming.names:
        local = f"decoder.{local}"
    return join(naming.prefix, naming.resolve(local))


def merged(role: str, parts: list[Record]) -> Linear:
    """One projection whose outputs are the parts' outputs side by side."""
    first = parts[0]
    if not all(isinstance(p, Linear) for p in parts):
        raise NamingError(f"{role}: only projections can be fused")
    linears = [p for p in parts if isinstance(p, Linear)]
    if any(
        (p.inputs, p.bias, p.experts) != (linears[0].inputs, linears[0].bias, linears[0].experts)
        for p in linears
    ):
        raise NamingError(f"{role}: fused projections must share their input width and bias")
    assert isinstance(first, Linear)
    return replace(first, name=role, outputs=sum(p.outputs for p in linears))


def join(parent: str, leaf: str) -> str:
    """A dotted path; an empty part (a role stored directly in its parent) is left out."""
    return f"{parent}.{leaf}" if parent and leaf else parent or leaf


def naming_for(model_type: str | None) -> Naming:
    """The naming of a model_type's family; Llama's names without one."""
    if model_type is None:
        return Naming()
    from paramcalc.families import naming_of

    return naming_of(model_type)
