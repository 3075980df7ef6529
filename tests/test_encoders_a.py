"""DeBERTa, DeBERTa-v2, Nystromformer, X-MOD and MobileBERT: what the fixtures cannot show.

The fixtures of data/hf prove each family exact at its defaults and at random variants; these
tests pin the configs the models refuse or paramcalc cannot say (each an error naming the
file's key) and derive the new parts in closed form: DeBERTa's relative position table and
projections with the FLOPs of its scores, Nystromformer's value convolution, X-MOD's adapters
of which a token uses one, MobileBERT's bottlenecked layer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paramcalc.calculator import Group, count
from paramcalc.errors import InputError
from paramcalc.flops import forward_flops
from paramcalc.sources import load

SMALL = {
    "vocab_size": 100,
    "hidden_size": 64,
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "intermediate_size": 96,
    "max_position_embeddings": 32,
}


def loaded(tmp_path: Path, config: dict[str, Any]) -> Any:
    """Load a config.json written from `config`."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return load(str(path))


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"model_type": "deberta", "pos_att_type": 3}, "pos_att_type"),
        # getattr finds the null: nn.Embedding(vocab_size, None)
        ({"model_type": "deberta-v2", "embedding_size": None}, "embedding_size"),
        # query/key/value of another width than the output projection reads
        ({"model_type": "deberta-v2", "attention_head_size": 32}, "attention_head_size"),
        # Conv1d refuses groups that do not divide its channels
        ({"model_type": "deberta-v2", "conv_kernel_size": 3, "conv_groups": 5}, "conv_groups"),
        ({"model_type": "deberta-v2", "norm_rel_ebd": True}, "norm_rel_ebd"),
        # NystromformerSelfAttention subscripts the config, which fails
        ({"model_type": "nystromformer", "inv_coeff_init_option": True}, "inv_coeff_init_option"),
        # NystromformerConfig types it int
        ({"model_type": "nystromformer", "conv_kernel_size": None}, "conv_kernel_size"),
        # zero-width adapters: zero-element tensors paramcalc does not list
        ({"model_type": "xmod", "adapter_reduction_factor": 1000}, "adapter_reduction_factor"),
        # ModuleDict refuses a key with a dot; XmodConfig a string for the list
        ({"model_type": "xmod", "languages": ["en.XX"]}, "languages"),
        ({"model_type": "xmod", "languages": "en_XX"}, "languages"),
        ({"model_type": "xmod", "add_cross_attention": True}, "add_cross_attention"),
        # NORM2FN has no other kind
        ({"model_type": "mobilebert", "normalization_type": "rms_norm"}, "normalization_type"),
        # the heads must split intra_bottleneck_size, the attention's width
        ({"model_type": "mobilebert", "num_attention_heads": 3}, "num_attention_heads"),
        ({"model_type": "mobilebert", "type_vocab_size": 0}, "type_vocab_size"),
    ],
)
def test_configs_refused_name_their_key(tmp_path: Path, config: dict[str, Any], key: str) -> None:
    """A config the family's model cannot build is an error naming the key, not a count."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, config)
    assert key in str(raised.value)


def test_deberta_relative_attention_in_closed_form(tmp_path: Path) -> None:
    """v1: in_proj (3 H x H), q_bias and v_bias, pos_proj (H x H, no bias), pos_q_proj
    (H x H + H) per layer, and one table of 2 x max_relative_positions rows of H."""
    h, layers, span = 64, 2, 8
    config = {
        **SMALL,
        "model_type": "deberta",
        "relative_attention": True,
        "max_relative_positions": span,
        "pos_att_type": "c2p|p2c",
    }
    counted = count(loaded(tmp_path, config))
    attention = 3 * h * h + 2 * h + (h * h + h) + h * h + (h * h + h)
    assert counted.groups[Group.ATTENTION] == layers * attention + 2 * span * h
    # the scores: 2 x B x heads x S x S x (d + d), then per layer the table projected (2 x
    # rows x H x H for each of c2p, p2c) and each token scored against the rows
    batch, seq = 3, 5  # v1 reads min(seq, span) distances each side: rows = 2 x 5
    flops = forward_flops(counted, batch, seq)
    rows = 2 * seq
    relative = 2 * (2 * rows * h * h + 2 * batch * seq * rows * h)
    assert flops.attention == layers * (2 * batch * seq * seq * 2 * h + relative)


def test_deberta_v2_shared_keys_project_both_and_hold_none(tmp_path: Path) -> None:
    """share_att_key: no position projections of its own, yet both content projections run
    on the table (2 x buckets rows) whatever pos_att_type says; norm and conv on the stack."""
    h, buckets, kernel, groups = 64, 4, 3, 2
    config = {
        **SMALL,
        "model_type": "deberta-v2",
        "relative_attention": True,
        "pos_att_type": "c2p",
        "share_att_key": True,
        "position_buckets": buckets,
        "norm_rel_ebd": "layer_norm",
        "conv_kernel_size": kernel,
        "conv_groups": groups,
    }
    counted = count(loaded(tmp_path, config))
    per_layer = 4 * (h * h + h)
    conv = h * (h // groups) * kernel + h
    assert counted.groups[Group.ATTENTION] == 2 * per_layer + 2 * buckets * h + conv
    # embedding LayerNorm, two per layer, the table's and the convolution's
    assert counted.groups[Group.NORM] == (1 + 2 * 2 + 1 + 1) * 2 * h
    batch, seq, rows = 2, 6, 2 * buckets
    relative = 2 * (2 * rows * h * h) + 2 * batch * seq * rows * h
    assert forward_flops(counted, batch, seq).attention == 2 * (
        2 * batch * seq * seq * 2 * h + relative
    )


def test_nystromformer_value_filter_runs_over_every_value_column(tmp_path: Path) -> None:
    """Conv2d(heads, heads, (k, 1), groups=heads, bias=False): heads x k weights, each
    applied to head_dim columns of every token."""
    heads, kernel, h = 4, 5, 64
    config = {**SMALL, "model_type": "nystromformer", "conv_kernel_size": kernel}
    counted = count(loaded(tmp_path, config))
    conv = [
        t for t in counted.enumeration.tensors() if t.name.endswith("attention.self.conv.weight")
    ]
    assert [t.shape for t in conv] == [(heads, 1, kernel, 1)] * 2
    positions = [t for t in counted.enumeration.tensors() if "position_embeddings" in t.name]
    assert positions[0].shape == (32 + 2, h)
    without = count(loaded(tmp_path, {**config, "conv_kernel_size": 1}))
    tokens = 3 * 7
    diff = forward_flops(counted, 3, 7).forward - forward_flops(without, 3, 7).forward
    assert diff == 2 * 2 * tokens * heads * (kernel - 1) * (h // heads)


def test_xmod_token_uses_one_language_adapter(tmp_path: Path) -> None:
    """Each layer holds one adapter per language (dense1 H -> H/r, dense2 back, biased), a
    token passes through one: the others are not active, nor charged FLOPs."""
    h, r, langs, layers = 64, 4, 3, 2
    config = {
        **SMALL,
        "model_type": "xmod",
        "adapter_reduction_factor": r,
        "languages": ["en_XX", "de_DE", "fr_XX", "en_XX"],
    }
    counted = count(loaded(tmp_path, config))
    adapter = (h * (h // r) + h // r) + (h // r * h + h)
    one = count(loaded(tmp_path, {**config, "languages": ["en_XX"]}))
    assert counted.total - one.total == layers * (langs - 1) * adapter
    assert counted.total - counted.active == layers * (langs - 1) * adapter
    assert forward_flops(counted, 2, 5).forward == forward_flops(one, 2, 5).forward
    names = {t.name for t in counted.enumeration.tensors()}
    assert "encoder.layer.1.output.adapter_modules.fr_XX.dense2.bias" in names


def test_mobilebert_layer_in_closed_form(tmp_path: Path) -> None:
    """Embeddings: E-wide tokens, 3E -> H trigram mapping, H-wide positions and types. A layer:
    q and k (B -> B), v (H -> B), o (B -> B), the MLP at B and 3 more, input and shared
    bottlenecks (H -> B) and the output bottleneck (B -> H); a norm of two vectors each."""
    v, e, h, b, i, p, t = 100, 16, 64, 32, 48, 32, 2
    config = {
        "model_type": "mobilebert",
        "vocab_size": v,
        "embedding_size": e,
        "hidden_size": h,
        "intra_bottleneck_size": b,
        "intermediate_size": i,
        "max_position_embeddings": p,
        "type_vocab_size": t,
        "num_hidden_layers": 1,
        "num_attention_heads": 4,
    }
    groups = count(loaded(tmp_path, config)).groups
    assert groups[Group.EMBEDDING] == v * e + (3 * e * h + h) + p * h + t * h
    assert groups[Group.ATTENTION] == 3 * (b * b + b) + (h * b + b)
    mlp = b * i + i + i * b + b
    bottlenecks = 2 * (h * b + b) + (b * h + h)
    assert groups[Group.FEEDFORWARD] == 4 * mlp + bottlenecks
    # embedding norm; after attention and each of the 4 MLPs; the bottlenecks' three
    assert groups[Group.NORM] == 2 * h + 5 * 2 * b + 2 * (2 * b) + 2 * h
    assert groups[Group.OUTPUT] == h * h + h


def test_deberta_masked_lm_refuses_the_new_head(tmp_path: Path) -> None:
    """legacy false builds lm_predictions (its head multiplies by the token table itself),
    which paramcalc does not say: an error naming legacy, for v1 and v2."""
    for model_type in ("deberta", "deberta-v2"):
        path = tmp_path / model_type / "config.json"
        path.parent.mkdir()
        path.write_text(json.dumps({"model_type": model_type, "legacy": False}))
        with pytest.raises(InputError) as raised:
            count(load(str(path), head="mlm"))
        assert "legacy" in str(raised.value)
