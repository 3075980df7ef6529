"""CPM-Ant and XLNet: what the fixtures cannot show.

The fixtures of data/hf prove each family exact at its defaults and at random variants; these
tests pin CPM-Ant's tables and XLNet's attention in closed form (from CpmAntModel.__init__ and
XLNetRelativeAttention.__init__), XLNet's memory, and the configs paramcalc refuses, each an
error naming the file's key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from conftest import loaded
from paramcalc.calculator import Group, count
from paramcalc.core.spec import TextTower
from paramcalc.errors import InputError
from paramcalc.kvcache import kv_cache
from paramcalc.precision import DType


def test_cpmant_tables_closed_form(tmp_path: Path) -> None:
    """CPM-Ant 10B (CpmAntConfig defaults): the input table holds vocab + prompt_types x
    prompt_length rows, the untied head vocab rows, and one bias table of segment_types^2 +
    buckets rows by heads sits beside layers of four heads x dim_head projections."""
    V, d, h, hd, f, L, buckets, prompts, segments = 30720, 4096, 32, 128, 10240, 48, 512, 32, 32
    groups = count(loaded(tmp_path, {"model_type": "cpmant"})).groups
    assert groups[Group.EMBEDDING] == (V + prompts * 32) * d + segments * d
    assert groups[Group.OUTPUT] == V * d
    assert groups[Group.ATTENTION] == L * 4 * d * h * hd + (segments**2 + buckets) * h
    assert groups[Group.FEEDFORWARD] == L * 3 * d * f
    assert groups[Group.NORM] == (2 * L + 1) * d


def test_cpmant_head_is_never_tied(tmp_path: Path) -> None:
    """CpmAntForCausalLM._tied_weights_keys is empty: tie_word_embeddings changes nothing."""
    base = {"model_type": "cpmant", "hidden_size": 64, "num_hidden_layers": 2, "vocab_size": 99}
    tied = count(loaded(tmp_path, {**base, "tie_word_embeddings": True})).total
    assert tied == count(loaded(tmp_path, {**base, "tie_word_embeddings": False})).total


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"model_type": "cpmant", "segment_types": 0}, "segment_types"),
        ({"model_type": "cpmant", "prompt_length": -1}, "prompt_length"),
        ({"model_type": "cpmant", "position_bias_num_buckets": 0}, "position_bias_num_buckets"),
        ({"model_type": "cpmant", "dim_head": None}, "dim_head"),
        # XLNetConfig.validate_architecture
        ({"model_type": "xlnet", "n_head": 5}, "n_head"),
        ({"model_type": "xlnet", "d_head": 32}, "d_head"),
        # a null d_head comes from d_model // n_head under those names (1024 // 16 = 64)
        ({"model_type": "xlnet", "hidden_size": 256, "n_head": 4}, "d_head"),
        # relative_positional_encoding raises on any other attn_type
        ({"model_type": "xlnet", "attn_type": "both"}, "attn_type"),
        ({"model_type": "xlnet", "mem_len": -1}, "mem_len"),
    ],
)
def test_unrepresentable_values_name_their_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A size paramcalc cannot build a table or a head of is an error naming the key."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, config)
    assert key in str(raised.value)


def test_a_tied_head_cannot_share_a_table_with_extra_rows() -> None:
    """extra_token_rows with tie_word_embeddings is refused: the shapes would differ."""
    block = {"mixer": {"kind": "attention", "num_attention_heads": 2}}
    stack = {"num_hidden_layers": 1, "block": block}
    with pytest.raises(ValidationError, match="rows it does not predict"):
        TextTower.model_validate(
            {
                "vocab_size": 10,
                "hidden_size": 8,
                "stacks": [stack],
                "extra_token_rows": 4,
                "tie_word_embeddings": True,
            }
        )


def test_xlnet_closed_form(tmp_path: Path) -> None:
    """XLNet large (XLNetConfig defaults): five (d_model, heads, d_head) einsum weights, three
    per-head biases and a two-row segment table per layer, a biased MLP, two LayerNorms per
    layer and no final norm, mask_emb, and a tied lm_loss with its bias."""
    V, d, L, h, f = 32000, 1024, 24, 16, 4096
    hd = d // h
    groups = count(loaded(tmp_path, {"model_type": "xlnet"})).groups
    assert groups[Group.EMBEDDING] == V * d + d
    assert groups[Group.ATTENTION] == L * (5 * d * h * hd + 3 * h * hd + 2 * h * hd)
    assert groups[Group.FEEDFORWARD] == L * (2 * d * f + f + d)
    assert groups[Group.NORM] == L * 2 * 2 * d
    assert groups[Group.OUTPUT] == V


def test_xlnet_memory_is_each_layers_input_capped_by_mem_len(tmp_path: Path) -> None:
    """XLNetModel.cache_mem: d_model per token per layer, the last mem_len tokens; none
    without use_mems_eval."""
    base = {"model_type": "xlnet", "d_model": 64, "n_head": 4, "n_layer": 3, "mem_len": 16}
    cache = kv_cache(loaded(tmp_path, base).to_model(), DType.FP32, 2, 100)
    assert cache.self_attention_bytes == 4 * 3 * 16 * 64 * 2
    off = kv_cache(
        loaded(tmp_path, {**base, "use_mems_eval": False}).to_model(), DType.FP32, 2, 100
    )
    assert off.self_attention_bytes == 0
