"""Forward and training FLOPs, counted the way `torch.utils.flop_counter.FlopCounterMode` does.

FlopCounterMode charges 2·m·n·k for every matrix product (mm, addmm, bmm, SDPA) and nothing for
lookups, biases, norms, activations, softmax or rotary. So a forward pass of B sequences of S
tokens costs 2 x rows x (weights of every projection a row passes through), the language-model
head included at all S positions (a tied head multiplies all the same), plus
2·B·heads·S·S_k·(d_qk + d_v) per attention for the scores and the weighted sum over every
query/key pair: eager attention and SDPA compute all pairs and mask them afterwards, even in
sliding-window layers; LongT5's local attention computes each padded block of local_radius + 1
queries against three blocks of keys (and its transient global tokens, whose summing and keys
and values are products too); PEGASUS-X's encoder pads its input to whole blocks and runs its
global tokens beside it through every projection, each token attending to its block and the
global tokens, each global token to all (a staggered layer pads half a block more at each end
around its attention; einsum runs the product with a single global token's value as a broadcast
multiply, which is no matmul); ProphetNet's decoder runs 1 + ngram streams through every
projection, the main stream attending to itself and each predicting stream to the main stream
and itself, and its head reads the predicting streams (the rows a layer runs over are its
attention's `layer_rows`, those the head reads its `output_rows`); DeBERTa's relative-position
scores add their projections of the position table (once per pass) and each token's products
with the projected positions; Inkling's attention also multiplies each head's relative state by
its bias bank once per query (`relative_states @ proj`), and ConvBERT's dynamic convolution adds
2·B·S·heads·head_dim·kernel for the kernels its heads apply, both counted with the attention
products; LUKE's entity side (the entity projection, the entity-aware queries) is charged
nothing, as a pass is over words alone. A mixture-of-experts layer runs the router and k experts
per token. Vision and audio towers and their projectors run once per image or clip, not per text
token: a pass over text tokens charges them nothing. Voxtral Realtime's time-conditioned norms run
once per sequence.
DeepSeek-V4's compressed layers also score every query against every compressed entry (and
its indexer does), and its mHC hyper-connections mix the streams by a matmul.
The causal figure instead counts only the pairs a causal (or sliding-window) mask keeps (or
ProphetNet's n-gram mask, `Attention.masked_pairs`).
Recurrent mixers (Mamba, Mamba-2, gated DeltaNet, Kimi delta attention, RG-LRU, RWKV) are
charged for their projections and convolution filters per token (the RG-LRU's block-diagonal
gates are batched products); their scans are elementwise or chunked kernels FlopCounterMode
does not see. A stack a pass runs several times (HRM) is charged once per run. A convolution
padded by kernel - 1 also computes kernel - 1 outputs per sequence that are dropped: paramcalc
leaves those out by convention. So it does the products inside xLSTM's chunked mLSTM kernel,
MiniMax's lightning-attention blocks and Gemma 3n's AltUp coefficients (its router runs twice
per layer), which FlopCounterMode sees as bmm/mm: by convention each projection is charged
once per token. XLNet's relative attention charges its position key (run over the relative
positions, not the tokens) and its scores itself (`TwoStreamAttention.flops`). CPM-Ant's
layers also run over the prompt tokens it puts before every sequence (`Stack.prefix_tokens`);
its head does not. A Gemma 4 assistant with ordered embeddings scores only the tokens of the
clusters its centroids pick (`DraftProjections.head_flops`). BLT's global transformer runs
once per patch (`Stack.patch_size`: patches of patch_size bytes by convention) and its
byte/patch cross-attention charges itself (`paramcalc.core.blt`).
CANINE's molecule stack and the
strided convolution before it run over seq // downsampling_rate rows (`Stack.rows`; the
convolution's last output, which the model drops for its [CLS] molecule, is computed and
counted), and its first layer's local attention computes each chunk of
local_transformer_stride characters on its own, so only the pairs inside a chunk count.
Reformer's layers run over the sequence padded to whole chunks; past one chunk each chunk of
queries sees its neighbours' keys (once per hashing round for LSH, whose rotations are
products too: `paramcalc.core.chunked`).
Funnel's blocks run over the rows their pooling leaves (`Stack.pooling`), each layer's keys
and values by convention at its block's pooled length, and its relative attention charges
its position and token-type scores itself (`paramcalc.core.funnel`). Perceiver's encoder runs
over its num_latents latents (`Stack.latent_rows`), its cross-attention's keys and values
over the sequence, and its attention charges its scores itself (`paramcalc.core.perceiver`).
A vision (or audio) tower and its projector run per image (or clip), not per text token: their
records are charged nothing here, and `paramcalc.image_flops` gives what one image costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from paramcalc.calculator import Breakdown
from paramcalc.core.attention import Attention, LatentAttention, causal_pairs
from paramcalc.core.augment import DraftProjections
from paramcalc.core.blt import ByteLatentParts
from paramcalc.core.compressed import CompressedAttention
from paramcalc.core.funnel import FunnelAttention
from paramcalc.core.hyper import mixing_products
from paramcalc.core.perceiver import PerceiverAttention
from paramcalc.core.records import Conv, Group, Linear, Record, Stream, Tower
from paramcalc.core.spec import Block as BlockSpec
from paramcalc.core.spec import TextTower
from paramcalc.core.xlnet import TwoStreamAttention

#: Training = forward + backward, and the backward pass costs two forwards (input and weight
#: gradients): Kaplan et al. 2020, section 2.1.
TRAINING_MULTIPLIER = 3
#: Compute-optimal training tokens per parameter (Hoffmann et al. 2022, "Chinchilla").
CHINCHILLA_TOKENS_PER_PARAMETER = 20


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


def matmul_flops(record: Record, rows: dict[Stream, int]) -> int:
    """2 x rows x weights of a projection (k experts of a routed one); 0 for lookups and norms."""
    if isinstance(record, Linear):
        used = record.active_experts or record.copies
        return 2 * rows[record.stream] * record.inputs * record.outputs * used
    if isinstance(record, Conv):
        return 2 * rows[record.stream] * record.weights * record.columns
    return 0


def layer_rows(block: BlockSpec, seq: int) -> int:
    """Rows a layer of the block runs over for seq tokens, as its attention lays them out."""
    mixer = block.mixer
    return mixer.layer_rows(seq) if isinstance(mixer, Attention) else seq


def head_rows(tower: TextTower, seq: int) -> int:
    """Rows of the last stack's output the head reads (ProphetNet: the predicting streams)."""
    mixer = tower.stacks[-1].block_of(0).mixer
    return mixer.output_rows(seq) if isinstance(mixer, Attention) else seq


def projection_flops(counted: Breakdown, batch: int, seq: int, encoder_seq: int) -> int:
    """2 x rows x weights for every projection a row passes through: the embeddings and head
    over the tokens the head reads, each layer over the rows its stack lays out, a strided
    convolution over seq // its stride rows (CANINE's chars_to_molecules)."""
    tower = counted.model.text
    patches = next((s.rows(seq) for s in tower.stacks if s.patch_size), 0)

    def rows(downsampling: int = 1) -> dict[Stream, int]:
        return {
            Stream.TOKENS: batch * (head_rows(tower, seq) // downsampling),
            Stream.SOURCE: batch * (encoder_seq // downsampling),
            Stream.SEQUENCE: batch,
            Stream.IMAGE: 0,
            Stream.AUDIO: 0,
            Stream.PATCHES: batch * patches,
            Stream.NONE: 0,
        }

    enumeration = counted.enumeration
    total = sum(
        matmul_flops(r, rows(r.downsampling if isinstance(r, Conv) else 1))
        for r in enumeration.front + enumeration.back
    )
    specs = {(stack.name, layers): (stack, block) for stack, block, layers in tower.block_uses()}
    for block in enumeration.blocks:
        uses, layout = len(block.layers) * block.runs, rows(block.downsampling)
        if (block.stack, block.layers) in specs:  # a text stack's (a vision tower's are not)
            stack, spec = specs[block.stack, block.layers]
            encoder = stack.name == "encoder" and tower.is_encoder_decoder
            own, tokens = (Stream.SOURCE, encoder_seq) if encoder else (Stream.TOKENS, seq)
            # CPM-Ant: the layers also run over its prompt
            own_rows = layer_rows(spec, stack.rows(tokens)) + stack.prefix_tokens
            layout = {**layout, own: batch * own_rows}
        total += sum(matmul_flops(r, layout) for r in block.records) * uses
    total += sum(part.flops(batch, seq)[0] for part in byte_latent(counted))
    return total + scored_head(counted, batch * seq) + mixing_flops(counted, batch * seq)


def byte_latent(counted: Breakdown) -> list[ByteLatentParts]:
    """BLT's cross-attention parts, which charge their own products."""
    return [e for e in counted.model.text.extras if isinstance(e, ByteLatentParts)]


def scored_head(counted: Breakdown, rows: int) -> int:
    """What a sparsely scored head (a Gemma 4 assistant's centroids) costs beyond the dense
    head the records charge: its own product, less lm_head over the whole vocabulary."""
    tower, width = counted.model.text, counted.model.text.token_width
    scorers = [e for e in tower.extras if isinstance(e, DraftProjections) and e.num_centroids]
    if not scorers:
        return 0
    return (
        scorers[0].head_flops(rows, width, tower.vocab_size) - 2 * rows * width * tower.vocab_size
    )


def mixing_flops(counted: Breakdown, tokens: int) -> int:
    """mHC's stream mixes: a matmul of comb and the streams at both hyper-connections."""
    tower, flops = counted.model.text, 0
    for stack, block, layers in tower.block_uses():
        if isinstance(block.hyper_connections, int) and block.hyper_mixing:
            width = stack.width(counted.model.hidden_size)
            per_token = mixing_products(block.hyper_connections, width)
            flops += 2 * 2 * tokens * per_token * len(layers) * stack.runs
    return flops


def attention_flops(
    counted: Breakdown,
    batch: int,
    seq: int,
    encoder_seq: int,
) -> tuple[int, int]:
    """Score and value products over all query/key pairs, and over the pairs a mask keeps."""
    tower, hidden = counted.model.text, counted.model.hidden_size
    every, kept = 0, 0
    for stack, block, layers in tower.block_uses():
        encoder = stack.name == "encoder" and tower.is_encoder_decoder
        tokens = stack.rows(encoder_seq if encoder else seq) + stack.prefix_tokens
        for mixer, queries, keys, causal in (
            *((m, tokens, tokens, not encoder) for m in block.mixers),
            # every row of the layer queries the source (ProphetNet: every stream's)
            (block.cross_attention, layer_rows(block, tokens), encoder_seq, False),
        ):
            if isinstance(mixer, FunnelAttention):  # its own count, see core/funnel.py
                uses = len(layers) * stack.runs
                own = mixer.stack_flops(stack.pooling, uses, batch, seq, stack.width(hidden))
                every, kept = every + own, kept + own
                continue
            if isinstance(mixer, PerceiverAttention):  # its own count, see core/perceiver.py
                own = mixer.flops(batch, queries, encoder_seq) * len(layers) * stack.runs
                every, kept = every + own, kept + own
                continue
            if isinstance(mixer, TwoStreamAttention):  # all pairs, no mask: its own count
                own = mixer.flops(batch, queries, stack.width(hidden)) * len(layers) * stack.runs
                every, kept = every + own, kept + own
                continue
            if isinstance(mixer, CompressedAttention):
                every_entries, kept_entries = mixer.entry_products(queries)
                scale = 2 * batch * len(layers) * stack.runs
                every += scale * every_entries
                kept += scale * kept_entries
            if not isinstance(mixer, (Attention, LatentAttention, CompressedAttention)):
                continue
            width, uses = stack.width(hidden), len(layers) * stack.runs
            per_pair = 2 * batch * mixer.pair_products(width) * uses
            pairs = queries * keys
            own = 0
            if isinstance(mixer, Attention):  # local blocks and global summaries (LongT5)
                pairs = mixer.attended_pairs(queries, keys)
                summaries = 2 * batch * mixer.summary_products(queries, width) * uses
                # products per query outside any record (Inkling's bias bank, ConvBERT's kernels)
                own = 2 * batch * queries * mixer.query_products(width) * uses + summaries
            if isinstance(mixer, Attention) and mixer.key_indexer is not None and causal:
                # Qwen4-Exp's indexer scores the complete blocks each query sees
                own += 2 * batch * mixer.key_indexer.score_products(queries) * uses
            masked = mixer.masked_pairs(queries) if isinstance(mixer, Attention) else None
            if masked is None and causal and isinstance(mixer, Attention):
                masked = mixer.kept_pairs(queries)  # its window or its chunks (CANINE)
            if masked is None:
                masked = causal_pairs(queries, mixer.window) if causal else pairs
            every += per_pair * pairs + own
            kept += per_pair * masked + own
            if isinstance(mixer, Attention) and mixer is not block.cross_attention:
                extra = mixer.pass_flops(batch, queries, width) * uses  # DeBERTa's scores
                every, kept = every + extra, kept + extra
    for part in byte_latent(counted):
        _, part_every, part_kept = part.flops(batch, seq)
        every, kept = every + part_every, kept + part_kept
    return every, kept


def forward_flops(
    counted: Breakdown,
    batch: int,
    seq: int,
    encoder_seq: int | None = None,
) -> ForwardFlops:
    """FLOPs of one forward pass over `batch` x `seq` tokens, exactly as FlopCounterMode counts."""
    source = encoder_seq or seq
    every, kept = attention_flops(counted, batch, seq, source)
    return ForwardFlops(
        batch, seq, source, projection_flops(counted, batch, seq, source), every, kept
    )


@dataclass(frozen=True)
class Approximations:
    """The classic per-token estimates, to show beside the exact count."""

    two_n: int
    six_n: int
    kaplan_forward: int

    @staticmethod
    def of(counted: Breakdown, seq: int) -> Approximations:
        """2N and 6N over the text tower's active parameters, which a text token passes
        through (a vision or audio tower and the projector run per image or clip); Kaplan et
        al. 2020 (Table 1) with its context term."""
        tower, hidden = counted.model.text, counted.model.hidden_size
        context = 0
        for stack, block, layers in tower.block_uses():
            for mixer in block.mixers:
                if isinstance(mixer, (Attention, LatentAttention)):
                    widths = mixer.score_widths(stack.width(hidden))
                    d_attn = mixer.num_attention_heads * widths[0]
                    context += 2 * stack.rows(seq) * d_attn * len(layers)
        active = text_active(counted)
        non_embedding = active - counted.towers.get(Tower.TEXT, {}).get(Group.EMBEDDING, 0)
        return Approximations(2 * active, 6 * active, 2 * non_embedding + context)


def text_active(counted: Breakdown) -> int:
    """Active parameters of the text tower: its total less the routed experts a token skips."""
    idle = sum(
        (r.size - r.active_size) * repeat
        for r, repeat in counted.enumeration.every_record()
        if r.tower is Tower.TEXT and isinstance(r, Linear) and r.routed
    )
    return sum(counted.towers.get(Tower.TEXT, {}).values()) - idle


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


def training_compute(
    counted: Breakdown,
    flops: ForwardFlops,
    tokens: int | None,
) -> TrainingCompute:
    """6·N_active·T and 3 x the exact forward per token x T; T defaults to Chinchilla's 20·N."""
    chinchilla = CHINCHILLA_TOKENS_PER_PARAMETER * counted.total
    tokens = chinchilla if tokens is None else tokens
    exact = TRAINING_MULTIPLIER * per_token(flops) * tokens
    return TrainingCompute(tokens, 6 * counted.active * tokens, exact, chinchilla)
