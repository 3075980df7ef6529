"""paramcalc's memory and FLOPs against real PyTorch models built by transformers on the CPU.

Each case builds a small random-weight model, runs one forward pass of B x S tokens under
`torch.utils.flop_counter.FlopCounterMode` with `use_cache=True`, and compares:
  forward FLOPs    with FlopCounterMode's total for that pass;
  KV cache bytes   with the bytes of the key/value tensors left in `past_key_values`;
  weights bytes    with the sum of the parameters' nbytes, in fp32 and after `.to(bfloat16)`.
Attention runs eagerly and experts in their per-expert loop: torch 2.13's FlopCounterMode has
no formula for the CPU SDPA kernel nor for `_grouped_mm`, which transformers picks by default,
and would count those matmuls as 0.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from paramcalc.schema import Architecture  # noqa: E402

pytestmark = pytest.mark.torch

BATCH, SEQ, DECODER_SEQ = 2, 12, 7
VOCAB, WIDTH = 128, 64


@dataclass
class Case:
    """A transformers model class and config, and the same architecture for paramcalc."""

    model_class: str
    config: dict[str, Any]
    fields: dict[str, Any]
    config_class: str | None = None


CASES = {
    "llama-gqa": Case(
        "LlamaForCausalLM",
        dict(
            vocab_size=VOCAB,
            hidden_size=WIDTH,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            intermediate_size=96,
        ),
        dict(
            num_attention_heads=4, num_key_value_heads=2, intermediate_size=96, num_hidden_layers=2
        ),
    ),
    "gpt2-biases": Case(
        "GPT2LMHeadModel",
        dict(vocab_size=VOCAB, n_embd=WIDTH, n_layer=2, n_head=4, n_positions=32),
        dict(
            num_hidden_layers=2,
            num_attention_heads=4,
            ffn_ratio=4,
            gated_ffn=False,
            max_position_embeddings=32,
            position_embedding_type="learned",
            tie_word_embeddings=True,
            qkv_bias=True,
            attention_out_bias=True,
            ffn_bias=True,
            norm_type="layernorm",
        ),
    ),
    "mistral-window-5": Case(
        "MistralForCausalLM",
        dict(
            vocab_size=VOCAB,
            hidden_size=WIDTH,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            intermediate_size=96,
            sliding_window=5,
        ),
        dict(
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            intermediate_size=96,
            sliding_window=5,
        ),
    ),
    "gemma2-alternating": Case(
        "Gemma2ForCausalLM",
        dict(
            vocab_size=VOCAB,
            hidden_size=WIDTH,
            num_hidden_layers=4,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=24,
            intermediate_size=96,
            sliding_window=5,
        ),
        dict(
            num_hidden_layers=4,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=24,
            intermediate_size=96,
            sliding_window=5,
            tie_word_embeddings=True,
            attention_output_norm=True,
            ffn_output_norm=True,
            layer_types=("sliding_attention", "full_attention") * 2,
        ),
    ),
    "gemma3-five-local-one-global": Case(
        "Gemma3ForCausalLM",
        dict(
            vocab_size=VOCAB,
            hidden_size=WIDTH,
            num_hidden_layers=6,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=24,
            intermediate_size=96,
            sliding_window=5,
        ),
        dict(
            num_hidden_layers=6,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=24,
            intermediate_size=96,
            sliding_window=5,
            tie_word_embeddings=True,
            attention_output_norm=True,
            ffn_output_norm=True,
            qk_norm="per_head",
            layer_types=("sliding_attention",) * 5 + ("full_attention",),
        ),
        config_class="Gemma3TextConfig",
    ),
    "mixtral-top2": Case(
        "MixtralForCausalLM",
        dict(
            vocab_size=VOCAB,
            hidden_size=WIDTH,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            intermediate_size=96,
            num_local_experts=4,
            num_experts_per_tok=2,
        ),
        dict(
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            intermediate_size=96,
            num_experts=4,
            num_experts_per_tok=2,
        ),
    ),
    "deepseek-v3-mla": Case(
        "DeepseekV3ForCausalLM",
        dict(
            vocab_size=VOCAB,
            hidden_size=WIDTH,
            num_hidden_layers=3,
            num_attention_heads=4,
            num_key_value_heads=4,
            intermediate_size=96,
            moe_intermediate_size=32,
            n_routed_experts=8,
            num_experts_per_tok=2,
            n_shared_experts=1,
            n_group=2,
            topk_group=1,
            first_k_dense_replace=1,
            q_lora_rank=48,
            kv_lora_rank=32,
            qk_nope_head_dim=16,
            qk_rope_head_dim=8,
            v_head_dim=12,
        ),
        dict(
            num_hidden_layers=3,
            num_attention_heads=4,
            intermediate_size=96,
            moe_intermediate_size=32,
            num_experts=8,
            num_experts_per_tok=2,
            shared_expert_intermediate_size=32,
            first_k_dense_replace=1,
            q_lora_rank=48,
            kv_lora_rank=32,
            qk_nope_head_dim=16,
            qk_rope_head_dim=8,
            v_head_dim=12,
        ),
    ),
    "t5-cross-attention": Case(
        "T5ForConditionalGeneration",
        dict(
            vocab_size=VOCAB,
            d_model=WIDTH,
            d_kv=8,
            d_ff=96,
            num_layers=2,
            num_decoder_layers=3,
            num_heads=4,
        ),
        dict(
            is_encoder_decoder=True,
            num_hidden_layers=2,
            num_decoder_layers=3,
            num_attention_heads=4,
            head_dim=8,
            intermediate_size=96,
            gated_ffn=False,
            position_embedding_type="relative",
            relative_attention_num_buckets=32,
            tie_word_embeddings=True,
        ),
    ),
}


def build(case: Case) -> Any:
    """The random-weight model of `case`, eager attention and experts, in eval mode."""
    torch.manual_seed(0)
    config_class = getattr(
        transformers,
        case.config_class
        or case.model_class.replace("ForCausalLM", "Config")
        .replace("LMHeadModel", "Config")
        .replace("ForConditionalGeneration", "Config"),
    )
    config = config_class(
        **case.config, attn_implementation="eager", experts_implementation="eager"
    )
    return getattr(transformers, case.model_class)(config).eval()


def forward(model: Any, encoder_decoder: bool) -> tuple[int, Any]:
    """One forward pass with the cache on: FlopCounterMode's total and the cache it leaves."""
    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(0, VOCAB, (BATCH, SEQ), generator=generator)
    inputs = {"input_ids": ids}
    if encoder_decoder:
        inputs["decoder_input_ids"] = torch.randint(
            0, VOCAB, (BATCH, DECODER_SEQ), generator=generator
        )
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        output = model(**inputs, use_cache=True)
    return counter.get_total_flops(), output.past_key_values


def cache_bytes(cache: Any) -> tuple[int, int]:
    """Bytes of the self-attention and cross-attention key/value tensors a cache holds."""

    def held(layers: Any) -> int:
        return sum(layer.keys.nbytes + layer.values.nbytes for layer in layers)

    if hasattr(cache, "cross_attention_cache"):
        return held(cache.self_attention_cache.layers), held(cache.cross_attention_cache.layers)
    return held(cache.layers), 0


def architecture(case: Case) -> Architecture:
    """The paramcalc architecture written by hand for the case."""
    return Architecture(vocab_size=VOCAB, hidden_size=WIDTH, **case.fields)


@pytest.fixture(scope="module", params=list(CASES))
def measured(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Build one case's model once and measure everything the tests compare."""
    case = CASES[request.param]
    model = build(case)
    encoder_decoder = bool(case.fields.get("is_encoder_decoder"))
    flops, cache = forward(model, encoder_decoder)
    self_bytes, cross_bytes = cache_bytes(cache)
    config = model.config.to_dict()
    fp32 = sum(p.nbytes for p in model.parameters())
    bf16 = sum(p.nbytes for p in model.to(torch.bfloat16).parameters())
    return {
        "name": request.param,
        "arch": architecture(case),
        "flops": flops,
        "self_bytes": self_bytes,
        "cross_bytes": cross_bytes,
        "fp32": fp32,
        "bf16": bf16,
        "seq": DECODER_SEQ if encoder_decoder else SEQ,
        "config": config,
    }


def test_forward_flops_equal_flop_counter_mode(measured: dict[str, Any]) -> None:
    """paramcalc's forward FLOPs are FlopCounterMode's total for the same forward pass."""
    arch = measured["arch"]
    flops = forward_flops(count(arch), BATCH, measured["seq"], encoder_seq=SEQ)
    assert flops.forward == measured["flops"], measured["name"]


def test_kv_cache_bytes_equal_the_cache_transformers_holds(measured: dict[str, Any]) -> None:
    """The KV cache bytes are those of the key/value tensors in past_key_values after the pass."""
    model = measured["arch"].to_model()
    cache = kv_cache(model, DType.FP32, BATCH, measured["seq"], encoder_seq=SEQ)
    assert cache.self_attention_bytes == measured["self_bytes"], measured["name"]
    assert cache.cross_attention_bytes == measured["cross_bytes"], measured["name"]
    assert cache.bytes == measured["self_bytes"] + measured["cross_bytes"]


def test_weights_bytes_equal_parameter_nbytes(measured: dict[str, Any]) -> None:
    """The weights take the parameters' nbytes, in fp32 and in bf16 (tied tensors once)."""
    counted = count(measured["arch"])
    assert weights_memory(counted, DType.FP32).bytes == measured["fp32"], measured["name"]
    assert weights_memory(counted, DType.BF16).bytes == measured["bf16"], measured["name"]


def test_config_json_import_gives_the_same_figures(measured: dict[str, Any]) -> None:
    """Imported from the model's own config.json, the architecture gives the same figures."""
    from paramcalc.sources import hf

    arch = hf.from_config(measured["config"], "config.json")
    counted = count(arch)
    flops = forward_flops(counted, BATCH, measured["seq"], encoder_seq=SEQ)
    cache = kv_cache(arch.to_model(), DType.FP32, BATCH, measured["seq"], encoder_seq=SEQ)
    assert flops.forward == measured["flops"], measured["name"]
    assert cache.bytes == measured["self_bytes"] + measured["cross_bytes"], measured["name"]
    assert weights_memory(counted, DType.FP32).bytes == measured["fp32"], measured["name"]


def test_cli_json_carries_the_measured_figures(
    measured: dict[str, Any], tmp_path: Any, runner: Any
) -> None:
    """`memory` and `flops -f json` on the model's config.json give the measured integers."""
    import json

    from paramcalc.cli import main

    path = tmp_path / "config.json"
    path.write_text(json.dumps(measured["config"]))
    shape = [
        "--batch",
        str(BATCH),
        "--seq",
        str(measured["seq"]),
        "--encoder-seq",
        str(SEQ),
        "-f",
        "json",
    ]
    memory = runner.invoke(
        main, ["memory", str(path), "--dtype", "fp32", *shape], catch_exceptions=False
    )
    flops = runner.invoke(main, ["flops", str(path), *shape], catch_exceptions=False)
    assert memory.exit_code == 0 and flops.exit_code == 0, memory.stderr + flops.stderr
    data = json.loads(memory.stdout)
    assert data["weights_bytes"] == measured["fp32"], measured["name"]
    assert data["kv_cache_bytes"] == measured["self_bytes"] + measured["cross_bytes"]
    assert json.loads(flops.stdout)["forward_flops"] == measured["flops"], measured["name"]
