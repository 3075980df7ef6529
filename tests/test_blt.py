"""BLT (Byte Latent Transformer): what the fixtures cannot show.

The fixtures of data/hf prove the family exact at its defaults and at random variants; these
tests derive a small model's count in closed form from modeling_blt.py (BltModel.__init__ and
its four sub-models), pin the parts outside the stacks group by group, and check the configs
paramcalc refuses, each an error naming the key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paramcalc.calculator import Group, count
from paramcalc.errors import InputError
from paramcalc.flops import forward_flops
from paramcalc.kvcache import kv_cache
from paramcalc.precision import DType
from paramcalc.sources import load

ENC = {
    "hidden_size": 64,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "num_hidden_layers": 2,
    "intermediate_size": 96,
    "cross_attn_k": 2,
}
DEC = {
    "hidden_size": 48,
    "num_attention_heads": 4,
    "num_hidden_layers": 3,
    "intermediate_size": 80,
    "cross_attn_k": 2,
    "hidden_size_global": 128,
}
GLOB = {
    "hidden_size": 128,
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "intermediate_size": 256,
}
PATCH = {
    "hidden_size": 32,
    "num_attention_heads": 2,
    "num_hidden_layers": 1,
    "intermediate_size": 64,
}


def loaded(tmp_path: Path, config: dict[str, Any]) -> Any:
    """Load a config.json written from `config`."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return load(str(path))


def blt(**fields: Any) -> dict[str, Any]:
    """A small BLT config: encoder 64 wide, global 128 (= 64 x cross_attn_k), decoder 48."""
    return {
        "model_type": "blt",
        "encoder_hash_byte_group_vocab": 100,
        "encoder_hash_byte_group_size": [3, 4],
        "encoder_config": ENC,
        "decoder_config": DEC,
        "global_config": GLOB,
        "patcher_config": PATCH,
        **fields,
    }


def layer(width: int, heads: int, kv: int, intermediate: int) -> int:
    """BltTransformerLayer: q, k, v, o of heads x (width // heads), a gated MLP, two norms."""
    head_dim = width // heads
    attention = 2 * width * heads * head_dim + 2 * width * kv * head_dim
    return attention + 3 * width * intermediate + 2 * width


def cross_layer(width: int, heads: int, kv: int) -> int:
    """BltCrossAttention: q, k, v, o and q_norm, k_norm of the local width."""
    head_dim = width // heads
    return 2 * width * heads * head_dim + 2 * width * kv * head_dim + 2 * width


def test_small_model_closed_form(tmp_path: Path) -> None:
    """Every tensor of BltForCausalLM: the byte and hash tables, the local encoder (one cross
    layer by default), the global transformer (no projection: 64 x 2 = 128, no final norm),
    the local decoder (a cross layer per layer), the patcher and the head."""
    enc = 2 * layer(64, 4, 2, 96) + 64 * 128 + 260 * 64 + cross_layer(64, 4, 2)
    glob = 2 * layer(128, 4, 4, 256)
    dec = 3 * layer(48, 4, 4, 80) + 128 * 96 + 48 + 3 * cross_layer(48, 4, 4)
    hashed = 100 * 1 * 2 * 64
    patcher = layer(32, 2, 2, 64) + 260 * 32 + 32 + 32 * 260
    head = 48 * 260
    assert count(loaded(tmp_path, blt())).total == enc + glob + dec + hashed + patcher + head


def test_parts_outside_the_stacks(tmp_path: Path) -> None:
    """Without a patcher and with cross_attn_k = 3, the global transformer gains its
    token_embedding_projection (64 x 3 -> 128, embedding) and the hash table grows with the
    hash functions (embedding); the patcher's tensors are gone."""
    base = count(loaded(tmp_path, blt(patch_in_forward=False))).groups
    wider = count(
        loaded(
            tmp_path,
            blt(patch_in_forward=False, cross_attn_k=3, encoder_hash_byte_group_nb_functions=3),
        )
    ).groups
    assert wider[Group.EMBEDDING] - base[Group.EMBEDDING] == 192 * 128 + 2 * (100 * 2 * 64)
    assert wider[Group.ATTENTION] == base[Group.ATTENTION]
    with_patcher = count(loaded(tmp_path, blt())).groups
    assert with_patcher[Group.OUTPUT] - base[Group.OUTPUT] == 32 * 260


def test_tied_head_is_the_byte_table(tmp_path: Path) -> None:
    """_tied_weights_keys makes the encoder's table lm_head's: counted once, in embedding."""
    dec = {**DEC, "hidden_size": 64, "num_key_value_heads": 2}
    untied = count(loaded(tmp_path, blt(decoder_config=dec))).groups
    tied = count(loaded(tmp_path, blt(decoder_config=dec, tie_word_embeddings=True))).groups
    assert untied[Group.OUTPUT] - tied[Group.OUTPUT] == 260 * 64
    assert tied[Group.EMBEDDING] == untied[Group.EMBEDDING]


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        # tied tables of different shapes: the encoder would embed at the decoder's width
        ({"tie_word_embeddings": True}, "tie_word_embeddings"),
        # BltLocalDecoderConfig types intermediate_size as a plain int
        ({"decoder_config": {**DEC, "intermediate_size": None}}, "intermediate_size"),
        ({"global_config": {**GLOB, "intermediate_size": None}}, "intermediate_size"),
        ({"encoder_hash_byte_group_size": [3, "4"]}, "encoder_hash_byte_group_size"),
        ({"encoder_config": {**ENC, "cross_attn_k": None}}, "cross_attn_k"),
        # no hash function: transformers builds an empty table, which paramcalc cannot hold
        ({"encoder_hash_byte_group_nb_functions": 0}, "encoder_hash_byte_group_nb_functions"),
    ],
)
def test_refusals_name_the_key(tmp_path: Path, fields: dict[str, Any], key: str) -> None:
    """Configs paramcalc cannot count (or transformers cannot build) are refused by key."""
    with pytest.raises(InputError) as refused:
        count(loaded(tmp_path, blt(**fields)))
    assert key in str(refused.value)


def test_cache_is_the_local_layers_per_byte(tmp_path: Path) -> None:
    """Only the local encoder's (2 layers, 2 K/V heads of 16) and decoder's (3 layers, 4 heads
    of 12) self-attention cache K/V, over the last local_attention_window_len - 1 bytes after a
    pass; the global transformer and the patcher run without a cache."""
    model = loaded(tmp_path, blt(local_attention_window_len=16))
    per_byte = 2 * (2 * 2 * 16 + 3 * 4 * 12)  # K and V, bf16: 2 bytes a value
    assert kv_cache(model, DType.BF16, 1, 8).bytes == 8 * 2 * per_byte
    assert kv_cache(model, DType.BF16, 1, 100).bytes == 15 * 2 * per_byte


def test_projection_flops_closed_form(tmp_path: Path) -> None:
    """13 bytes in patches of 4 are P = 4 patches: the global transformer runs over P rows;
    the encoder's cross layer projects its P pooled patches to k = 2 query vectors each
    (q, o over P x k rows, k, v over the bytes); the decoder projects the global output once
    and its 3 cross layers run the bytes' queries against P x k vectors; no patcher."""
    model = count(loaded(tmp_path, blt(patch_size=4, patch_in_forward=False)))
    S, P, k = 13, 4, 2

    def weights(width: int, heads: int, kv: int, intermediate: int) -> int:
        return layer(width, heads, kv, intermediate) - 2 * width  # without its norms

    per_byte = 2 * weights(64, 4, 2, 96) + 3 * weights(48, 4, 4, 80) + 48 * 260
    encoder_cross = P * k * 2 * 64 * 64 + S * 2 * 64 * 32 + P * 64 * 128
    decoder_cross = P * 128 * 96 + 3 * (S * 2 * 48 * 48 + P * k * 2 * 48 * 48)
    glob = P * 2 * weights(128, 4, 4, 256)
    expected = 2 * (S * per_byte + encoder_cross + decoder_cross + glob)
    assert forward_flops(model, 1, S).projections == expected
