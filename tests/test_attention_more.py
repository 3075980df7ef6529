"""The attention decoders of `families/attention_more.py`, `latent_more.py` and
`bert_decoders.py` against transformers run on the CPU, and the config values they refuse.

A forward pass with `use_cache=True` must leave exactly the key/value bytes paramcalc puts in
the KV cache (sliding layers keep window - 1 tokens) and cost what FlopCounterMode counts.
"""

from __future__ import annotations

from typing import Any

import pytest

from paramcalc.errors import InputError
from paramcalc.sources import hf

SMALL = dict(
    vocab_size=128,
    hidden_size=64,
    intermediate_size=96,
    num_hidden_layers=4,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=16,
    sliding_window=4,
    moe_intermediate_size=32,
    num_experts_per_tok=2,
)
BATCH, SEQ = 2, 7


def test_a_layer_kind_list_of_the_wrong_length_is_refused() -> None:
    """mlp_layer_types must give one dense/sparse per layer; the error names the key."""
    config = {"model_type": "mellum", **SMALL, "mlp_layer_types": ["dense", "bogus"]}
    with pytest.raises(InputError, match="mlp_layer_types"):
        hf.from_config(config, "config.json")


def test_doge_cdmoe_is_refused() -> None:
    """Doge's CDMoE keeps its experts as rows of embedding tables: refused, naming is_moe."""
    with pytest.raises(InputError, match="is_moe"):
        hf.from_config({"model_type": "doge", "is_moe": True}, "config.json")


#: Small dots3 text models: two indexed layers, two sliding ones with their own MLA sizes.
DOTS3 = dict(
    vocab_size=128,
    hidden_size=64,
    intermediate_size=96,
    num_hidden_layers=4,
    num_attention_heads=4,
    num_key_value_heads=4,
    q_lora_rank=32,
    kv_lora_rank=16,
    qk_nope_head_dim=16,
    qk_rope_head_dim=8,
    v_head_dim=16,
    head_dim=24,
    index_n_heads=2,
    index_head_dim=16,
    n_routed_experts=4,
    num_experts_per_tok=2,
    moe_intermediate_size=32,
    shared_experts_intermediate_size=32,
    sliding_window=4,
    pad_token_id=None,
    swa_num_attention_heads=2,
    swa_num_key_value_heads=2,
    swa_q_lora_rank=16,
    swa_kv_lora_rank=32,
    swa_head_dim=40,
    swa_qk_nope_head_dim=32,
    swa_v_head_dim=24,
)


def test_a_layer_override_paramcalc_cannot_vary_is_refused() -> None:
    """dots3's per_layer_config may change a layer's attention sizes, not its width."""
    config = {
        "model_type": "dots3_note_text",
        **DOTS3,
        "per_layer_config": {"2": {"hidden_size": 32}},
    }
    with pytest.raises(InputError, match="per_layer_config"):
        hf.from_config(config, "config.json")


#: Legacy keys of released configs, each against what transformers builds on the meta device.
LEGACY = {
    "dots3 use_dsa false": dict(DOTS3, model_type="dots3_note_text", use_dsa=False),
    "dots3 moe_layer_freq list": dict(
        DOTS3, model_type="dots3_note_text", first_k_dense_replace=0, moe_layer_freq=[1, 0, 1, 0]
    ),
    "dots3 no sliding": dict(DOTS3, model_type="dots3_note_text", use_sliding_window=False),
}


@pytest.mark.torch
@pytest.mark.parametrize("case", sorted(LEGACY))
def test_legacy_keys_count_what_transformers_builds(case: str) -> None:
    """Totals of configs written with a checkpoint's legacy keys equal the built model's."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from paramcalc.calculator import count

    fields = dict(LEGACY[case])
    config = transformers.AutoConfig.for_model(fields.pop("model_type"), **fields)
    with torch.device("meta"):
        model = transformers.AutoModelForCausalLM.from_config(config)
    expected = sum(p.numel() for p in model.parameters())
    assert count(hf.from_config(LEGACY[case], "config.json")).total == expected


CROSSCHECKED: dict[str, dict[str, Any]] = {
    "aria_text": {
        **{k: v for k, v in SMALL.items() if k != "sliding_window"},
        "moe_num_experts": 4,
        "moe_topk": 2,
        "mlp_bias": True,
    },
    "dots3_note_text": DOTS3,
    "modernbert-decoder": {
        **{k: v for k, v in SMALL.items() if k not in ("num_key_value_heads", "head_dim")},
        "local_attention": 8,
        "pad_token_id": 0,
        "attention_bias": True,
        "classifier_bias": True,
    },
    "axk2": {
        **{k: v for k, v in DOTS3.items() if not k.startswith("swa_")},
        "gated_norm_rank": 8,
        "first_k_dense_replace": 1,
    },
    "doge": dict(SMALL, attention_bias=True, keep_window_size=3),
    "beam": dict(SMALL, num_experts=4, n_group=1, topk_group=1),
    "mellum": dict(
        SMALL,
        num_experts=4,
        layer_types=["sliding_attention", "full_attention"] * 2,
        mlp_layer_types=["dense", "sparse", "sparse", "dense"],
    ),
}


@pytest.mark.torch
@pytest.mark.parametrize("model_type", sorted(CROSSCHECKED))
def test_cache_flops_and_weights_equal_what_transformers_runs(model_type: str) -> None:
    """KV cache bytes, forward FLOPs and weight bytes of a small model, to the unit."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from torch.utils.flop_counter import FlopCounterMode

    from paramcalc.calculator import count
    from paramcalc.flops import forward_flops
    from paramcalc.kvcache import kv_cache
    from paramcalc.memory import weights_memory
    from paramcalc.precision import DType

    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model(model_type, **CROSSCHECKED[model_type])
    config._attn_implementation = "eager"
    config._experts_implementation = "eager"  # FlopCounterMode does not count grouped_mm
    model = transformers.AutoModelForCausalLM.from_config(config).float().eval()
    ids = torch.randint(0, 128, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        cache = model(ids, use_cache=True).past_key_values
    # keys, values and indexer keys; a sliding layer also holds its window as a 0-d tensor
    kv = sum(
        value.nbytes
        for layer in cache.layers
        for value in vars(layer).values()
        if isinstance(value, torch.Tensor) and value.dim() > 0
    )
    arch = hf.from_config(model.config.to_dict(), "config.json")
    counted = count(arch)
    assert kv_cache(arch.to_model(), DType.FP32, BATCH, SEQ).self_attention_bytes == kv
    assert weights_memory(counted, DType.FP32).bytes == sum(p.nbytes for p in model.parameters())
    assert forward_flops(counted, BATCH, SEQ).forward == counter.get_total_flops()


def test_a_query_gate_without_a_query_latent_is_refused() -> None:
    """A.X-K2's q_gate_proj reads the query latent: without q_lora_rank it cannot exist."""
    from paramcalc.core.attention import LatentAttention
    from paramcalc.errors import FieldValueError

    mla = LatentAttention(
        num_attention_heads=2,
        kv_lora_rank=16,
        qk_nope_head_dim=16,
        qk_rope_head_dim=8,
        v_head_dim=16,
        query_gate=True,
    )
    with pytest.raises(FieldValueError, match="query_gate") as refused:
        mla.check(64, "block.mixer.")
    assert refused.value.field == "block.mixer.q_lora_rank"


def test_an_axk2_layer_without_its_indexer_is_refused() -> None:
    """Every AXK2Attention builds an indexer: a layer_types entry other than indexed_attention
    is refused, naming the key."""
    config = {"model_type": "axk2", "num_hidden_layers": 2}
    with pytest.raises(InputError, match="layer_types"):
        hf.from_config({**config, "layer_types": ["indexed_attention", "full_attention"]}, "c")


def test_modernbert_decoder_without_a_local_window_is_refused() -> None:
    """ModernBertDecoderConfig turns a null local_attention into a window of -1: refused."""
    config = {"model_type": "modernbert-decoder", "local_attention": None}
    with pytest.raises(InputError, match="local_attention"):
        hf.from_config(config, "config.json")


def test_an_untied_bert_generation_head_is_refused() -> None:
    """Untied, BertGenerationDecoder keeps an unused lm_head.bias beside the decoder's own."""
    config = {"model_type": "bert-generation", "tie_word_embeddings": False}
    with pytest.raises(InputError, match="tie_word_embeddings"):
        hf.from_config(config, "config.json")
