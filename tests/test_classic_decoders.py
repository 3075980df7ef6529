"""Classic decoders (GPT-Neo, GPT-BigCode, MPT, BitNet...): what the fixtures cannot show.

The fixtures of data/hf prove each family exact at its defaults and at random variants; these
tests pin the configs transformers refuses (each an error naming the file's key) and derive
BitNet's sub-norms in closed form, independently of the enumeration.
"""

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
        # GPTNeoConfig.validate_architecture: the expanded list must have one entry per layer.
        ({"model_type": "gpt_neo", "num_layers": 3}, "attention_types"),
        (
            {"model_type": "gpt_neo", "num_layers": 2, "attention_types": [[["sparse"], 2]]},
            "attention_types",
        ),
        ({"model_type": "gpt_neo", "attention_types": "global"}, "attention_types"),
        # GPTBigCodeBlock raises NotImplementedError for multi-query cross-attention.
        ({"model_type": "gpt_bigcode", "add_cross_attention": True}, "add_cross_attention"),
    ],
)
def test_configs_transformers_refuses_name_their_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A config the family's model cannot build is an error naming the key, not a count."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, config)
    assert key in str(raised.value)


def test_gpt_neo_local_layers_slide_over_window_size(tmp_path: Path) -> None:
    """GPT-Neo's `local` layers keep a window_size cache; `global` layers the whole sequence."""
    arch = loaded(
        tmp_path,
        {
            "model_type": "gpt_neo",
            "num_layers": 4,
            "window_size": 64,
            "attention_types": [[["local", "global"], 2]],
        },
    )
    assert arch.sliding_window == 64
    assert arch.layer_types == ("sliding_attention", "full_attention") * 2


def test_mpt_ignores_the_fields_its_modeling_code_hard_codes(tmp_path: Path) -> None:
    """modeling_mpt.py: a 4 x d_model MLP without biases and ALiBi, whatever the config says."""
    base = {"model_type": "mpt", "d_model": 64, "n_heads": 2, "n_layers": 2, "vocab_size": 100}
    plain = count(loaded(tmp_path, base)).total
    odd = {**base, "expansion_ratio": 7, "no_bias": False, "learned_pos_emb": True}
    assert count(loaded(tmp_path, odd)).total == plain


def test_bitnet_sub_norms_closed_form(tmp_path: Path) -> None:
    """BitNet b1.58 (BitNetConfig defaults): Llama's groups plus two RMSNorms a layer,
    attn_sub_norm of hidden_size and ffn_sub_norm of intermediate_size."""
    V, d, f, L, h, kv = 128256, 2560, 6912, 30, 20, 5
    hd = d // h
    groups = count(loaded(tmp_path, {"model_type": "bitnet"})).groups
    assert groups[Group.ATTENTION] == L * (2 * d * h * hd + 2 * d * kv * hd)
    assert groups[Group.FEEDFORWARD] == L * 3 * d * f
    assert groups[Group.NORM] == L * (2 * d + d + f) + d
    assert groups[Group.EMBEDDING] == groups[Group.OUTPUT] == V * d
