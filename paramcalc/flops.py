"""Forward and training FLOPs, counted the way `torch.utils.flop_counter.FlopCounterMode` does.

FlopCounterMode charges 2·m·n·k for every matrix product (mm, addmm, bmm, SDPA) and nothing
for lookups, biases, norms, activations, softmax or rotary. So a forward pass of B sequences
of S tokens costs 2 x tokens x (weights of every projection a token passes through), the
language-model head included at all S positions (a tied head multiplies all the same), plus
2·B·heads·S·S_k·(d_qk + d_v) per attention for the scores and the weighted sum over every
query/key pair: eager attention and SDPA compute all pairs and mask them afterwards, even in
sliding-window layers. A mixture-of-experts layer runs the router and k experts per token.
The causal figure instead counts only the pairs a causal (or sliding-window) mask keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import prod

from paramcalc.calculator import Breakdown, Group, Tensor
from paramcalc.schema import Architecture

#: Tables read by index (nn.Embedding), never multiplied; T5's relative bias is one too.
LOOKUP_PREFIXES = ("embedding.tokens.", "embedding.positions.", "embedding.token_types.")
#: Training = forward + backward, and the backward pass costs two forwards (input and weight
#: gradients): Kaplan et al. 2020, section 2.1.
TRAINING_MULTIPLIER = 3
#: Compute-optimal training tokens per parameter (Hoffmann et al. 2022, "Chinchilla").
CHINCHILLA_TOKENS_PER_PARAMETER = 20


def is_matmul_weight(t: Tensor) -> bool:
    """Whether `t` is the weight of a projection (nn.Linear), i.e. it is multiplied per token."""
    return (len(t.shape) == 2 and t.path.endswith(".weight") and t.group is not Group.NORM
            and not t.path.startswith(LOOKUP_PREFIXES) and "relative_attention_bias" not in t.path)


def score_widths(arch: Architecture) -> tuple[int, int]:
    """Per-head widths of the query/key product and of the values."""
    if arch.uses_mla:
        assert arch.qk_nope_head_dim and arch.qk_rope_head_dim and arch.v_head_dim  # schema-checked
        return arch.qk_nope_head_dim + arch.qk_rope_head_dim, arch.v_head_dim
    return arch.resolved_head_dim, arch.resolved_head_dim


def causal_pairs(seq: int, window: int | None) -> int:
    """Query/key pairs a causal mask keeps; a window keeps at most `window` keys per query."""
    if window is None or window >= seq:
        return seq * (seq + 1) // 2
    return window * (window + 1) // 2 + (seq - window) * window


@dataclass(frozen=True)
class ForwardFlops:
    """FLOPs of one forward pass of `batch` sequences of `seq` tokens (and `encoder_seq`)."""

    batch: int
    seq: int
    encoder_seq: int
    projections: int
    attention: int
    attention_causal: int

    @property
    def forward(self) -> int:
        """Every matmul, attention over all pairs: FlopCounterMode's total."""
        return self.projections + self.attention

    @property
    def forward_causal(self) -> int:
        """The same with attention over the pairs the mask keeps."""
        return self.projections + self.attention_causal

    @property
    def tokens(self) -> int:
        """Tokens the pass produces an output for (decoder tokens of an encoder-decoder)."""
        return self.batch * self.seq


def projection_flops(counted: Breakdown, arch: Architecture, batch: int, seq: int,
                     encoder_seq: int) -> int:
    """2 x tokens x weights for every projection, with k routed experts per token."""
    tokens, source = batch * seq, batch * encoder_seq
    k = arch.num_experts_per_tok

    def cost(t: Tensor, rows: int) -> int:
        used = k if t.routed else t.copies
        return 2 * rows * prod(t.shape) * used if is_matmul_weight(t) else 0

    enum = counted.enumeration
    flops = sum(cost(t, tokens + source if arch.is_encoder_decoder else tokens)
                for t in enum.front)
    for block in enum.blocks:
        for t in block.tensors:
            # Cross-attention keys and values are projections of the encoder's output.
            rows = source if block.stack.startswith("encoder") or t.path.startswith(
                ("cross_attention.k_proj", "cross_attention.v_proj")) else tokens
            flops += cost(t, rows) * len(block.layers)
    for t in enum.back:
        flops += cost(t, batch if t.path.startswith("pooler.") else tokens)
    if arch.lm_head and arch.tie_word_embeddings:
        flops += 2 * tokens * arch.vocab_size * arch.token_embedding_width
    return flops


def attention_pairs(arch: Architecture, seq: int, encoder_seq: int) -> tuple[int, int]:
    """Query/key pairs per head over all attentions: all of them, and those a mask keeps."""
    if arch.is_encoder_decoder:
        encoder = arch.num_hidden_layers * encoder_seq * encoder_seq
        window = arch.sliding_window
        decoder = arch.decoder_layers * (seq * seq + seq * encoder_seq)
        causal = arch.decoder_layers * (causal_pairs(seq, window) + seq * encoder_seq)
        return encoder + decoder, encoder + causal
    every, kept = 0, 0
    for kind in arch.resolved_layer_types():
        every += seq * seq
        kept += causal_pairs(seq, arch.sliding_window if kind == "sliding_attention" else None)
    return every, kept


def forward_flops(counted: Breakdown, arch: Architecture, batch: int, seq: int,
                  encoder_seq: int | None = None) -> ForwardFlops:
    """FLOPs of one forward pass over `batch` x `seq` tokens, exactly as FlopCounterMode counts."""
    source = encoder_seq or seq
    qk, v = score_widths(arch)
    per_pair = 2 * batch * arch.num_attention_heads * (qk + v)
    every, kept = attention_pairs(arch, seq, source)
    return ForwardFlops(batch, seq, source, projection_flops(counted, arch, batch, seq, source),
                        per_pair * every, per_pair * kept)


@dataclass(frozen=True)
class Approximations:
    """The classic per-token estimates, to show beside the exact count."""

    two_n: int
    six_n: int
    kaplan_forward: int

    @staticmethod
    def of(counted: Breakdown, arch: Architecture, seq: int) -> Approximations:
        """2N and 6N over active parameters; Kaplan et al. 2020 (Table 1) with its context term."""
        layers = arch.num_hidden_layers + (arch.decoder_layers if arch.is_encoder_decoder else 0)
        d_attn = arch.num_attention_heads * score_widths(arch)[0]
        non_embedding = counted.active - counted.groups[Group.EMBEDDING]
        return Approximations(2 * counted.active, 6 * counted.active,
                              2 * non_embedding + 2 * layers * seq * d_attn)


@dataclass(frozen=True)
class TrainingCompute:
    """Compute to train on `tokens` tokens, and the Chinchilla-optimal token count."""

    tokens: int
    six_n_t: int
    exact: Fraction
    chinchilla_tokens: int

    def gpu_hours(self, peak_flops: int, mfu: Fraction) -> Fraction:
        """Hours of one device at `peak_flops` FLOP/s running at model FLOPs utilization `mfu`."""
        return Fraction(self.six_n_t) / (peak_flops * mfu * 3600)


def per_token(flops: ForwardFlops) -> Fraction:
    """Forward FLOPs per output token of the pass."""
    return Fraction(flops.forward, flops.tokens)


def training_compute(counted: Breakdown, flops: ForwardFlops, tokens: int | None,
                     ) -> TrainingCompute:
    """6·N_active·T and 3 x the exact forward per token x T; T defaults to Chinchilla's 20·N."""
    chinchilla = CHINCHILLA_TOKENS_PER_PARAMETER * counted.total
    tokens = chinchilla if tokens is None else tokens
    exact = TRAINING_MULTIPLIER * per_token(flops) * tokens
    return TrainingCompute(tokens, 6 * counted.active * tokens, exact, chinchilla)
