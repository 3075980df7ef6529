"""Training memory: model states per precision recipe and ZeRO stage, and activations.

Model states follow Rajbhandari et al. 2020 ("ZeRO", section 3.1): with mixed precision and
Adam, 2 bytes of weights, 2 of gradients and 12 of fp32 master weights, momentum and variance
per parameter; ZeRO stage 1 partitions the optimizer states (master weights included) over the
data-parallel devices, stage 2 the gradients too, stage 3 the weights too. Every parameter is
trained, routed experts included.

Activations follow Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large
Transformer Models", section 4.1): s·b·h·(34 + 5·a·s/h) bytes per layer with 16-bit
activations and no recomputation, 2·s·b·h with full recomputation (only each layer's input is
kept). That formula is derived for a GPT-3 block (multi-head attention, a 4h GeLU MLP,
dropout), so for other blocks it is an approximation; fused attention kernels such as
FlashAttention do not keep the a·s² score terms, leaving 34·s·b·h.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from paramcalc.core.model import Model

COMPONENTS = ("weights", "gradients", "master weights", "optimizer states")


class Recipe(str, Enum):
    """A precision recipe: how many bytes each model-state component takes per parameter."""

    FP32 = "fp32"
    BF16_MIXED = "bf16-mixed"
    ADAM_8BIT = "bf16-adam8bit"

    @property
    def bytes_per_parameter(self) -> dict[str, int]:
        """Bytes per parameter of weights, gradients, master weights and optimizer states."""
        return {
            # fp32 weights and gradients; Adam's momentum and variance in fp32.
            "fp32": {"weights": 4, "gradients": 4, "master weights": 0, "optimizer states": 8},
            # Micikevicius et al. 2018: bf16 weights and gradients, fp32 master copy and Adam.
            "bf16-mixed": {
                "weights": 2,
                "gradients": 2,
                "master weights": 4,
                "optimizer states": 8,
            },
            # Dettmers et al. 2022 ("8-bit Optimizers via Block-wise Quantization"): Adam's two
            # states in 8 bits; their per-block scales (one per 2,048 values) are not counted.
            "bf16-adam8bit": {
                "weights": 2,
                "gradients": 2,
                "master weights": 4,
                "optimizer states": 2,
            },
        }[self.value]


#: The ZeRO stage from which each component is partitioned over the devices.
PARTITIONED_FROM = {"optimizer states": 1, "master weights": 1, "gradients": 2, "weights": 3}


@dataclass(frozen=True)
class StateComponent:
    """One model-state component: bytes per parameter, in all, and on each device."""

    name: str
    bytes_per_parameter: int
    total_bytes: int
    per_device_bytes: int
    partitioned: bool


def model_states(
    parameters: int,
    recipe: Recipe,
    zero: int,
    devices: int,
) -> list[StateComponent]:
    """Weights, gradients, master weights and optimizer states, split by ZeRO `zero`."""
    components = []
    # DeepSpeed pads the flat parameter buffer so each device holds an equal share.
    share = -(-parameters // devices)
    for name, per in recipe.bytes_per_parameter.items():
        partitioned = zero >= PARTITIONED_FROM[name] and devices > 1
        components.append(
            StateComponent(
                name,
                per,
                per * parameters,
                per * (share if partitioned else parameters),
                partitioned,
            )
        )
    return components


@dataclass(frozen=True)
class Activations:
    """Activation bytes of one micro-batch on one device (Korthikanti et al. 2022)."""

    layers: int
    per_layer: int
    per_layer_without_scores: int
    per_layer_recomputed: int
    logits: int
    scores: int = 0
    """The score terms of every attention layer together (recurrent layers keep none)."""

    @property
    def total(self) -> int:
        """Every layer without recomputation, plus the fp32 logits."""
        return self.layers * self.per_layer_without_scores + self.scores + self.logits

    @property
    def total_without_scores(self) -> int:
        """Every layer with a fused attention kernel, plus the logits."""
        return self.layers * self.per_layer_without_scores + self.logits

    @property
    def total_recomputed(self) -> int:
        """Every layer with full recomputation, plus the logits."""
        return self.layers * self.per_layer_recomputed + self.logits


def activations(model: Model, batch: int, seq: int) -> Activations:
    """Activations of a micro-batch of `batch` x `seq` tokens, all layers of all stacks.

    Per layer figures are averages over the layers: only attention layers keep scores.
    """
    tower = model.text
    s, b, h = seq, batch, tower.hidden_size
    layers = tower.num_layers
    # a stack over fewer rows (CANINE's molecules: seq // downsampling_rate) keeps fewer
    rows = sum(stack.rows(s) * stack.num_hidden_layers for stack in tower.stacks)
    # sbh(34 + 5as/h) = 34sbh + 5as²b: the second term is the attention scores, softmax and its
    # dropout mask (Korthikanti et al. 2022, eq. 1).
    without_scores = 34 * rows * b * h // layers
    scores = 0
    for stack, block, indices in tower.block_uses():
        heads = sum(getattr(m, "num_attention_heads", 0) for m in block.mixers)
        scores += 5 * heads * stack.rows(s) ** 2 * b * len(indices)
    # The logits stay in fp32 for the cross-entropy loss (section 4.3).
    logits = 4 * s * b * tower.vocab_size if tower.lm_head else 0
    return Activations(
        layers,
        without_scores + scores // layers,
        without_scores,
        2 * rows * b * h // layers,
        logits,
        scores,
    )
