"""What the Byte Latent Transformer holds beside its four stacks of transformer layers.

`BltModel` (transformers 5.23, modeling_blt.py) runs a byte-level local encoder, a global
transformer over patches and a byte-level local decoder, and (with `patch_in_forward`) a small
entropy model, the patcher, that decides where patches start. Those four are stacks; this part
holds the rest: the hash n-gram embedding table added to the encoder's byte embeddings, each
local model's `patch_embedding_projection` and its `cross_attn_layers` (bytes and patches
attending to each other), the global transformer's `token_embedding_projection` (only where
the encoder's cross output is not the global width), the patcher's head and the model's head.
GROUPS.md: the hash table and the global input projection are embedding (a projection between
an embedding width and the hidden width); the patch projections and the cross-attention
layers are the byte/patch cross-attention, attention, their q_norm and k_norm norm; both heads
are output.
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.context import Context
from paramcalc.core.records import Embedding, Group, Linear, Record
from paramcalc.core.types import Count, PositiveInt, Spec

A = Group.ATTENTION


class PatchCrossAttention(Spec):
    """BltCrossAttention layers of one local model and its patch_embedding_projection.

    Each cross-attention normalizes its queries' and its keys' inputs (q_norm, k_norm, both of
    hidden_size) before projecting them; heads are hidden_size // num_attention_heads wide."""

    module: Literal["local_encoder", "local_decoder"]
    """The local model holding them."""
    hidden_size: PositiveInt
    """Width of the local model."""
    num_attention_heads: PositiveInt
    """Query heads of each cross-attention."""
    num_key_value_heads: PositiveInt
    """Key/value heads of each cross-attention."""
    num_layers: PositiveInt
    """Cross-attention layers: every layer's (cross_attn_all_layers), else one."""
    patch_width: PositiveInt
    """Input of patch_embedding_projection: the local width (encoder) or the global width
    (decoder: hidden_size_global)."""
    cross_attn_k: PositiveInt
    """Cross-attention vectors per patch: patch_embedding_projection has cross_attn_k x
    hidden_size outputs."""

    def records(self, ctx: Context) -> list[Record]:
        """patch_embedding_projection, then each layer's q/k/v/o projections and its norms."""
        path, hidden, t = f"model.{self.module}", self.hidden_size, ctx.tower
        head_dim = hidden // self.num_attention_heads
        q, kv = self.num_attention_heads * head_dim, self.num_key_value_heads * head_dim
        records: list[Record] = [
            Linear(
                f"{path}.patch_embedding_projection",
                self.patch_width,
                self.cross_attn_k * hidden,
                False,
                A,
                t,
            ),
        ]
        for i in range(self.num_layers):
            layer = f"{path}.cross_attn_layers.{i}"
            records += [
                Linear(f"{layer}.q_proj", hidden, q, False, A, t),
                Linear(f"{layer}.k_proj", hidden, kv, False, A, t),
                Linear(f"{layer}.v_proj", hidden, kv, False, A, t),
                Linear(f"{layer}.o_proj", q, hidden, False, A, t),
                *ctx.norm(f"{layer}.q_norm", hidden),
                *ctx.norm(f"{layer}.k_norm", hidden),
            ]
        return records


class ByteLatentParts(Spec):
    """BltForCausalLM's tensors outside its stacks' layers, tables and final norms."""

    kind: Literal["byte_latent"] = "byte_latent"
    hash_rows: PositiveInt
    """Rows of encoder_hash_tok_embedding: encoder_hash_byte_group_vocab x
    encoder_hash_byte_group_nb_functions x len(encoder_hash_byte_group_size); as wide as the
    local encoder."""
    encoder: PatchCrossAttention
    """The local encoder's patch projection and cross-attention (patches query bytes)."""
    decoder: PatchCrossAttention
    """The local decoder's patch projection and cross-attention (bytes query patches)."""
    global_hidden_size: PositiveInt
    """Width of the global transformer."""
    global_projection: Count = 0
    """Inputs of the global transformer's token_embedding_projection (encoder width x the
    model's cross_attn_k) where they differ from its width; 0 for none (nn.Identity)."""
    vocab_size: PositiveInt
    """Outputs of the model's lm_head (the model's vocab_size)."""
    tie_word_embeddings: bool = False
    """lm_head and the local encoder's embed_tokens are one tensor."""
    patcher_vocab_size: Count = 0
    """Outputs of the patcher's lm_head; 0 without a patcher."""
    patcher_hidden_size: PositiveInt | None = None
    """Width of the patcher, which its lm_head reads."""

    def records(self, ctx: Context, layers: int) -> list[Record]:
        """The hash table, both cross-attentions, the global projection and the two heads."""
        t, out = ctx.tower, Group.OUTPUT
        records: list[Record] = [
            Embedding(
                "model.encoder_hash_tok_embedding", self.hash_rows, ctx.hidden, Group.EMBEDDING, t
            ),
            *self.encoder.records(ctx),
            *self.decoder.records(ctx),
        ]
        if self.global_projection:
            records.append(
                Linear(
                    "model.global_transformer.token_embedding_projection",
                    self.global_projection,
                    self.global_hidden_size,
                    False,
                    Group.EMBEDDING,
                    t,
                )
            )
        if self.patcher_vocab_size and self.patcher_hidden_size:
            records.append(
                Linear(
                    "model.patcher.lm_head",
                    self.patcher_hidden_size,
                    self.patcher_vocab_size,
                    False,
                    out,
                    t,
                )
            )
        records.append(
            Linear(
                "lm_head",
                self.decoder.hidden_size,
                self.vocab_size,
                False,
                out,
                t,
                tied=self.tie_word_embeddings,
            )
        )
        return records
