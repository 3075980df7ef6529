"""ConvBERT beyond its fixtures: the configs its model cannot build or run, refused by key,
and its mixed attention and grouped MLP in closed form (`modeling_convbert.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import loaded
from paramcalc.calculator import Group, count
from paramcalc.errors import InputError


@pytest.mark.parametrize(
    ("config", "key"),
    [
        # 14 // 2 = 7 heads, which do not divide 768
        ({"num_attention_heads": 14}, "head_ratio"),
        # 1 head of 33 channels: the halves would be 16 + 16, not 33
        ({"hidden_size": 33, "num_attention_heads": 1}, "head_ratio"),
        ({"head_ratio": 0}, "head_ratio"),
        ({"conv_kernel_size": 4}, "conv_kernel_size"),
        ({"num_groups": 5}, "num_groups"),
        ({"type_vocab_size": 0}, "type_vocab_size"),
        ({"add_cross_attention": True}, "add_cross_attention"),
    ],
)
def test_configs_convbert_cannot_run_name_their_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A config ConvBertModel refuses, or whose forward pass fails, is an error naming the
    key, not a count."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, {"model_type": "convbert", **config})
    assert key in str(raised.value)


def test_convbert_layer_in_closed_form(tmp_path: Path) -> None:
    """h = heads // head_ratio attention heads of d = (H / h) / 2 and as many convolution
    heads; the MLP as two grouped linear layers of G groups."""
    hidden, heads, ratio, kernel, width, groups = 64, 8, 2, 5, 96, 4
    config = {
        "model_type": "convbert",
        "vocab_size": 100,
        "embedding_size": hidden,
        "hidden_size": hidden,
        "num_hidden_layers": 1,
        "num_attention_heads": heads,
        "head_ratio": ratio,
        "conv_kernel_size": kernel,
        "intermediate_size": width,
        "num_groups": groups,
    }
    counted = count(loaded(tmp_path, config))
    h = heads // ratio
    inner = h * (hidden // h // 2)
    attention = (
        3 * (hidden * inner + inner)  # query, key, value
        + hidden * kernel  # key_conv_attn_layer.depthwise (one filter per channel)
        + inner * hidden  # key_conv_attn_layer.pointwise
        + inner  # key_conv_attn_layer.bias
        + inner * h * kernel  # conv_kernel_layer: a kernel per head
        + h * kernel
        + hidden * inner  # conv_out_layer
        + inner
        + hidden * hidden  # attention.output.dense reads both halves
        + hidden
    )
    assert counted.groups[Group.ATTENTION] == attention
    assert counted.groups[Group.FEEDFORWARD] == 2 * hidden * width // groups + width + hidden
    assert counted.groups[Group.OUTPUT] == 0  # ConvBertModel has no pooler
