"""Will it fit? The longest context and the largest batch a device (or several) holds.

Each device's memory is budgeted as: the weights it holds, the KV cache of its layers, the
recurrent state of its layers, an activation workspace, and the runtime reserve. The weights
and cache are the figures `paramcalc memory` prints (exact bytes at the dtypes asked for); the
other two are named conventions, stated in the output:

- runtime reserve: the share of memory an engine leaves to the CUDA context, libraries and
  fragmentation, `memory - floor(memory x utilization)` (vLLM's `gpu_memory_utilization`);
- activation workspace: the transient tensors of one forward pass over a prefill chunk of C
  tokens (vLLM profiles such a pass): the residual and normed hidden states and the widest
  projection output with its pair, `C x (2 x hidden + 2 x widest)` values at the activation
  precision, plus the fp32 logits of one token per sequence, `batch x vocab x 4`.

Every answer comes from one monotone byte function, searched exactly: the context reported
fits and one more token does not (likewise for the batch).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from paramcalc.calculator import Breakdown
from paramcalc.core.records import Linear, Tower
from paramcalc.errors import InputError
from paramcalc.kvcache import ID_BYTES, StateLayer
from paramcalc.memory import KEPT_DTYPE
from paramcalc.parallel import Stage, ceil_div, stages
from paramcalc.precision import CacheDType, DType, nbytes

#: The largest context or batch paramcalc searches: PyTorch sizes are int64.
MAX_COUNT = 2**63 - 1
LOGIT_BYTES = 4


@dataclass(frozen=True)
class FitRequest:
    """The question: precisions, the device and its share of use, the split, the shape."""

    memory_bytes: int
    dtype: DType = DType.BF16
    kv_dtype: CacheDType | None = None
    utilization: Fraction = Fraction(9, 10)
    batch: int | None = None
    seq: int | None = None
    tensor_parallel: int = 1
    pipeline_parallel: int = 1
    replicas: int = 1
    paged: bool = False
    block_size: int = 16
    prefill_chunk: int = 2048
    state_dtype: CacheDType = CacheDType.FP32
    """The recurrent state's precision, as `memory --state-dtype` takes it."""

    def __post_init__(self) -> None:
        if self.batch is not None and self.seq is not None:
            raise InputError(
                "--batch",
                "give --batch (for the longest context) or --seq (for the largest batch), not both",
            )
        if not 0 < self.utilization <= 1:
            raise InputError(
                "--utilization", f"must be above 0 and at most 1, got {float(self.utilization)!r}"
            )

    @property
    def cache_dtype(self) -> CacheDType:
        """The KV cache precision: as asked, else the weights' unless they are quantized."""
        if self.kv_dtype is not None:
            return self.kv_dtype
        return CacheDType((KEPT_DTYPE if self.dtype.is_quantized else self.dtype).value)

    @property
    def budget(self) -> int:
        """Bytes of each device the engine may use: memory x utilization, rounded down."""
        return self.memory_bytes * self.utilization.numerator // self.utilization.denominator


@dataclass(frozen=True)
class Usage:
    """The bytes one device of a stage holds at one batch and context."""

    stage: int
    weights: int
    kv_cache: int
    state: int
    workspace: int

    @property
    def total(self) -> int:
        """All of it, the reserve excluded."""
        return self.weights + self.kv_cache + self.state + self.workspace


@dataclass(frozen=True)
class Layout:
    """What the search needs of a model: its stages and the workspace's widths."""

    stages: tuple[Stage, ...]
    hidden: int
    widest: int
    vocab: int
    activation_bytes: int


def widest_output(counted: Breakdown) -> int:
    """The widest projection output one token produces in a text block (k experts' worth
    for routed experts)."""
    widths = [
        r.outputs * (r.active_experts or r.copies)
        for b in counted.enumeration.blocks
        for r in b.records
        if isinstance(r, Linear) and r.tower is Tower.TEXT
    ]
    return max(widths, default=counted.model.hidden_size)


def prepare(counted: Breakdown, request: FitRequest) -> Layout:
    """The stages and workspace widths of `counted` under the request's split."""
    split = stages(counted, request.cache_dtype, request.tensor_parallel, request.pipeline_parallel)
    tower = counted.model.text
    act = 4 if request.dtype is DType.FP32 else 2
    return Layout(tuple(split), tower.hidden_size, widest_output(counted), tower.vocab_size, act)


def pages(tokens: int, block: int) -> int:
    """Tokens rounded up to whole pages of `block` tokens."""
    return ceil_div(tokens, block) * block


def kv_bytes(stage: Stage, dtype: CacheDType, batch: int, seq: int, block: int | None) -> int:
    """The stage's self- and cross-attention cache; with `block`, whole pages per sequence."""
    values = 0
    for layer in stage.cached:
        kept = layer.kept(seq)
        values += layer.values_per_token * (pages(kept, block) if block else kept)
    cross = stage.cross_values_per_token * (pages(seq, block) if block else seq)
    return dtype.nbytes(values * batch) + dtype.nbytes(cross * batch)


def state_bytes(
    stage: Stage, dtype: CacheDType, state_dtype: CacheDType, batch: int, page: int | None
) -> int:
    """The stage's recurrent state, as `memory` sizes it (windows at the cache's precision, or
    fp32 under a block format; the state at `state_dtype`); with `page`, each layer's padded
    to whole pages."""
    window_dtype = CacheDType.FP32 if dtype.is_block_format else dtype

    def per_sequence(s: StateLayer) -> int:
        window = window_dtype.nbytes(s.window_values)
        return window + state_dtype.nbytes(s.recurrent_values) + ID_BYTES * s.id_values

    if page is None:  # summed before rounding, as memory's KVCache.state_bytes_for does
        window = sum(s.window_values for s in stage.states) * batch
        recurrent = sum(s.recurrent_values for s in stage.states) * batch
        ids = sum(s.id_values for s in stage.states) * batch
        return window_dtype.nbytes(window) + state_dtype.nbytes(recurrent) + ID_BYTES * ids
    return sum(ceil_div(per_sequence(s), page) * page * batch for s in stage.states)


def page_bytes(model: Layout, dtype: CacheDType, block: int) -> int | None:
    """The largest attention layer's page: what a hybrid's state layer is padded to."""
    sizes = [dtype.nbytes(c.values_per_token * block) for s in model.stages for c in s.cached]
    return max(sizes, default=None)


def usage(model: Layout, request: FitRequest, batch: int, seq: int, paged: bool) -> list[Usage]:
    """Bytes on one device of each stage at `batch` sequences of `seq` tokens."""
    dtype = request.cache_dtype
    block = request.block_size if paged else None
    page = page_bytes(model, dtype, request.block_size) if paged else None
    workspace = workspace_bytes(model, request.prefill_chunk, batch)
    return [
        Usage(
            s.index,
            nbytes(s.parameters, request.dtype),
            kv_bytes(s, dtype, batch, seq, block),
            state_bytes(s, dtype, request.state_dtype, batch, page),
            workspace,
        )
        for s in model.stages
    ]


def workspace_bytes(model: Layout, chunk: int, batch: int) -> int:
    """The activation workspace convention: one layer over the chunk, and the logits."""
    hidden = chunk * (2 * model.hidden + 2 * model.widest) * model.activation_bytes
    return hidden + batch * model.vocab * LOGIT_BYTES


def fits(model: Layout, request: FitRequest, batch: int, seq: int, paged: bool = False) -> bool:
    """Whether every device holds `batch` x `seq` within its budget."""
    budget = request.budget
    return all(u.total <= budget for u in usage(model, request, batch, seq, paged))


def largest(holds: Callable[[int], bool], low: int = 1) -> int | None:
    """The largest n >= low with holds(n), holds being monotone; None when even MAX_COUNT
    holds; low - 1 when low does not."""
    if not holds(low):
        return low - 1
    if holds(MAX_COUNT):
        return None
    good, step = low, 1
    while holds(good + step):  # gallop up, then bisect
        good, step = good + step, step * 2
    bad = good + step
    while bad - good > 1:
        mid = (good + bad) // 2
        good, bad = (mid, bad) if holds(mid) else (good, mid)
    return good


@dataclass(frozen=True)
class Answer:
    """One answer: the largest context (or batch) and the bytes there and one past it."""

    value: int | None
    at: list[Usage]
    past: list[Usage]
    paged: bool


@dataclass(frozen=True)
class FitResult:
    """Everything `paramcalc fit` reports."""

    name: str
    request: FitRequest
    parameters: int
    question: str
    batch: int
    seq: int
    exact: Answer
    paged: Answer | None
    stages: tuple[Stage, ...]

    @property
    def fits(self) -> bool:
        """Whether one sequence of one token fits at all (the weights first of all)."""
        return self.exact.value != 0


def answer(model: Layout, request: FitRequest, paged: bool) -> tuple[Answer, int, int]:
    """Search the free dimension; the usage at the answer and at one more.

    No answer (None) means the cache stops growing (every layer windowed or recurrent): the
    usage is shown at the longest context searched. An answer of 0 means nothing fits: the
    usage is shown at one token (or one sequence).
    """
    batch, seq = request.batch or 1, request.seq
    if seq is None:
        value = largest(lambda n: fits(model, request, batch, n, paged))
        shape = (batch, MAX_COUNT if value is None else max(value, 1))
        after = (batch, shape[1] + 1)
    else:
        value = largest(lambda n: fits(model, request, n, seq, paged))
        shape = (max(value or 1, 1), seq)
        after = (shape[0] + 1, seq)
    at = usage(model, request, *shape, paged)
    past = at if not value else usage(model, request, *after, paged)
    return Answer(value, at, past, paged), *shape


def fit(counted: Breakdown, request: FitRequest) -> FitResult:
    """The longest context at the batch asked for, or the largest batch at the context."""
    model = prepare(counted, request)
    exact, batch, seq = answer(model, request, False)
    paged = answer(model, request, True)[0] if request.paged else None
    return FitResult(
        counted.name,
        request,
        counted.total,
        "context" if request.seq is None else "batch",
        batch,
        seq,
        exact,
        paged,
        model.stages,
    )
