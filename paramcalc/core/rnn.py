"""Gated linear recurrences: Griffin's RG-LRU (RecurrentGemma), RWKV's time and channel mixing,
xLSTM's matrix-memory mLSTM and MiniMax's lightning attention.

Like the state-space mixers of `recurrent.py`, each keeps a fixed state per sequence instead
of a KV cache, and its tensors count as attention (GROUPS.md: every token mixer does); RWKV's
channel mixing is its feed-forward, with a token-shift state of its own.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from paramcalc.core.context import Context
from paramcalc.core.records import Conv, Group, Linear, Norm, Param, Record
from paramcalc.core.types import PositiveInt, Spec
from paramcalc.errors import FieldValueError

A, F = Group.ATTENTION, Group.FEEDFORWARD


class RGLRU(Spec):
    """RecurrentGemma's recurrent block (`RecurrentGemmaRecurrentBlock`): a GeLU branch beside
    a short convolution feeding the real-gated linear recurrent unit, then linear_out."""

    #: conv1d_state follows the activations; the recurrence is float32.
    ACTIVATION_PARTS: ClassVar[frozenset[str]] = frozenset({"conv"})
    kind: Literal["rg_lru"] = "rg_lru"
    lru_width: PositiveInt
    """Width of the recurrence (lru_width; hidden_size when null)."""
    num_heads: PositiveInt
    """Blocks of the block-diagonal input and recurrence gates (num_attention_heads)."""
    conv_kernel: PositiveInt = 4
    """Width of the depthwise causal convolution (conv1d_width)."""

    def check(self, hidden: int, where: str) -> None:
        """The gates split the recurrence into num_heads equal blocks."""
        if self.lru_width % self.num_heads:
            raise FieldValueError(
                f"{where}lru_width",
                f"{self.lru_width} must be a multiple of num_heads={self.num_heads}",
            )

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """linear_y, linear_x, linear_out, conv_1d and the RG-LRU's parameter and two gates."""
        t, hidden, width, heads = ctx.tower, ctx.hidden, self.lru_width, self.num_heads
        block = width // heads
        gates = [
            # A (heads, block, block) weight applied by baddbmm, one block per head: stacked
            # copies of a block x block projection, each with its (block,) bias row.
            Linear(
                "rg_lru",
                block,
                block,
                True,
                A,
                t,
                ctx.stream,
                experts=heads,
                weight_name=f"{gate}_gate_weight",
                bias_name=f"{gate}_gate_bias",
            )
            for gate in ("input", "recurrent")
        ]
        return [
            Linear("linear_y", hidden, width, True, A, t, ctx.stream),
            Linear("linear_x", hidden, width, True, A, t, ctx.stream),
            Linear("linear_out", width, hidden, True, A, t, ctx.stream),
            Conv("conv_1d", width, width, (self.conv_kernel,), width, True, A, t, ctx.stream),
            Param("rg_lru.recurrent_param", (width,), A, t),
            *gates,
        ]

    def state_values(self, hidden: int) -> dict[str, int]:
        """Values kept per sequence: the convolution's last conv_kernel - 1 inputs
        (`conv1d_state`) and the recurrence (`rg_lru.recurrent_states`, float32 in transformers)."""
        return {"conv": self.lru_width * (self.conv_kernel - 1), "recurrent": self.lru_width}


class RWKVTimeMix(Spec):
    """RWKV-4 time mixing (`RwkvSelfAttention`): token-shift mixes into key, value and
    receptance, the WKV recurrence with a learned decay and first-token bonus, output."""

    #: The token shift follows the activations; num, den and max are float32.
    ACTIVATION_PARTS: ClassVar[frozenset[str]] = frozenset({"shift"})
    kind: Literal["rwkv"] = "rwkv"
    attention_hidden_size: PositiveInt
    """Width of key, value and receptance (attention_hidden_size; hidden_size when null)."""

    def check(self, hidden: int, where: str) -> None:
        """Nothing to check beyond the positive sizes."""

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """time_decay, time_first, three token-shift mixes, key, value, receptance, output."""
        t, hidden, width = ctx.tower, ctx.hidden, self.attention_hidden_size
        return [
            Param("time_decay", (width,), A, t),
            Param("time_first", (width,), A, t),
            *(Param(f"time_mix_{x}", (1, 1, hidden), A, t) for x in ("key", "value", "receptance")),
            *(
                Linear(x, hidden, width, False, A, t, ctx.stream)
                for x in ("key", "value", "receptance")
            ),
            Linear("output", width, hidden, False, A, t, ctx.stream),
        ]

    def state_values(self, hidden: int) -> dict[str, int]:
        """Values kept per sequence: the previous token (token shift) and the WKV numerator,
        denominator and running maximum (float32 in transformers' `state`)."""
        return {"shift": hidden, "wkv": 3 * self.attention_hidden_size}


class RWKVChannelMix(Spec):
    """RWKV channel mixing (`RwkvFeedForward`): token-shift mixes into key and receptance, a
    squared-ReLU key -> value MLP gated by the sigmoid receptance."""

    #: The token shift follows the activations.
    ACTIVATION_PARTS: ClassVar[frozenset[str]] = frozenset({"shift"})
    kind: Literal["rwkv_channel_mix"] = "rwkv_channel_mix"
    intermediate_size: PositiveInt
    """Width of the key projection (intermediate_size; 4 x hidden_size when null)."""

    def records(self, ctx: Context) -> list[Record]:
        """time_mix_key, time_mix_receptance, key, receptance and value."""
        t, hidden, width = ctx.tower, ctx.hidden, self.intermediate_size
        return [
            Param("time_mix_key", (1, 1, hidden), F, t),
            Param("time_mix_receptance", (1, 1, hidden), F, t),
            Linear("key", hidden, width, False, F, t, ctx.stream),
            Linear("receptance", hidden, hidden, False, F, t, ctx.stream),
            Linear("value", width, hidden, False, F, t, ctx.stream),
        ]

    def state_values(self, hidden: int) -> dict[str, int]:
        """Values kept per sequence: the previous token of its own token shift."""
        return {"shift": hidden}


class MLSTM(Spec):
    """xLSTM's matrix-memory LSTM layer (`xLSTMLayer`): query, key and value, an output gate
    of the value width, scalar input and forget gates per head, a per-head norm, out_proj."""

    #: xLSTMCache allocates every part in the activations' dtype.
    ACTIVATION_PARTS: ClassVar[frozenset[str]] = frozenset({"matrix", "normalizer", "max"})
    kind: Literal["mlstm"] = "mlstm"
    num_heads: PositiveInt
    """Heads of the matrix memory (num_heads)."""
    qk_dim: PositiveInt
    """Width of all query (and key) heads: int(hidden_size x qk_dim_factor)."""
    v_dim: PositiveInt
    """Width of all value heads: int(hidden_size x v_dim_factor)."""
    bias: bool = False
    """The projections and the norm have biases (use_bias); the gates always do."""

    def check(self, hidden: int, where: str) -> None:
        """Every head gets at least one value channel."""
        if self.v_dim < self.num_heads:
            raise FieldValueError(
                f"{where}v_dim", f"{self.v_dim} is narrower than num_heads={self.num_heads}"
            )

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """q, k, v, ogate_preact, igate_preact, fgate_preact, multihead_norm and out_proj."""
        t, hidden, b, heads = ctx.tower, ctx.hidden, self.bias, self.num_heads
        norm_width = heads * (self.v_dim // heads)
        return [
            Linear("q", hidden, self.qk_dim, b, A, t, ctx.stream),
            Linear("k", hidden, self.qk_dim, b, A, t, ctx.stream),
            Linear("v", hidden, self.v_dim, b, A, t, ctx.stream),
            Linear("ogate_preact", hidden, self.v_dim, b, A, t, ctx.stream),
            Linear("igate_preact", hidden, heads, True, A, t, ctx.stream),
            Linear("fgate_preact", hidden, heads, True, A, t, ctx.stream),
            # xLSTMMultiHeadLayerNorm: a scale (and bias) of heads x (v_dim // heads)
            Norm("multihead_norm", norm_width, b, Group.NORM, t),
            Linear("out_proj", self.v_dim, hidden, b, A, t, ctx.stream),
        ]

    def state_values(self, hidden: int) -> dict[str, int]:
        """Values kept per sequence and head: the qk x v matrix memory, the qk normalizer and
        the running maximum of the gates (xLSTMCache.rnn_state)."""
        qk, v = self.qk_dim // self.num_heads, self.v_dim // self.num_heads
        return {
            "matrix": self.num_heads * qk * v,
            "normalizer": self.num_heads * qk,
            "max": self.num_heads,
        }


class LightningAttention(Spec):
    """MiniMax's lightning attention (`MiniMaxLightningAttention`): linear attention over
    fused q/k/v heads with a fixed per-head decay, normed and gated before out_proj."""

    #: The state is made in the values' dtype.
    ACTIVATION_PARTS: ClassVar[frozenset[str]] = frozenset({"kv"})
    kind: Literal["lightning"] = "lightning"
    num_heads: PositiveInt
    """Heads (num_attention_heads)."""
    head_dim: PositiveInt
    """Width of one head (head_dim, or hidden_size // heads)."""

    def check(self, hidden: int, where: str) -> None:
        """Nothing to check beyond the positive sizes."""

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """qkv_proj, out_proj, output_gate and the norm over all heads (the decays are buffers)."""
        t, hidden, width = ctx.tower, ctx.hidden, self.num_heads * self.head_dim
        return [
            *ctx.norm("norm", width),
            Linear("qkv_proj", hidden, 3 * width, False, A, t, ctx.stream),
            Linear("out_proj", width, hidden, False, A, t, ctx.stream),
            Linear("output_gate", hidden, width, False, A, t, ctx.stream),
        ]

    def state_values(self, hidden: int) -> dict[str, int]:
        """Values kept per sequence: a head_dim x head_dim key-value state per head
        (MiniMaxCache.linear_cache)."""
        return {"kv": self.num_heads * self.head_dim * self.head_dim}
