"""Quantized safetensors checkpoints count to the unquantized model, from their headers alone.

One small Llama (grouped-query attention, untied head) is counted three ways: by the closed
form below, by paramcalc's count of its config.json, and from the logical tensors of a
checkpoint of each quantization scheme. Each checkpoint is written by hand, tensor by tensor,
in the layout the quantizer itself writes (the shapes are taken from its code, cited at each
writer), so every figure is derived here, not by paramcalc. Bytes must add up to the files'
data sections: everything stored is somewhere, and nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import DTYPE_BYTES, write_safetensors
from paramcalc.cli import main

V, H, LAYERS, HEADS, KV_HEADS, F = 128, 64, 2, 4, 2, 128
KV = KV_HEADS * H // HEADS  # key/value width: 2 heads of 16
GROUP = 32  # quantization group size along the inputs
CONFIG = {
    "model_type": "llama",
    "vocab_size": V,
    "hidden_size": H,
    "num_hidden_layers": LAYERS,
    "num_attention_heads": HEADS,
    "num_key_value_heads": KV_HEADS,
    "intermediate_size": F,
    "tie_word_embeddings": False,
}
#: Embedding and head; per layer q and o (H x H), k and v (KV x H), gate, up and down (F x H)
#: and two norms; the final norm.
TOTAL = 2 * V * H + LAYERS * (2 * H * H + 2 * KV * H + 3 * F * H + 2 * H) + H

Tensors = dict[str, tuple[str, list[int]]]
#: (module, outputs, inputs) -> the tensors a quantizer stores for that linear layer.
Writer = Callable[[str, int, int], Tensors]


def ceil(a: int, b: int) -> int:
    """a / b rounded up."""
    return -(-a // b)


def linears() -> Iterator[tuple[str, int, int]]:
    """Every linear layer a quantizer converts: (module, outputs, inputs)."""
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        yield from [
            (p + "self_attn.q_proj", H, H),
            (p + "self_attn.k_proj", KV, H),
            (p + "self_attn.v_proj", KV, H),
            (p + "self_attn.o_proj", H, H),
            (p + "mlp.gate_proj", F, H),
            (p + "mlp.up_proj", F, H),
            (p + "mlp.down_proj", H, F),
        ]


def kept() -> Tensors:
    """What quantizers leave unquantized: embedding, norms, head."""
    tensors = {"model.embed_tokens.weight": ("BF16", [V, H])}
    for i in range(LAYERS):
        tensors |= {
            f"model.layers.{i}.input_layernorm.weight": ("BF16", [H]),
            f"model.layers.{i}.post_attention_layernorm.weight": ("BF16", [H]),
        }
    return tensors | {"model.norm.weight": ("BF16", [H]), "lm_head.weight": ("BF16", [V, H])}


def gptq(bits: int) -> Writer:
    """AutoGPTQ `QuantLinear` buffers: values packed along the input rows of an int32 qweight."""

    def write(m: str, out: int, inp: int) -> Tensors:
        return {
            f"{m}.qweight": ("I32", [inp * bits // 32, out]),
            f"{m}.qzeros": ("I32", [ceil(inp, GROUP), out * bits // 32]),
            f"{m}.scales": ("F16", [ceil(inp, GROUP), out]),
            f"{m}.g_idx": ("I32", [inp]),
        }

    return write


def awq_gemm(m: str, out: int, inp: int) -> Tensors:
    """AutoAWQ `WQLinear_GEMM`: 8 values per int32 along the output columns."""
    return {
        f"{m}.qweight": ("I32", [inp, out // 8]),
        f"{m}.qzeros": ("I32", [inp // GROUP, out // 8]),
        f"{m}.scales": ("F16", [inp // GROUP, out]),
    }


def awq_gemv(m: str, out: int, inp: int) -> Tensors:
    """AutoAWQ `WQLinear_GEMV`: (out, in / 8), zeros padded by calculate_zeros_width (4 here)."""
    width = ceil(ceil(inp // GROUP, 8), 4) * 4  # group size 32: a multiple of 4 int32s
    return {
        f"{m}.qweight": ("I32", [out, inp // 8]),
        f"{m}.qzeros": ("I32", [out, width]),
        f"{m}.scales": ("F16", [out, width * 8]),
    }


def compressed_w4(m: str, out: int, inp: int) -> Tensors:
    """compressed-tensors pack-quantized, asymmetric groups: zero points packed along out."""
    return {
        f"{m}.weight_packed": ("I32", [out, inp // 8]),
        f"{m}.weight_scale": ("BF16", [out, inp // GROUP]),
        f"{m}.weight_zero_point": ("I32", [ceil(out, 8), inp // GROUP]),
        f"{m}.weight_shape": ("I64", [2]),
    }


def compressed_fp8(m: str, out: int, inp: int) -> Tensors:
    """compressed-tensors float-quantized, static per-channel FP8: the whole weight in bytes."""
    return {
        f"{m}.weight": ("F8_E4M3", [out, inp]),
        f"{m}.weight_scale": ("BF16", [out, 1]),
        f"{m}.input_scale": ("BF16", [1]),
    }


def compressed_nvfp4(m: str, out: int, inp: int) -> Tensors:
    """compressed-tensors nvfp4-pack-quantized: two fp4 values a byte, an FP8 scale per 16."""
    return {
        f"{m}.weight_packed": ("U8", [out, inp // 2]),
        f"{m}.weight_scale": ("F8_E4M3", [out, inp // 16]),
        f"{m}.weight_global_scale": ("F32", [1]),
        f"{m}.input_global_scale": ("F32", [1]),
    }


def fp8_block(m: str, out: int, inp: int) -> Tensors:
    """DeepSeek-V3 / Qwen3-FP8: FP8 weight, one F32 inverse scale per 128 x 128 block."""
    return {
        f"{m}.weight": ("F8_E4M3", [out, inp]),
        f"{m}.weight_scale_inv": ("F32", [ceil(out, 128), ceil(inp, 128)]),
    }


def bnb4(double_quant: bool) -> Writer:
    """bitsandbytes `Linear4bit` state dict: two values a byte, per-64 absmax, the packed state."""

    def write(m: str, out: int, inp: int) -> Tensors:
        n, w = out * inp, f"{m}.weight"
        blocks = ceil(n, 64)
        tensors = {
            w: ("U8", [n // 2, 1]),
            f"{w}.quant_map": ("F32", [16]),
            f"{w}.quant_state.bitsandbytes__nf4": ("U8", [117]),
        }
        if double_quant:  # absmax itself quantized to uint8, in blocks of 256
            return tensors | {
                f"{w}.absmax": ("U8", [blocks]),
                f"{w}.nested_absmax": ("F32", [ceil(blocks, 256)]),
                f"{w}.nested_quant_map": ("F32", [256]),
            }
        return tensors | {f"{w}.absmax": ("F32", [blocks])}

    return write


def bnb8(m: str, out: int, inp: int) -> Tensors:
    """bitsandbytes `Linear8bitLt`: the int8 weight whole, one F32 scale per row, its format."""
    return {
        f"{m}.weight": ("I8", [out, inp]),
        f"{m}.SCB": ("F32", [out]),
        f"{m}.weight_format": ("U8", []),
    }


def compressed_config(fmt: str, bits: int, kind: str, strategy: str) -> dict[str, Any]:
    """A compressed-tensors quantization_config with one config group over every Linear."""
    weights = {
        "num_bits": bits,
        "type": kind,
        "strategy": strategy,
        "symmetric": False,
        "group_size": GROUP if strategy == "group" else None,
    }
    return {
        "quant_method": "compressed-tensors",
        "format": fmt,
        "ignore": ["lm_head"],
        "config_groups": {"group_0": {"targets": ["Linear"], "weights": weights}},
    }


#: scheme -> (writer, quantization_config, the label paramcalc gives it).
SCHEMES: dict[str, tuple[Writer, dict[str, Any], str]] = {
    "gptq-4bit": (
        gptq(4),
        {"quant_method": "gptq", "bits": 4, "group_size": GROUP, "desc_act": False, "sym": True},
        "gptq 4-bit",
    ),
    "gptq-8bit": (
        gptq(8),
        {"quant_method": "gptq", "bits": 8, "group_size": GROUP, "checkpoint_format": "gptq_v2"},
        "gptq 8-bit",
    ),
    "gptq-3bit": (gptq(3), {"quant_method": "gptq", "bits": 3, "group_size": GROUP}, "gptq 3-bit"),
    "awq-gemm": (
        awq_gemm,
        {
            "quant_method": "awq",
            "bits": 4,
            "group_size": GROUP,
            "zero_point": True,
            "version": "gemm",
        },
        "awq 4-bit",
    ),
    "awq-gemv": (
        awq_gemv,
        {"quant_method": "awq", "w_bit": 4, "q_group_size": GROUP, "version": "GEMV"},
        "awq 4-bit",
    ),
    "compressed-w4a16": (
        compressed_w4,
        compressed_config("pack-quantized", 4, "int", "group"),
        "compressed-tensors 4-bit",
    ),
    "compressed-fp8": (
        compressed_fp8,
        compressed_config("float-quantized", 8, "float", "channel"),
        "compressed-tensors 8-bit",
    ),
    "compressed-nvfp4": (
        compressed_nvfp4,
        compressed_config("nvfp4-pack-quantized", 4, "float", "tensor_group"),
        "compressed-tensors 4-bit",
    ),
    "fp8-block": (
        fp8_block,
        {
            "quant_method": "fp8",
            "fmt": "e4m3",
            "activation_scheme": "dynamic",
            "weight_block_size": [128, 128],
        },
        "fp8",
    ),
    "bnb-nf4-double": (
        bnb4(True),
        {
            "quant_method": "bitsandbytes",
            "load_in_4bit": True,
            "bnb_4bit_quant_type": "nf4",
            "bnb_4bit_use_double_quant": True,
        },
        "bitsandbytes",
    ),
    "bnb-fp4": (
        bnb4(False),
        {"quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": "fp4"},
        "bitsandbytes",
    ),
    "bnb-int8": (bnb8, {"quant_method": "bitsandbytes", "load_in_8bit": True}, "bitsandbytes"),
}


def quantized_tensors(writer: Writer) -> Tensors:
    """The whole checkpoint: every linear as the writer stores it, the rest kept."""
    tensors = kept()
    for module, out, inp in linears():
        tensors |= writer(module, out, inp)
    if writer is compressed_fp8:  # an FP8 KV cache stores one scale per attention
        for i in range(LAYERS):
            tensors |= {
                f"model.layers.{i}.self_attn.k_scale": ("F32", []),
                f"model.layers.{i}.self_attn.v_scale": ("F32", []),
            }
    return tensors


def elements(shape: list[int]) -> int:
    """Elements of a shape (1 for a scalar)."""
    n = 1
    for dim in shape:
        n *= dim
    return n


def data_bytes(tensors: Tensors) -> int:
    """Bytes of the tensors' data, from the table above."""
    return sum(DTYPE_BYTES[dtype] * elements(shape) for dtype, shape in tensors.values())


def write_model(
    folder: Path, tensors: Tensors, quantization: dict[str, Any] | None, nested: bool = False
) -> int:
    """config.json (with its quantization_config) and model.safetensors; the data bytes."""
    folder.mkdir()
    config = dict(CONFIG)
    if quantization is not None and nested:
        config["text_config"] = {"quantization_config": quantization}
    elif quantization is not None:
        config["quantization_config"] = quantization
    (folder / "config.json").write_text(json.dumps(config))
    header = write_safetensors(folder / "model.safetensors", tensors)
    return (folder / "model.safetensors").stat().st_size - 8 - header


def run_json(runner: CliRunner, *args: str) -> dict[str, Any]:
    """`paramcalc ARGS -f json`, parsed; it must exit 0."""
    result = runner.invoke(main, [*args, "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_the_config_counts_to_the_closed_form(runner: CliRunner, tmp_path: Path) -> None:
    """paramcalc's count of the config.json is the closed form: the figure every scheme must hit."""
    write_model(tmp_path / "plain", kept(), None)
    assert run_json(runner, "count", str(tmp_path / "plain"))["total"] == TOTAL == 90_432


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_each_scheme_counts_to_the_unquantized_total(
    runner: CliRunner, tmp_path: Path, scheme: str
) -> None:
    """Logical parameters equal the config's count, group by group; bytes fill the data section."""
    writer, quantization, label = SCHEMES[scheme]
    tensors = quantized_tensors(writer)
    folder = tmp_path / scheme
    section = write_model(folder, tensors, quantization)
    config = run_json(runner, "count", str(folder))
    data = run_json(runner, "count", str(folder), "--checkpoint")
    assert config["total"] == data["total"] == TOTAL
    assert data["groups"] == config["groups"] and data["towers"] == config["towers"]
    assert data["quantization"] == label and data["name"] == scheme
    stored = data["stored"]
    assert stored["bytes"] == section == data_bytes(tensors)
    assert sum(k["bytes"] for k in stored["by_kind"].values()) == section
    assert sum(d["bytes"] for d in stored["by_dtype"].values()) == section
    assert stored["tensors"] == len(tensors)
    assert stored["bytes_on_disk"] == (folder / "model.safetensors").stat().st_size
    header_elements = sum(elements(shape) for _, shape in tensors.values())
    assert stored["elements"] == header_elements != TOTAL  # what a header count would say


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_compare_agrees_with_each_quantized_checkpoint(
    runner: CliRunner, tmp_path: Path, scheme: str
) -> None:
    """`compare CONFIG CHECKPOINT` matches the logical tensors name by name: exit 0."""
    writer, quantization, _ = SCHEMES[scheme]
    folder = tmp_path / scheme
    write_model(folder, quantized_tensors(writer), quantization)
    result = runner.invoke(
        main,
        ["compare", str(folder / "config.json"), str(folder), "-f", "json"],
        catch_exceptions=False,
    )
    data = json.loads(result.stdout)
    assert result.exit_code == 0, data["differences"]
    assert data["total"] == {"architecture": TOTAL, "checkpoint": TOTAL}


def test_logical_tensors_are_typed_records(tmp_path: Path) -> None:
    """Each logical tensor has its transformers name, shape and the stored tensors that carry it."""
    from paramcalc.sources.logical import logical_view
    from paramcalc.sources.quantization import quantization_of
    from paramcalc.sources.safetensors import read_checkpoint

    def view(folder: Path, tensors: Tensors, quantization: dict[str, Any]) -> dict[str, Any]:
        write_model(folder, tensors, quantization)
        config = json.loads((folder / "config.json").read_text())
        found = logical_view(read_checkpoint(folder), quantization_of(config, "config.json"))
        return {t.name: t for t in found.tensors}

    k_proj = view(tmp_path / "gptq", quantized_tensors(gptq(4)), SCHEMES["gptq-4bit"][1])[
        "model.layers.0.self_attn.k_proj.weight"
    ]
    assert k_proj.shape == (KV, H) and not k_proj.flat
    assert {p.tensor.name.rsplit(".", 1)[1]: p.kind.value for p in k_proj.parts} == {
        "qweight": "packed",
        "qzeros": "zero_point",
        "scales": "scale",
        "g_idx": "index",
    }
    assert k_proj.nbytes == 4 * (H // 8 * KV) + 4 * (2 * KV // 8) + 2 * (2 * KV) + 4 * H
    down = view(tmp_path / "nf4", quantized_tensors(bnb4(True)), SCHEMES["bnb-nf4-double"][1])[
        "model.layers.1.mlp.down_proj.weight"
    ]
    assert down.flat and down.shape == (H * F,)  # bitsandbytes keeps the 2-D shape in its state


def test_quantization_config_under_text_config(runner: CliRunner, tmp_path: Path) -> None:
    """A multimodal config's quantization_config sits under text_config; it is read there."""
    folder = tmp_path / "nested"
    write_model(folder, quantized_tensors(awq_gemm), SCHEMES["awq-gemm"][1], nested=True)
    data = run_json(runner, "count", str(folder), "--checkpoint")
    assert data["total"] == TOTAL and data["quantization"] == "awq 4-bit"


def test_sharded_checkpoint_with_an_index(runner: CliRunner, tmp_path: Path) -> None:
    """GPTQ shards behind an index: every shard's header, one count; bytes of both sections."""
    tensors = quantized_tensors(gptq(4))
    write_model(tmp_path / "m", {}, SCHEMES["gptq-4bit"][1])
    (tmp_path / "m" / "model.safetensors").unlink()
    names = list(tensors)
    shards = {
        "model-00001-of-00002.safetensors": names[::2],
        "model-00002-of-00002.safetensors": names[1::2],
    }
    section = 0
    for shard, members in shards.items():
        header = write_safetensors(tmp_path / "m" / shard, {n: tensors[n] for n in members})
        section += (tmp_path / "m" / shard).stat().st_size - 8 - header
    weight_map = {n: shard for shard, members in shards.items() for n in members}
    (tmp_path / "m" / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": section}, "weight_map": weight_map})
    )
    data = run_json(runner, "count", str(tmp_path / "m" / "model.safetensors.index.json"))
    assert data["total"] == TOTAL and data["stored"]["bytes"] == section == data_bytes(tensors)
    assert data["name"] == "m" and len(data["files"]) == 2


def test_buffers_and_activation_scales_are_stored_bytes_not_parameters(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Rotary tables and DeepSeek's router correction are buffers: listed, not counted."""
    tensors = quantized_tensors(gptq(4)) | {
        "model.layers.0.self_attn.rotary_emb.inv_freq": ("F32", [8]),
        "model.layers.1.mlp.gate.e_score_correction_bias": ("F32", [16]),
    }
    write_model(tmp_path / "m", tensors, SCHEMES["gptq-4bit"][1])
    data = run_json(runner, "count", str(tmp_path / "m"), "--checkpoint")
    assert data["total"] == TOTAL
    assert data["buffers"] == [
        "model.layers.0.self_attn.rotary_emb.inv_freq",
        "model.layers.1.mlp.gate.e_score_correction_bias",
    ]
    assert data["stored"]["by_kind"]["buffer"] == {"tensors": 2, "elements": 24, "bytes": 96}


def test_table_and_tensor_view(runner: CliRunner, tmp_path: Path) -> None:
    """The table names the scheme and the kinds; --layers lists each logical tensor's parts."""
    write_model(tmp_path / "awq", quantized_tensors(awq_gemm), SCHEMES["awq-gemm"][1])
    out = runner.invoke(
        main, ["count", str(tmp_path / "awq"), "--checkpoint", "--layers"], catch_exceptions=False
    ).stdout
    assert f"{TOTAL:,} parameters" in out and "awq 4-bit" in out
    assert "stored, per kind" in out and "zero_point" in out
    markdown = runner.invoke(
        main,
        ["count", str(tmp_path / "awq"), "--checkpoint", "--layers", "-f", "markdown"],
        catch_exceptions=False,
    ).stdout
    assert (
        "| model.layers.0.self_attn.q_proj.weight | attention | 64 x 64 | 4,096 | "
        "I32 packed + I32 zero_point + F16 scale |"
    ) in markdown
    data = run_json(runner, "count", str(tmp_path / "awq"), "--checkpoint", "--layers")
    q = next(t for t in data["tensors"] if t["name"] == "model.layers.0.self_attn.q_proj.weight")
    assert q["shape"] == [H, H] and q["size"] == H * H
    assert [s["kind"] for s in q["stored"]] == ["packed", "zero_point", "scale"]


# -- MXFP4: gpt-oss's layout (paramcalc reads no gpt_oss config.json yet) ----------------------

E, I_EXPERT = 4, 64  # experts, expert width


def gpt_oss(mxfp4: bool) -> Tensors:
    """GptOssForCausalLM's tensors: fused expert projections, stored dequantized or as MXFP4."""
    head_dim = H // HEADS
    tensors = {"model.embed_tokens.weight": ("BF16", [V, H])}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        tensors |= {
            p + "input_layernorm.weight": ("BF16", [H]),
            p + "post_attention_layernorm.weight": ("BF16", [H]),
            p + "self_attn.q_proj.weight": ("BF16", [HEADS * head_dim, H]),
            p + "self_attn.q_proj.bias": ("BF16", [HEADS * head_dim]),
            p + "self_attn.k_proj.weight": ("BF16", [KV, H]),
            p + "self_attn.k_proj.bias": ("BF16", [KV]),
            p + "self_attn.v_proj.weight": ("BF16", [KV, H]),
            p + "self_attn.v_proj.bias": ("BF16", [KV]),
            p + "self_attn.o_proj.weight": ("BF16", [H, HEADS * head_dim]),
            p + "self_attn.o_proj.bias": ("BF16", [H]),
            p + "self_attn.sinks": ("BF16", [HEADS]),
            p + "mlp.router.weight": ("BF16", [E, H]),
            p + "mlp.router.bias": ("BF16", [E]),
            p + "mlp.experts.gate_up_proj_bias": ("BF16", [E, 2 * I_EXPERT]),
            p + "mlp.experts.down_proj_bias": ("BF16", [E, H]),
        }
        x = p + "mlp.experts."
        if mxfp4:  # blocks (E, out, in / 32, 16): 32 fp4 values a block; one scale a block
            tensors |= {
                x + "gate_up_proj_blocks": ("U8", [E, 2 * I_EXPERT, H // 32, 16]),
                x + "gate_up_proj_scales": ("U8", [E, 2 * I_EXPERT, H // 32]),
                x + "down_proj_blocks": ("U8", [E, H, I_EXPERT // 32, 16]),
                x + "down_proj_scales": ("U8", [E, H, I_EXPERT // 32]),
            }
        else:  # transformers' GptOssExperts: (E, in, out)
            tensors |= {
                x + "gate_up_proj": ("BF16", [E, H, 2 * I_EXPERT]),
                x + "down_proj": ("BF16", [E, I_EXPERT, H]),
            }
    return tensors | {"model.norm.weight": ("BF16", [H]), "lm_head.weight": ("BF16", [V, H])}


#: Embedding and head; per layer attention with biases and sinks, router, E fused experts with
#: biases, two norms; the final norm.
GPT_OSS_TOTAL = (
    2 * V * H
    + H
    + LAYERS
    * (
        (H * H + H) * 2
        + (KV * H + KV) * 2
        + HEADS
        + E * H
        + E
        + E * (H * 2 * I_EXPERT + 2 * I_EXPERT + I_EXPERT * H + H)
        + 2 * H
    )
)


def test_mxfp4_counts_like_the_dequantized_model(runner: CliRunner, tmp_path: Path) -> None:
    """gpt-oss MXFP4 blocks count to the dequantized checkpoint and the closed form, shape too."""
    quantization = {
        "quant_method": "mxfp4",
        "modules_to_not_convert": [
            "model.layers.*.self_attn",
            "model.layers.*.mlp.router",
            "model.embed_tokens",
            "lm_head",
        ],
    }
    tensors = gpt_oss(mxfp4=True)
    section = write_model(tmp_path / "mxfp4", tensors, quantization)
    write_model(tmp_path / "bf16", gpt_oss(mxfp4=False), None)
    packed = run_json(runner, "count", str(tmp_path / "mxfp4"), "--checkpoint", "--layers")
    plain = run_json(runner, "count", str(tmp_path / "bf16"), "--checkpoint", "--layers")
    assert packed["total"] == plain["total"] == GPT_OSS_TOTAL
    assert packed["groups"] == plain["groups"] and packed["quantization"] == "mxfp4"
    assert packed["stored"]["bytes"] == section == data_bytes(tensors)
    shapes = {t["name"]: t["shape"] for t in plain["tensors"]}
    assert {t["name"]: t["shape"] for t in packed["tensors"]} == shapes
    assert shapes["model.layers.0.mlp.experts.gate_up_proj"] == [E, H, 2 * I_EXPERT]


# -- bad quantized input: one line, exit 2 ------------------------------------------------------


@pytest.mark.parametrize(
    ("quantization", "writer", "fragments"),
    [
        (None, gptq(4), ("qweight", "no quantization_config")),
        (
            {"quant_method": "gptq", "bits": 4},
            awq_gemm,
            ("gptq 4-bit", "is quantization_config right"),
        ),
        ({"quant_method": "hqq"}, gptq(4), ("quantization_config.quant_method", "'hqq'", "gptq")),
        ({"quant_method": "gptq", "bits": 16}, gptq(4), ("quantization_config.bits", "1 to 8")),
        (
            {"quant_method": "awq", "bits": 4, "version": "gemv_fast"},
            awq_gemm,
            ("quantization_config.version", "'gemv_fast'"),
        ),
        (
            {"quant_method": "compressed-tensors", "config_groups": {}},
            compressed_w4,
            ("weight_packed", "bit width"),
        ),
    ],
)
def test_a_wrong_or_missing_quantization_config_is_one_line(
    runner: CliRunner,
    tmp_path: Path,
    quantization: dict[str, Any] | None,
    writer: Writer,
    fragments: tuple[str, ...],
) -> None:
    """Packed tensors the config cannot explain are bad input: exit 2, one line, no output."""
    write_model(tmp_path / "m", quantized_tensors(writer), quantization)
    result = runner.invoke(main, ["count", str(tmp_path / "m"), "--checkpoint"])
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
