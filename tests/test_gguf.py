"""GGUF files as llama.cpp's own `gguf` package writes them: exact counts, bytes per type, the
architecture from the metadata, and hostile headers refused in one line.

Each model below is written with `gguf.GGUFWriter` (quantized tensors as raw block bytes of
several GGML types), and its count is checked against a closed form written here; the bytes
of each type against the package's `GGML_QUANT_SIZES`; `convert` must give an architecture
that counts the same, and `compare` must agree with the file.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from paramcalc.cli import main
from paramcalc.sources.ggml_types import GGML_TYPES
from paramcalc.sources.gguf import read_gguf

gguf = pytest.importorskip("gguf")
Q = gguf.GGMLQuantizationType


def run(*args: str) -> Result:
    """Run paramcalc; anything but a clean exit propagates as an exception."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def one_error(result: Result, *fragments: str) -> str:
    """Exit 2, nothing on stdout, one error line holding every fragment."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("paramcalc: error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@dataclass
class Spec:
    """A model to write: its llama.cpp architecture, metadata and tensors (row-major shapes)."""

    arch: str
    metadata: dict[str, int]
    tensors: list[tuple[str, tuple[int, ...], Any]] = field(default_factory=list)
    groups: dict[str, int] = field(default_factory=dict)
    """The closed-form count of each group."""

    def add(self, name: str, shape: tuple[int, ...], qtype: Any = None) -> None:
        self.tensors.append((name, shape, Q.F32 if qtype is None else qtype))

    @property
    def total(self) -> int:
        return sum(self.groups.values())


def write(spec: Spec, path: Path, vocab: int, file_type: Any = None, **options: Any) -> Path:
    """Write `spec` as a GGUF file; quantized tensors as zero bytes of whole blocks."""
    import numpy as np

    for name, shape, qtype in spec.tensors:  # the writer would silently drop a partial block
        assert shape[-1] % gguf.GGML_QUANT_SIZES[qtype][0] == 0, name

    w = gguf.GGUFWriter(str(path), spec.arch, **options)
    if file_type is not None:
        w.add_file_type(file_type)
    for key, value in spec.metadata.items():
        if isinstance(value, list):
            w.add_array(f"{spec.arch}.{key}", value)
        else:
            w.add_uint32(f"{spec.arch}.{key}", value)
    w.add_token_list([f"t{i}" for i in range(vocab)])
    for name, shape, qtype in spec.tensors:
        if qtype == Q.F32:
            w.add_tensor(name, np.zeros(shape, np.float32))
        else:
            block, size = gguf.GGML_QUANT_SIZES[qtype]
            raw = np.zeros((*shape[:-1], shape[-1] // block * size), np.uint8)
            w.add_tensor(name, raw, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


V, H = 512, 256


def llama() -> Spec:
    """Llama with grouped KV heads, an untied head and Llama 3's rotary factors (a buffer)."""
    layers, heads, kv, d, inter = 2, 4, 2, 64, 512
    s = Spec(
        "llama",
        {
            "block_count": layers,
            "embedding_length": H,
            "feed_forward_length": inter,
            "attention.head_count": heads,
            "attention.head_count_kv": [kv] * layers,
            "context_length": 2048,
        },
    )
    s.add("token_embd.weight", (V, H), Q.Q4_K)
    s.add("rope_freqs.weight", (d // 2,))
    for i in range(layers):
        s.add(f"blk.{i}.attn_norm.weight", (H,))
        s.add(f"blk.{i}.attn_q.weight", (heads * d, H), Q.Q8_0)
        s.add(f"blk.{i}.attn_k.weight", (kv * d, H), Q.Q5_K)
        s.add(f"blk.{i}.attn_v.weight", (kv * d, H), Q.Q6_K)
        s.add(f"blk.{i}.attn_output.weight", (H, heads * d), Q.IQ4_XS)
        s.add(f"blk.{i}.ffn_norm.weight", (H,))
        s.add(f"blk.{i}.ffn_gate.weight", (inter, H), Q.Q2_K)
        s.add(f"blk.{i}.ffn_up.weight", (inter, H), Q.TQ1_0)
        s.add(f"blk.{i}.ffn_down.weight", (H, inter), Q.IQ1_S)
    s.add("output_norm.weight", (H,))
    s.add("output.weight", (V, H), Q.Q6_K)
    s.groups = {
        "embedding": V * H,
        "attention": layers * (2 * H * heads * d + 2 * H * kv * d),
        "feedforward": layers * 3 * H * inter,
        "norm": layers * 2 * H + H,
        "output": V * H,
    }
    return s


def qwen3moe() -> Spec:
    """Qwen3-MoE: routed experts stacked per layer, a router, q/k norms, a tied head."""
    layers, heads, kv, d, experts, used, moe = 2, 4, 2, 128, 8, 2, 256
    s = Spec(
        "qwen3moe",
        {
            "block_count": layers,
            "embedding_length": H,
            "feed_forward_length": 768,
            "attention.head_count": heads,
            "attention.head_count_kv": kv,
            "attention.key_length": d,
            "attention.value_length": d,
            "expert_count": experts,
            "expert_used_count": used,
            "expert_feed_forward_length": moe,
        },
    )
    s.add("token_embd.weight", (V, H), Q.Q8_0)
    for i in range(layers):
        s.add(f"blk.{i}.attn_norm.weight", (H,))
        s.add(f"blk.{i}.attn_q.weight", (heads * d, H), Q.Q4_0)
        s.add(f"blk.{i}.attn_k.weight", (kv * d, H), Q.Q4_1)
        s.add(f"blk.{i}.attn_v.weight", (kv * d, H), Q.Q5_0)
        s.add(f"blk.{i}.attn_output.weight", (H, heads * d), Q.Q5_1)
        s.add(f"blk.{i}.attn_q_norm.weight", (d,))
        s.add(f"blk.{i}.attn_k_norm.weight", (d,))
        s.add(f"blk.{i}.ffn_norm.weight", (H,))
        s.add(f"blk.{i}.ffn_gate_inp.weight", (experts, H))
        s.add(f"blk.{i}.ffn_gate_exps.weight", (experts, moe, H), Q.IQ2_XXS)
        s.add(f"blk.{i}.ffn_up_exps.weight", (experts, moe, H), Q.IQ3_S)
        s.add(f"blk.{i}.ffn_down_exps.weight", (experts, H, moe), Q.IQ4_NL)
    s.add("output_norm.weight", (H,))
    s.groups = {
        "embedding": V * H,
        "attention": layers * (2 * H * heads * d + 2 * H * kv * d),
        "feedforward": layers * (experts * H + experts * 3 * H * moe),
        "norm": layers * (2 * H + 2 * d) + H,
        "output": 0,
    }
    return s


def qwen2moe() -> Spec:
    """Qwen2-MoE: qkv biases, routed experts and a gated shared expert."""
    layers, heads, experts, used, moe, shared = 2, 4, 4, 2, 256, 512
    d = H // heads
    s = Spec(
        "qwen2moe",
        {
            "block_count": layers,
            "embedding_length": H,
            "feed_forward_length": 1024,
            "attention.head_count": heads,
            "attention.head_count_kv": heads,
            "expert_count": experts,
            "expert_used_count": used,
            "expert_feed_forward_length": moe,
            "expert_shared_feed_forward_length": shared,
        },
    )
    s.add("token_embd.weight", (V, H), Q.Q3_K)
    for i in range(layers):
        s.add(f"blk.{i}.attn_norm.weight", (H,))
        for p in "qkv":
            s.add(f"blk.{i}.attn_{p}.weight", (heads * d, H), Q.BF16)
            s.add(f"blk.{i}.attn_{p}.bias", (heads * d,))
        s.add(f"blk.{i}.attn_output.weight", (H, heads * d), Q.F16)
        s.add(f"blk.{i}.ffn_norm.weight", (H,))
        s.add(f"blk.{i}.ffn_gate_inp.weight", (experts, H))
        s.add(f"blk.{i}.ffn_gate_exps.weight", (experts, moe, H), Q.IQ2_XS)
        s.add(f"blk.{i}.ffn_up_exps.weight", (experts, moe, H), Q.IQ2_S)
        s.add(f"blk.{i}.ffn_down_exps.weight", (experts, H, moe), Q.IQ3_XXS)
        s.add(f"blk.{i}.ffn_gate_inp_shexp.weight", (H,))
        s.add(f"blk.{i}.ffn_gate_shexp.weight", (shared, H), Q.Q4_K)
        s.add(f"blk.{i}.ffn_up_shexp.weight", (shared, H), Q.Q5_K)
        s.add(f"blk.{i}.ffn_down_shexp.weight", (H, shared), Q.Q8_K)
    s.add("output_norm.weight", (H,))
    s.add("output.weight", (V, H), Q.IQ1_M)
    s.groups = {
        "embedding": V * H,
        "attention": layers * (4 * H * H + 3 * H),
        "feedforward": layers * (experts * H + experts * 3 * H * moe + H + 3 * H * shared),
        "norm": layers * 2 * H + H,
        "output": V * H,
    }
    return s


def phi3() -> Spec:
    """Phi-3: q, k and v fused in `attn_qkv`, gate and up fused in `ffn_up`."""
    layers, heads, kv, inter = 2, 4, 2, 512
    d = H // heads
    s = Spec(
        "phi3",
        {
            "block_count": layers,
            "embedding_length": H,
            "feed_forward_length": inter,
            "attention.head_count": heads,
            "attention.head_count_kv": kv,
            "context_length": 4096,
        },
    )
    s.add("token_embd.weight", (V, H), Q.TQ2_0)
    for i in range(layers):
        s.add(f"blk.{i}.attn_norm.weight", (H,))
        s.add(f"blk.{i}.attn_qkv.weight", ((heads + 2 * kv) * d, H), Q.Q8_0)
        s.add(f"blk.{i}.attn_output.weight", (H, heads * d), Q.Q4_K)
        s.add(f"blk.{i}.ffn_norm.weight", (H,))
        s.add(f"blk.{i}.ffn_up.weight", (2 * inter, H), Q.Q6_K)
        s.add(f"blk.{i}.ffn_down.weight", (H, inter), Q.Q5_K)
    s.add("output_norm.weight", (H,))
    s.add("output.weight", (V, H), Q.Q2_K)
    s.groups = {
        "embedding": V * H,
        "attention": layers * ((heads + 2 * kv) * d * H + H * heads * d),
        "feedforward": layers * 3 * H * inter,
        "norm": layers * 2 * H + H,
        "output": V * H,
    }
    return s


def gemma3() -> Spec:
    """Gemma 3 (text): four norms a block, q/k norms, a head_dim apart from width / heads, tied."""
    layers, heads, kv, d, inter = 2, 4, 1, 128, 512
    s = Spec(
        "gemma3",
        {
            "block_count": layers,
            "embedding_length": H,
            "feed_forward_length": inter,
            "attention.head_count": heads,
            "attention.head_count_kv": kv,
            "attention.key_length": d,
            "attention.value_length": d,
            "attention.sliding_window": 512,
            "context_length": 8192,
        },
    )
    s.add("token_embd.weight", (V, H), Q.Q8_0)
    for i in range(layers):
        s.add(f"blk.{i}.attn_norm.weight", (H,))
        s.add(f"blk.{i}.attn_q.weight", (heads * d, H), Q.Q4_0)
        s.add(f"blk.{i}.attn_k.weight", (kv * d, H), Q.Q8_0)
        s.add(f"blk.{i}.attn_v.weight", (kv * d, H), Q.Q8_0)
        s.add(f"blk.{i}.attn_output.weight", (H, heads * d), Q.Q4_0)
        s.add(f"blk.{i}.attn_q_norm.weight", (d,))
        s.add(f"blk.{i}.attn_k_norm.weight", (d,))
        s.add(f"blk.{i}.post_attention_norm.weight", (H,))
        s.add(f"blk.{i}.ffn_norm.weight", (H,))
        s.add(f"blk.{i}.ffn_gate.weight", (inter, H), Q.Q4_0)
        s.add(f"blk.{i}.ffn_up.weight", (inter, H), Q.Q4_0)
        s.add(f"blk.{i}.ffn_down.weight", (H, inter), Q.Q6_K)
        s.add(f"blk.{i}.post_ffw_norm.weight", (H,))
    s.add("output_norm.weight", (H,))
    s.groups = {
        "embedding": V * H,
        "attention": layers * (2 * H * heads * d + 2 * H * kv * d),
        "feedforward": layers * 3 * H * inter,
        "norm": layers * (4 * H + 2 * d) + H,
        "output": 0,
    }
    return s


def deepseek2() -> Spec:
    """DeepSeek-V3 as llama.cpp writes it: MLA as MQA over the latent (its real widths under
    `*_mla`), kv_b split into `attn_k_b` and `attn_v_b`, a dense first layer, then routed and
    shared experts and the router's score correction (a buffer)."""
    layers, heads, q_lora, kv_lora, rope, nope, v = 3, 4, 64, 64, 32, 32, 32
    experts, used, shared, moe, inter = 4, 2, 2, 128, 512
    s = Spec(
        "deepseek2",
        {
            "block_count": layers,
            "embedding_length": H,
            "feed_forward_length": inter,
            "attention.head_count": heads,
            "attention.head_count_kv": 1,
            "attention.q_lora_rank": q_lora,
            "attention.kv_lora_rank": kv_lora,
            "attention.key_length": kv_lora + rope,
            "attention.value_length": kv_lora,
            "attention.key_length_mla": nope + rope,
            "attention.value_length_mla": v,
            "rope.dimension_count": rope,
            "leading_dense_block_count": 1,
            "expert_count": experts,
            "expert_used_count": used,
            "expert_shared_count": shared,
            "expert_feed_forward_length": moe,
        },
    )
    s.add("token_embd.weight", (V, H), Q.Q4_K)
    for i in range(layers):
        s.add(f"blk.{i}.attn_norm.weight", (H,))
        s.add(f"blk.{i}.attn_q_a.weight", (q_lora, H), Q.Q8_0)
        s.add(f"blk.{i}.attn_q_a_norm.weight", (q_lora,))
        s.add(f"blk.{i}.attn_q_b.weight", (heads * (nope + rope), q_lora), Q.Q8_0)
        s.add(f"blk.{i}.attn_kv_a_mqa.weight", (kv_lora + rope, H), Q.Q6_K)
        s.add(f"blk.{i}.attn_kv_a_norm.weight", (kv_lora,))
        s.add(f"blk.{i}.attn_k_b.weight", (heads, kv_lora, nope), Q.Q8_0)
        s.add(f"blk.{i}.attn_v_b.weight", (heads, v, kv_lora), Q.Q8_0)
        s.add(f"blk.{i}.attn_output.weight", (H, heads * v), Q.Q5_1)
        s.add(f"blk.{i}.ffn_norm.weight", (H,))
        if i == 0:
            for p in ("gate", "up"):
                s.add(f"blk.{i}.ffn_{p}.weight", (inter, H), Q.Q4_K)
            s.add(f"blk.{i}.ffn_down.weight", (H, inter), Q.Q6_K)
            continue
        s.add(f"blk.{i}.ffn_gate_inp.weight", (experts, H))
        s.add(f"blk.{i}.exp_probs_b.bias", (experts,))
        s.add(f"blk.{i}.ffn_gate_exps.weight", (experts, moe, H), Q.IQ2_XXS)
        s.add(f"blk.{i}.ffn_up_exps.weight", (experts, moe, H), Q.IQ2_XXS)
        s.add(f"blk.{i}.ffn_down_exps.weight", (experts, H, moe), Q.IQ4_NL)
        s.add(f"blk.{i}.ffn_gate_shexp.weight", (shared * moe, H), Q.Q4_K)
        s.add(f"blk.{i}.ffn_up_shexp.weight", (shared * moe, H), Q.Q4_K)
        s.add(f"blk.{i}.ffn_down_shexp.weight", (H, shared * moe), Q.Q6_K)
    s.add("output_norm.weight", (H,))
    s.add("output.weight", (V, H), Q.Q6_K)
    attention = (
        H * q_lora
        + q_lora * heads * (nope + rope)
        + H * (kv_lora + rope)
        + kv_lora * heads * (nope + v)
        + heads * v * H
    )
    moe_layer = experts * H + experts * 3 * H * moe + 3 * H * shared * moe
    s.groups = {
        "embedding": V * H,
        "attention": layers * attention,
        "feedforward": 3 * H * inter + (layers - 1) * moe_layer,
        "norm": layers * (2 * H + q_lora + kv_lora) + H,
        "output": V * H,
    }
    return s


def deepseek2_lite() -> Spec:
    """DeepSeek-V2-Lite as older converters wrote it: no q LoRA (`attn_q`), `attn_kv_b` whole,
    the real head widths under key_length and value_length, no score correction (V2)."""
    s = deepseek2()
    heads, kv_lora, rope, nope, v, q_lora = 4, 64, 32, 32, 32, 64
    s.tensors = [
        t
        for t in s.tensors
        if not any(k in t[0] for k in ("attn_q_", "attn_k_b", "attn_v_b", "exp_probs_b"))
    ]
    for i in range(3):
        s.add(f"blk.{i}.attn_q.weight", (heads * (nope + rope), H), Q.Q8_0)
        s.add(f"blk.{i}.attn_kv_b.weight", (heads * (nope + v), kv_lora), Q.Q8_0)
    for key in ("attention.q_lora_rank", "attention.key_length_mla", "attention.value_length_mla"):
        del s.metadata[key]
    s.metadata.update({"attention.key_length": nope + rope, "attention.value_length": v})
    s.groups["attention"] += 3 * (H * heads * (nope + rope) - H * q_lora - q_lora * heads * 64)
    s.groups["norm"] -= 3 * q_lora
    return s


def changed(base: Callable[[], Spec], arch: str, drop: tuple[str, ...] = ()) -> Spec:
    """`base` as another architecture, without the tensors named in `drop`."""
    s = base()
    s.arch, s.tensors = arch, [t for t in s.tensors if t[0] not in drop]
    return s


def qwen2() -> Spec:
    """Qwen2: Llama's layout with q, k and v biases and a tied head."""
    s = changed(llama, "qwen2", ("rope_freqs.weight", "output.weight"))
    for i in range(2):
        for p, width in (("q", 4 * 64), ("k", 2 * 64), ("v", 2 * 64)):
            s.add(f"blk.{i}.attn_{p}.bias", (width,))
    s.groups["attention"] += 2 * (4 + 2 + 2) * 64
    s.groups["output"] = 0
    return s


def qwen3() -> Spec:
    """Qwen3 without key_length: llama.cpp's head width (width / heads), not Qwen3's 128."""
    s = changed(llama, "qwen3", ("rope_freqs.weight",))
    for i in range(2):
        s.add(f"blk.{i}.attn_q_norm.weight", (64,))
        s.add(f"blk.{i}.attn_k_norm.weight", (64,))
    s.groups["norm"] += 2 * 2 * 64
    return s


def gemma() -> Spec:
    """Gemma: Llama's layout, always tied, its head width from key_length."""
    s = changed(llama, "gemma", ("rope_freqs.weight", "output.weight"))
    s.metadata["attention.key_length"] = 64
    s.groups["output"] = 0
    return s


def gemma2() -> Spec:
    """Gemma 2: Gemma 3's four norms a block, no q/k norms."""
    drop = tuple(f"blk.{i}.attn_{p}_norm.weight" for i in range(2) for p in "qk")
    s = changed(gemma3, "gemma2", drop)
    s.groups["norm"] -= 2 * 2 * 128
    return s


def mixtral() -> Spec:
    """A Llama file with experts (Mixtral): a router and stacked experts for each MLP."""
    drop = tuple(f"blk.{i}.ffn_{p}.weight" for i in range(2) for p in ("gate", "up", "down"))
    s = changed(llama, "llama", drop)
    experts, inter = 4, 512
    s.metadata.update({"expert_count": experts, "expert_used_count": 2})
    for i in range(2):
        s.add(f"blk.{i}.ffn_gate_inp.weight", (experts, H))
        s.add(f"blk.{i}.ffn_gate_exps.weight", (experts, inter, H), Q.Q4_K)
        s.add(f"blk.{i}.ffn_up_exps.weight", (experts, inter, H), Q.Q3_K)
        s.add(f"blk.{i}.ffn_down_exps.weight", (experts, H, inter), Q.Q6_K)
    s.groups["feedforward"] = 2 * (experts * H + experts * 3 * H * inter)
    return s


SPECS: dict[str, Callable[[], Spec]] = {
    "llama": llama,
    "qwen2": qwen2,
    "qwen3": qwen3,
    "mixtral": mixtral,
    "qwen3moe": qwen3moe,
    "qwen2moe": qwen2moe,
    "deepseek2": deepseek2,
    "deepseek2-lite": deepseek2_lite,
    "phi3": phi3,
    "gemma": gemma,
    "gemma2": gemma2,
    "gemma3": gemma3,
}


@pytest.fixture(params=list(SPECS))
def model(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Spec, Path]:
    spec = SPECS[request.param]()
    return spec, write(spec, tmp_path / f"{spec.arch}.gguf", V)


def data(*args: str) -> Any:
    result = run(*args, "-f", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_count_is_the_closed_form_by_group(model: tuple[Spec, Path]) -> None:
    """Every tensor's elements, by group from llama.cpp's names; buffers apart."""
    spec, path = model
    out = data("count", str(path))
    assert out["groups"] == spec.groups
    assert out["total"] == spec.total
    assert out["towers"] == {"text": {"total": spec.total, "groups": spec.groups}}
    assert out["unknown"] == []
    buffers = [n for n, _, _ in spec.tensors if n == "rope_freqs.weight" or "exp_probs_b" in n]
    assert out["buffers"] == buffers


def test_bytes_per_type_follow_the_packages_block_sizes(model: tuple[Spec, Path]) -> None:
    """Bytes of each GGML type: elements / block size x type size, as gguf's table says."""
    spec, path = model
    stored = data("count", str(path))["stored"]
    expected: dict[str, list[int]] = {}
    for _, shape, qtype in spec.tensors:
        block, size = gguf.GGML_QUANT_SIZES[qtype]
        n = 1
        for d in shape:
            n *= d
        tally = expected.setdefault(qtype.name, [0, 0, 0])
        tally[0], tally[1], tally[2] = tally[0] + 1, tally[1] + n, tally[2] + n // block * size
    got = {k: [v["tensors"], v["elements"], v["bytes"]] for k, v in stored["by_type"].items()}
    assert got == expected
    for name, t in stored["by_type"].items():
        block, size = gguf.GGML_QUANT_SIZES[Q[name]]
        assert t["bits_per_weight"] == round(size * 8 / block, 4)
    assert stored["bytes"] == sum(b for _, _, b in expected.values())
    assert stored["bytes_on_disk"] == path.stat().st_size
    assert len(data("count", str(path), "--layers")["tensors"]) == len(spec.tensors)


def test_convert_round_trips_to_the_same_count(model: tuple[Spec, Path], tmp_path: Path) -> None:
    """The architecture the metadata describes counts the file's parameters, group by group."""
    spec, path = model
    out = tmp_path / "converted.yaml"
    assert run("convert", str(path), "-o", str(out)).exit_code == 0
    converted = data("count", str(out))
    assert converted["total"] == spec.total
    assert converted["groups"] == spec.groups
    assert run("check", str(out)).exit_code == 0
    assert data("count", str(path))["total"] == data("memory", str(path))["weights"]["parameters"]


def test_compare_agrees_both_ways(model: tuple[Spec, Path], tmp_path: Path) -> None:
    """A GGUF file as the architecture, as the checkpoint, and against its converted YAML."""
    spec, path = model
    yaml_file = tmp_path / "converted.yaml"
    run("convert", str(path), "-o", str(yaml_file))
    for config, checkpoint in ((path, path), (yaml_file, path)):
        result = run("compare", str(config), str(checkpoint), "-f", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["total"]["checkpoint"] == spec.total
    fewer = run("compare", str(path), str(path), "--set", "num_hidden_layers=1", "-f", "json")
    assert fewer.exit_code == 1
    differences = json.loads(fewer.stdout)["differences"]
    extra = {n for d in differences for n in d["checkpoint_name"].split(" + ")}  # experts
    later = {n for n, _, _ in spec.tensors if n.startswith("blk.") and not n.startswith("blk.0.")}
    assert extra == {n for n in later if "exp_probs_b" not in n}  # buffers are not compared


@pytest.mark.torch
def test_transformers_builds_the_same_tensors(model: tuple[Spec, Path]) -> None:
    """transformers, given the config read from the metadata, builds on the meta device the
    file's tensors under the mapped names, shape for shape (a stacked expert pair summed)."""
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from paramcalc.sources.gguf_arch import config_of, transformers_name

    spec, path = model
    file = read_gguf(path)
    no_tokens = {"pad_token_id": None, "bos_token_id": None, "eos_token_id": None}
    config = transformers.AutoConfig.for_model(**config_of(file), **no_tokens)
    with __import__("torch").device("meta"):
        built = transformers.AutoModelForCausalLM.from_config(config)
    want = {n: p.numel() for n, p in built.named_parameters()}
    got: dict[str, int] = {}
    for t in file.tensors:
        if t.name != "rope_freqs.weight" and "exp_probs_b" not in t.name:
            name = transformers_name(t.name, spec.arch)
            got[name] = got.get(name, 0) + t.size
    assert got == want


def test_quant_table_is_the_packages() -> None:
    """Every GGML type the package knows, paramcalc knows by the same id, name and block."""
    ours = {i: (t.name, t.block_size, t.type_size) for i, t in GGML_TYPES.items()}
    theirs = {int(k): (k.name, *v) for k, v in gguf.GGML_QUANT_SIZES.items()}
    assert {i: ours.get(i) for i in theirs} == theirs


def test_file_types_are_llama_cpps(tmp_path: Path) -> None:
    """`general.file_type` names llama.cpp's recipe, as the package's LlamaFileType does."""
    from paramcalc.gguf_count import FILE_TYPES

    for member in gguf.LlamaFileType:
        if member.name != "GUESSED":
            name = member.name.removeprefix("MOSTLY_").removeprefix("ALL_")
            assert FILE_TYPES[member.value] == name, member
    for file_type, label in ((gguf.LlamaFileType.MOSTLY_Q4_K_M, "Q4_K_M"), (5, None)):
        path = write(llama(), tmp_path / "typed.gguf", V, file_type=file_type)
        assert data("count", str(path))["quantization"] == label


def test_mmproj_file_is_vision_tower_and_projector(tmp_path: Path) -> None:
    """An mmproj file: `v.*` is the vision tower, `mm.*` the projector."""
    s = Spec("clip", {})
    width, patch, layers, inter, text = 128, 14, 2, 256, 512
    s.add("v.patch_embd.weight", (width, 3, patch, patch), Q.F16)
    s.add("v.patch_embd.bias", (width,))
    s.add("v.position_embd.weight", (64, width), Q.F16)
    for i in range(layers):
        s.add(f"v.blk.{i}.ln1.weight", (width,))
        s.add(f"v.blk.{i}.ln1.bias", (width,))
        for p in ("q", "k", "v", "out"):
            s.add(f"v.blk.{i}.attn_{p}.weight", (width, width), Q.Q8_0)
            s.add(f"v.blk.{i}.attn_{p}.bias", (width,))
        s.add(f"v.blk.{i}.ln2.weight", (width,))
        s.add(f"v.blk.{i}.ln2.bias", (width,))
        s.add(f"v.blk.{i}.ffn_up.weight", (inter, width), Q.Q8_0)
        s.add(f"v.blk.{i}.ffn_up.bias", (inter,))
        s.add(f"v.blk.{i}.ffn_down.weight", (width, inter), Q.Q8_0)
        s.add(f"v.blk.{i}.ffn_down.bias", (width,))
    s.add("v.post_ln.weight", (width,))
    s.add("v.post_ln.bias", (width,))
    s.add("mm.soft_emb_norm.weight", (width,))
    s.add("mm.input_projection.weight", (text, width), Q.F16)
    path = write(s, tmp_path / "mmproj.gguf", 0)
    vision = {
        "embedding": width * 3 * patch * patch + width + 64 * width,
        "attention": layers * 4 * (width * width + width),
        "feedforward": layers * (2 * inter * width + inter + width),
        "norm": layers * 4 * width + 2 * width,
        "output": 0,
    }
    projector = {"embedding": 0, "attention": 0, "feedforward": text * width, "norm": width}
    out = data("count", str(path))
    assert out["towers"] == {
        "vision": {"total": sum(vision.values()), "groups": vision},
        "projector": {"total": text * width + width, "groups": {**projector, "output": 0}},
    }
    one_error(run("convert", str(path)), "general.architecture", "'clip'")


def test_split_model_counts_from_any_split(tmp_path: Path) -> None:
    """A gguf-split model: every split's tensors, the first one's metadata, from any split."""
    spec = qwen3moe()
    write(spec, tmp_path / "big.gguf", V, split_max_tensors=7)
    splits = sorted(tmp_path.glob("big-*-of-*.gguf"))
    assert len(splits) == -(-len(spec.tensors) // 7)
    for split in (splits[0], splits[-1]):
        out = data("count", str(split))
        assert (out["name"], out["total"], out["groups"]) == ("big", spec.total, spec.groups)
        assert out["stored"]["bytes_on_disk"] == sum(p.stat().st_size for p in splits)
    converted = run("convert", str(splits[1]))
    assert f"expected_total: {spec.total}" in converted.stdout
    splits[1].unlink()
    one_error(run("count", str(splits[0])), "split.count", f"{splits[1].name} is not beside it")


def test_metadata_that_varies_by_layer_is_refused(tmp_path: Path) -> None:
    """Per-layer KV heads that differ cannot be one config value: an error naming the key."""
    spec = llama()
    spec.metadata["attention.head_count_kv"] = [2, 4]
    path = write(spec, tmp_path / "varied.gguf", V)
    assert data("count", str(path))["total"] == spec.total  # the tensors still count
    one_error(run("convert", str(path)), "llama.attention.head_count_kv", "layer to layer")


def test_metadata_that_does_not_match_the_tensors_is_refused(tmp_path: Path) -> None:
    """An architecture that would count differently from the file is an error, not a number."""
    spec = llama()
    spec.metadata["feed_forward_length"] = 1024
    path = write(spec, tmp_path / "wrong.gguf", V)
    one_error(run("convert", str(path)), "does not count to its tensors", "ffn_gate")


# Hostile headers, built byte by byte: each is one error line, exit 2, and quick.


def header(*parts: bytes, version: int = 3, tensors: int = 0, kvs: int = 0) -> bytes:
    return b"GGUF" + struct.pack("<IQQ", version, tensors, kvs) + b"".join(parts)


def string(text: str, length: int | None = None) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw) if length is None else length) + raw


def kv_u32(key: str, value: int) -> bytes:
    return string(key) + struct.pack("<II", 4, value)


def info(name: str, ne: list[int], type_id: int = 0, offset: int = 0, n_dims: int = -1) -> bytes:
    dims = len(ne) if n_dims < 0 else n_dims
    return string(name) + struct.pack(f"<I{len(ne)}QIQ", dims, *ne, type_id, offset)


PAD = b"\0" * 64
HOSTILE = {
    "bad magic": (b"GGML" + PAD, "not a GGUF file"),
    "version 1": (header(PAD, version=1), "version 1 is not 2 or 3"),
    "big-endian": (header(PAD, version=3 << 24), "big-endian"),
    "huge tensor count": (header(PAD, tensors=2**63), "cannot fit the file"),
    "huge metadata count": (header(PAD, kvs=2**60), "cannot fit the file"),
    "huge key length": (header(string("k", 2**62), PAD, kvs=1), "over the 65,535-byte limit"),
    "huge string value": (
        header(string("k"), struct.pack("<I", 8), string("x", 2**40), PAD, kvs=1),
        "over the 16,777,216-byte limit",
    ),
    "huge array": (
        header(string("k"), struct.pack("<IIQ", 9, 4, 2**61), PAD, kvs=1),
        "truncated",
    ),
    "huge string array": (
        header(string("k"), struct.pack("<IIQ", 9, 8, 2**40), PAD, kvs=1),
        "truncated",
    ),
    "long string array past the end": (
        header(string("k"), struct.pack("<IIQQ", 9, 8, 70_000, 2**40), PAD * 8800, kvs=1),
        "runs past the end of the file",
    ),
    "nested array": (header(string("k"), struct.pack("<IIQ", 9, 9, 1), PAD, kvs=1), "nested"),
    "unknown value type": (header(string("k"), struct.pack("<I", 13), PAD, kvs=1), "type 13"),
    "duplicate key": (header(kv_u32("a", 1), kv_u32("a", 2), PAD, kvs=2), "appears twice"),
    "bad utf-8 key": (header(struct.pack("<Q", 2) + b"\xff\xfe", PAD, kvs=1), "not UTF-8"),
    "five dims": (header(info("t", [1, 1, 1, 1, 1]), PAD, tensors=1), "5 dimensions"),
    "huge n_dims": (header(info("t", [], n_dims=2**32 - 1), PAD, tensors=1), "dimensions"),
    "unknown ggml type": (header(info("t", [32], type_id=4), PAD, tensors=1), "type id 4"),
    "overflow": (header(info("t", [2**32, 2**32], 0), PAD, tensors=1), "overflow"),
    "partial block": (header(info("t", [33], type_id=8), PAD, tensors=1), "whole Q8_0 blocks"),
    "bad offset": (header(info("t", [4], offset=8), PAD, tensors=1), "expected 0"),
    "data past the end": (header(info("t", [2**40]), PAD, tensors=1), "truncated"),
    "bad alignment": (header(kv_u32("general.alignment", 3), PAD, kvs=1), "power of two"),
    "empty": (b"", "truncated"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_header_is_one_line(case: str, tmp_path: Path) -> None:
    """Huge counts and lengths, bad magic, versions, types and shapes: exit 2, one line."""
    raw, fragment = HOSTILE[case]
    path = tmp_path / "bad.gguf"
    path.write_bytes(raw)
    one_error(run("count", str(path)), str(path), fragment)


def test_every_truncation_is_one_line(tmp_path: Path) -> None:
    """A valid file cut anywhere in its header (or its data) is an error, never a hang."""
    spec = phi3()
    whole = write(spec, tmp_path / "whole.gguf", 40).read_bytes()
    parsed = read_gguf(tmp_path / "whole.gguf")
    cut = tmp_path / "cut.gguf"
    for end in [*range(0, parsed.data_offset, 11), parsed.data_offset, len(whole) - 1]:
        cut.write_bytes(whole[:end])
        one_error(run("count", str(cut)), str(cut))


def test_unsupported_suffix_lists_gguf_and_safetensors(tmp_path: Path) -> None:
    """A file paramcalc cannot read says which ones it can."""
    path = tmp_path / "model.bin"
    path.write_bytes(b"\0")
    one_error(run("count", str(path)), ".gguf", ".safetensors")
