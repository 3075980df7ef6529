"""The new mixers and towers against real PyTorch models built by transformers on the CPU.

For two hybrids (Qwen3-Next: gated DeltaNet and gated attention; Nemotron-H: Mamba-2,
attention, MLP and MoE blocks) one forward pass with `use_cache=True` must leave exactly the
key/value bytes paramcalc puts in the attention layers' KV cache and exactly the convolution
and recurrent-state bytes it puts in the other layers' state; their weights take the bytes
paramcalc says. For a multimodal Gemma 3 (SigLIP, projector, text model) the weights bytes
equal the parameters' and a text-only forward pass costs what FlopCounterMode counts (the
vision tower does not run without an image).
"""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from paramcalc.calculator import count  # noqa: E402
from paramcalc.flops import forward_flops  # noqa: E402
from paramcalc.kvcache import kv_cache  # noqa: E402
from paramcalc.memory import weights_memory  # noqa: E402
from paramcalc.precision import DType  # noqa: E402
from paramcalc.sources import hf  # noqa: E402

pytestmark = pytest.mark.torch

BATCH, SEQ = 2, 7
HYBRIDS = {
    "qwen3_next": dict(
        vocab_size=128,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        linear_num_key_heads=2,
        linear_num_value_heads=4,
        linear_key_head_dim=8,
        linear_value_head_dim=8,
        num_experts=4,
        num_experts_per_tok=2,
        moe_intermediate_size=32,
        shared_expert_intermediate_size=32,
    ),
    "nemotron_h": dict(
        vocab_size=128,
        hidden_size=64,
        num_attention_heads=4,
        layers_block_type=["linear_attention", "moe", "full_attention", "mlp"],
        num_key_value_heads=2,
        head_dim=16,
        intermediate_size=96,
        mamba_num_heads=4,
        mamba_head_dim=16,
        ssm_state_size=8,
        n_groups=2,
        n_routed_experts=4,
        num_experts_per_tok=2,
        moe_intermediate_size=32,
        moe_shared_expert_intermediate_size=32,
    ),
}


def built(model_type: str, fields: dict[str, Any], auto: str) -> Any:
    """A random-weight fp32 model of the config, eager attention, in eval mode."""
    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model(model_type, **fields)
    config._attn_implementation = "eager"
    cls = getattr(transformers, auto)
    model = cls.from_config(config) if auto.startswith("Auto") else cls(config)
    return model.float().eval()


def cache_tensors(cache: Any) -> tuple[int, int]:
    """Bytes of key/value tensors, and of every other state tensor, a cache holds."""
    kv = state = 0
    for layer in cache.layers:
        for value in vars(layer).values():
            if isinstance(value, torch.Tensor):
                kv += value.nbytes
            elif isinstance(value, dict):
                state += sum(t.nbytes for t in value.values() if isinstance(t, torch.Tensor))
    return kv, state


@pytest.mark.parametrize("model_type", sorted(HYBRIDS))
def test_hybrid_cache_and_state_equal_what_transformers_holds(model_type: str) -> None:
    """KV bytes only for attention layers, conv + recurrent state for the others, to the byte."""
    model = built(model_type, HYBRIDS[model_type], "AutoModelForCausalLM")
    ids = torch.randint(0, 128, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        cache = model(ids, use_cache=True).past_key_values
    kv, state = cache_tensors(cache)
    arch = hf.from_config(model.config.to_dict(), "config.json")
    ours = kv_cache(arch.to_model(), DType.FP32, BATCH, SEQ)
    assert (ours.self_attention_bytes, ours.state_bytes) == (kv, state)
    assert state > 0 and len(ours.states) + len(ours.layers) < len(cache.layers) + 1
    weights = weights_memory(count(arch), DType.FP32).bytes
    assert weights == sum(p.nbytes for p in model.parameters())


def test_multimodal_weights_and_text_flops() -> None:
    """Gemma 3 with SigLIP and its projector: weights bytes and text-only forward FLOPs."""
    text = dict(
        vocab_size=128,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        sliding_window=4,
    )
    vision = dict(
        hidden_size=32,
        intermediate_size=48,
        num_hidden_layers=2,
        num_attention_heads=4,
        image_size=32,
        patch_size=8,
    )
    model = built(
        "gemma3",
        dict(text_config=text, vision_config=vision, mm_tokens_per_image=4),
        "Gemma3ForConditionalGeneration",
    )
    for sub in (model.config.text_config, model.config.vision_config):
        sub._attn_implementation = "eager"
    ids = torch.randint(0, 128, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(input_ids=ids, use_cache=True)
    arch = hf.from_config(model.config.to_dict(), "config.json")
    counted = count(arch)
    assert set(t.value for t in counted.towers) == {"text", "vision", "projector"}
    assert weights_memory(counted, DType.FP32).bytes == sum(p.nbytes for p in model.parameters())
    assert forward_flops(counted, BATCH, SEQ).forward == counter.get_total_flops()


ENCODER_FLOPS = {
    # factorized tokens, a patch stem a text pass does not run, gated GQA, per-layer windows
    "neomme": dict(
        vocab_size=128,
        embedding_rank=16,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        sliding_window=2,
        patch_size=2,
    ),
    # full-width q/k LayerNorms (no products)
    "esmc": dict(
        vocab_size=64,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=2,
        num_attention_heads=4,
    ),
    # sliding layers that eager attention computes over every pair all the same
    "ultrabert": dict(
        vocab_size=128,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=2,
        sliding_window=2,
    ),
    # entity tables and entity-aware queries a pass over words alone does not run
    "luke": dict(
        vocab_size=128,
        entity_vocab_size=64,
        entity_emb_size=32,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=2,
        num_attention_heads=4,
    ),
    # several token-type tables (lookups)
    "tapas": dict(
        vocab_size=128,
        type_vocab_sizes=[3, 5, 2],
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=2,
        num_attention_heads=4,
    ),
    # dynamic convolution heads beside the attention heads, grouped MLP projections
    "convbert": dict(
        vocab_size=128,
        embedding_size=32,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=2,
        num_attention_heads=4,
        head_ratio=2,
        conv_kernel_size=3,
        num_groups=2,
    ),
    # grouped 1x1 Conv1d projections
    "squeezebert": dict(
        vocab_size=128,
        hidden_size=64,
        embedding_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        q_groups=2,
        k_groups=4,
        v_groups=1,
        post_attention_groups=2,
        intermediate_groups=4,
        output_groups=8,
    ),
    # hashed tables, a local layer in chunks of 3 characters (3 + 3 + 1), the molecule stack
    # over 7 // 2 rows between a strided and a padded convolution, the pooler
    "canine": dict(
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_hash_functions=4,
        num_hash_buckets=64,
        downsampling_rate=2,
        upsampling_kernel_size=3,
        local_transformer_stride=3,
    ),
    # a contact head the forward pass does not run
    "esm": dict(
        vocab_size=33,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=2,
        num_attention_heads=4,
        position_embedding_type="rotary",
        pad_token_id=1,
    ),
    # LSH (one query_key) and local attention, axial positions; SEQ within one chunk of each,
    # so neither hashes nor chunks and every query/key pair is computed (longer sequences:
    # test_torch_crosscheck_reformer.py)
    "reformer": dict(
        vocab_size=128,
        hidden_size=64,
        num_attention_heads=4,
        attention_head_size=16,
        feed_forward_size=96,
        attn_layers=["lsh", "local", "lsh"],
        axial_pos_shape=[4, 4],
        axial_pos_embds_dim=[16, 48],
        lsh_attn_chunk_length=8,
        local_attn_chunk_length=8,
    ),
}


@pytest.mark.parametrize("model_type", sorted(ENCODER_FLOPS))
def test_encoder_flops_equal_flop_counter(model_type: str) -> None:
    """One AutoModel forward pass of an encoder costs what FlopCounterMode counts."""
    model = built(model_type, ENCODER_FLOPS[model_type], "AutoModel")
    ids = torch.randint(3, 30, (BATCH, SEQ))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(input_ids=ids)
    arch = hf.from_config(model.config.to_dict(), "config.json")
    assert forward_flops(count(arch), BATCH, SEQ).forward == counter.get_total_flops()


#: Encoders whose layers are shared (ALBERT: stored once, applied num_hidden_layers /
#: num_hidden_groups times each), have no mixer parameters (FNet) or alternate local and
#: global attention (ModernBERT).
ENCODERS = {
    "albert-groups": ("albert", dict(num_hidden_groups=2, num_hidden_layers=4)),
    "albert-inner": ("albert", dict(inner_group_num=2, num_hidden_layers=3)),
    "fnet": ("fnet", dict(num_hidden_layers=2)),
    "modernbert": ("modernbert", dict(num_hidden_layers=4, local_attention=4, pad_token_id=0)),
}
ENCODER_SIZES = dict(
    vocab_size=128,
    embedding_size=32,
    hidden_size=64,
    intermediate_size=96,
    num_attention_heads=4,
    max_position_embeddings=16,
)


@pytest.mark.parametrize("case", sorted(ENCODERS))
def test_encoder_weights_and_flops_count_every_use(case: str) -> None:
    """Weights bytes are the stored tensors once; forward FLOPs what FlopCounterMode counts,
    a shared layer charged at every use."""
    model_type, fields = ENCODERS[case]
    sizes = {
        k: v for k, v in ENCODER_SIZES.items() if model_type == "albert" or k != "embedding_size"
    }
    model = built(model_type, {**sizes, **fields}, "AutoModel")
    ids = torch.randint(0, 128, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(input_ids=ids)
    arch = hf.from_config(model.config.to_dict(), "config.json")
    counted = count(arch)
    assert weights_memory(counted, DType.FP32).bytes == sum(p.nbytes for p in model.parameters())
    assert forward_flops(counted, BATCH, SEQ).forward == counter.get_total_flops()
