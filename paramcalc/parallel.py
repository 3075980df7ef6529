"""What one device holds when a model is split over several: tensor and pipeline parallelism.

Conventions (vLLM's and Megatron-LM's layout, written where it is applied):

- Tensor parallelism over T devices splits every projection, embedding table and head
  (a tensor's elements divided by T, rounded up per tensor) and the query and KV heads.
  Replicated on every device: norms, routers (vLLM's `ReplicatedLinear` gates), the biases of
  the projections back to the hidden width (row-parallel: added once, after the all-reduce),
  KV heads when there are fewer than T (each device keeps one, `max(1, kv_heads // T)`), and
  an MLA latent (one row that every head shares). Recurrent state is split like its heads.
- Pipeline parallelism over P stages gives each stage a contiguous run of layers, the extra
  layers of an uneven split to the stages before the last (vLLM's `get_pp_indices`); the
  first stage also holds the embeddings (and any vision tower and projector), the last the
  final norm and the head, with its own copy of a tied embedding. The most loaded stage
  decides what fits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from paramcalc.calculator import Breakdown
from paramcalc.core.records import Embedding, Linear, Norm, Record, Tower
from paramcalc.errors import InputError
from paramcalc.kvcache import CachedLayer, KVCache, StateLayer, kv_cache
from paramcalc.precision import CacheDType


@dataclass(frozen=True)
class Stage:
    """What each device of one pipeline stage holds: parameters, and cache per token/sequence."""

    index: int
    layers: tuple[int, ...]
    parameters: int
    cached: tuple[CachedLayer, ...]
    states: tuple[StateLayer, ...]
    cross_values_per_token: int


def pipeline_split(layers: int, stages: int) -> list[int]:
    """Layers per stage: even, the remainder to the stages before the last (vLLM)."""
    if stages > layers:
        raise InputError(
            "--pipeline-parallel", f"{stages} stages for {layers} layers leaves a stage empty"
        )
    sizes = [layers // stages] * stages
    for i in range(2, layers % stages + 2):
        sizes[-i] += 1
    return sizes


def ceil_div(n: int, d: int) -> int:
    """n / d rounded up."""
    return -(-n // d)


def record_share(r: Record, tp: int, hidden: int) -> int:
    """Parameters of record `r` on one of `tp` tensor-parallel devices."""
    if tp == 1 or isinstance(r, Norm) or (isinstance(r, Linear) and r.routing):
        return r.size
    if isinstance(r, Embedding):
        return ceil_div(r.rows, tp) * r.width
    if isinstance(r, Linear):
        weight = 0 if r.tied else ceil_div(r.inputs * r.outputs * r.copies, tp)
        bias = r.outputs * r.copies if r.bias else 0
        row_parallel = r.tower is Tower.TEXT and r.outputs == hidden and r.inputs != hidden
        return weight + (bias if row_parallel else ceil_div(bias, tp))
    return ceil_div(r.size, tp)


def device_heads(heads: int, tp: int, where: str) -> int:
    """KV heads one device keeps: split when there are at least `tp`, else one replicated."""
    if heads >= tp:
        if heads % tp:
            raise InputError(
                "--tensor-parallel", f"{tp} devices do not divide {heads} heads", where
            )
        return heads // tp
    if tp % heads:
        raise InputError(
            "--tensor-parallel",
            f"{tp} devices cannot share {heads} KV heads evenly (replicating needs a multiple)",
            where,
        )
    return 1


def split_cache(cache: KVCache, tp: int) -> tuple[list[CachedLayer], list[StateLayer]]:
    """Each layer's cache per token and state per sequence on one tensor-parallel device."""
    layers = []
    for layer in cache.layers:
        heads = device_heads(layer.heads, tp, "num_key_value_heads")
        per_head = layer.values_per_token // layer.heads
        layers.append(replace(layer, values_per_token=per_head * heads, heads=heads))
    states = [
        StateLayer(
            s.index,
            s.kind,
            {k: v if k in s.id_parts else ceil_div(v, tp) for k, v in s.values.items()},
            id_parts=s.id_parts,
        )
        for s in cache.states
    ]
    return layers, states


def check_heads(counted: Breakdown, tp: int) -> None:
    """Query heads must split evenly over the tensor-parallel devices."""
    for _, block, _ in counted.model.text.block_uses():
        for heads in (getattr(m, "num_attention_heads", None) for m in block.mixers):
            if heads is not None and heads % tp:
                raise InputError(
                    "--tensor-parallel",
                    f"{tp} devices do not divide {heads} heads",
                    "num_attention_heads",
                )


def stages(counted: Breakdown, dtype: CacheDType, tp: int = 1, pp: int = 1) -> list[Stage]:
    """The stages of the model over `pp` pipeline stages of `tp` tensor-parallel devices."""
    tower = counted.model.text
    if tower.is_encoder_decoder and (tp > 1 or pp > 1):
        raise InputError(
            "--tensor-parallel" if tp > 1 else "--pipeline-parallel",
            "splitting an encoder-decoder over devices is not modelled; use one device",
        )
    if tp > 1:
        check_heads(counted, tp)
    cache = kv_cache(counted.model, dtype, 1, 1)
    cached, states = split_cache(cache, tp)
    enumeration, hidden = counted.enumeration, tower.hidden_size
    text_stacks: set[str] = {s.name for s in tower.stacks}
    text_blocks = [b for b in enumeration.blocks if b.stack in text_stacks]
    indices = sorted({i for b in text_blocks for i in b.layers})
    sizes = pipeline_split(len(indices), pp)
    starts = [sum(sizes[:k]) for k in range(pp)]
    spans = [tuple(indices[s : s + n]) for s, n in zip(starts, sizes, strict=True)]
    result = []
    for k, span in enumerate(spans):
        held = set(span)
        params = sum(
            record_share(r, tp, hidden) * len(held.intersection(b.layers))
            for b in text_blocks
            for r in b.records
        )
        params += edge_parameters(counted, k, pp, tp, text_stacks)
        result.append(
            Stage(
                k,
                span,
                params,
                tuple(c for c in cached if c.index in held),
                tuple(s for s in states if s.index in held),
                cache.cross_values_per_token if k == 0 else 0,
            )
        )
    return result


def edge_parameters(counted: Breakdown, stage: int, pp: int, tp: int, text_stacks: set[str]) -> int:
    """Parameters outside the text blocks that stage `stage` holds: embeddings and other
    towers first, the text tower's final norms and head last."""
    e, hidden = counted.enumeration, counted.model.text.hidden_size
    first, last = stage == 0, stage == pp - 1
    total = 0
    if first:
        total += sum(record_share(r, tp, hidden) for r in e.front)
        total += sum(
            record_share(r, tp, hidden) * len(b.layers)
            for b in e.blocks
            if b.stack not in text_stacks
            for r in b.records
        )
    for r in e.back:
        if (r.tower is Tower.TEXT and last) or (r.tower is not Tower.TEXT and first):
            total += record_share(r, tp, hidden)
    if last and pp > 1 and counted.tied_embeddings:
        tokens = next(r for r in e.front if isinstance(r, Embedding))
        total += ceil_div(tokens.rows, tp) * tokens.width  # the head's own copy
    return total
