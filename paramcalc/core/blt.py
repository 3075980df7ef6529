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

FLOPs (`ByteLatentParts.flops`), by convention every patch patch_size bytes long (the last
shorter), P = ceil(S / patch_size) patches of S bytes: the encoder runs its projection and its
cross-attention at each of its cross layers, cross_attn_k query vectors per patch against every
byte; the decoder projects the global output once and each of its cross layers runs every
byte's query against cross_attn_k vectors per patch. Eager attention and SDPA compute every
pair; the masks keep, for each query, only its own patch's keys: cross_attn_k x S pairs.
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.context import Context
from paramcalc.core.records import Embedding, Group, Linear, Record, Stream
from paramcalc.core.types import Count, PositiveInt, Spec

A = Group.ATTENTION
#: The cross-attention's records are charged by ByteLatentParts.flops, not by their rows.
NONE = Stream.NONE


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

    @property
    def widths(self) -> tuple[int, int, int]:
        """Head width, query width and key/value width of each cross-attention."""
        head_dim = self.hidden_size // self.num_attention_heads
        return head_dim, self.num_attention_heads * head_dim, self.num_key_value_heads * head_dim

    def records(self, ctx: Context) -> list[Record]:
        """patch_embedding_projection, then each layer's q/k/v/o projections and its norms."""
        path, hidden, t = f"model.{self.module}", self.hidden_size, ctx.tower
        _, q, kv = self.widths
        records: list[Record] = [
            Linear(
                f"{path}.patch_embedding_projection",
                self.patch_width,
                self.cross_attn_k * hidden,
                False,
                A,
                t,
                NONE,
            ),
        ]
        for i in range(self.num_layers):
            layer = f"{path}.cross_attn_layers.{i}"
            records += [
                Linear(f"{layer}.q_proj", hidden, q, False, A, t, NONE),
                Linear(f"{layer}.k_proj", hidden, kv, False, A, t, NONE),
                Linear(f"{layer}.v_proj", hidden, kv, False, A, t, NONE),
                Linear(f"{layer}.o_proj", q, hidden, False, A, t, NONE),
                *ctx.norm(f"{layer}.q_norm", hidden),
                *ctx.norm(f"{layer}.k_norm", hidden),
            ]
        return records

    def flops(self, batch: int, tokens: int, patches: int) -> tuple[int, int, int]:
        """Projection products, and score and value products over every pair and over the
        pairs the patch mask keeps, of the projection and all cross layers."""
        hidden, k, layers = self.hidden_size, self.cross_attn_k, self.num_layers
        head_dim, q, kv = self.widths
        vectors = patches * k  # cross_attn_k vectors per patch
        # the encoder's patches query its bytes; the decoder's bytes query the patches
        queries, keys = (vectors, tokens) if self.module == "local_encoder" else (tokens, vectors)
        per_layer = queries * 2 * hidden * q + keys * 2 * hidden * kv  # q, o; k, v
        # the encoder projects its pooled patches at every cross layer, the decoder once
        projected = layers if self.module == "local_encoder" else 1
        projection = projected * patches * self.patch_width * k * hidden
        pairs = 2 * self.num_attention_heads * head_dim * layers  # score and value, per pair
        return (
            2 * batch * (projection + layers * per_layer),
            2 * batch * pairs * queries * keys,
            2 * batch * pairs * k * tokens,
        )


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
    patch_size: PositiveInt
    """Bytes per patch, by the FLOPs' convention (patch_size)."""

    def flops(self, batch: int, tokens: int) -> tuple[int, int, int]:
        """What both cross-attentions cost: projections, every pair, kept pairs."""
        patches = -(-tokens // self.patch_size)
        parts = (
            self.encoder.flops(batch, tokens, patches),
            self.decoder.flops(batch, tokens, patches),
        )
        return (
            parts[0][0] + parts[1][0],
            parts[0][1] + parts[1][1],
            parts[0][2] + parts[1][2],
        )

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
                    Stream.PATCHES,
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
