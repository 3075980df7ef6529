"""A GGUF file's architecture: its metadata read as the config.json of a transformers family.

llama.cpp's converter writes a model's config under `{arch}.*` keys (`llama.block_count`,
`llama.attention.head_count_kv`, ...); the tensors say the rest (biases, a tied head when
`output` is absent, which layers hold experts). The config goes through the family records
like any config.json, and the architecture's tensors are then compared, name by name, with the
file's (llama.cpp names mapped to transformers'): an architecture that does not count to the
file's tensors is an error, never a silently different number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from paramcalc.errors import InputError, describe
from paramcalc.schema import Loaded
from paramcalc.sources.gguf import GGUFFile, LongArray
from paramcalc.sources.safetensors import Checkpoint, StoredTensor

if TYPE_CHECKING:
    from paramcalc.calculator import Breakdown
    from paramcalc.compare import Comparison

#: llama.cpp architecture -> transformers model_type (a Llama file with experts is Mixtral).
MODEL_TYPES = {
    "llama": "llama",
    "qwen2": "qwen2",
    "qwen3": "qwen3",
    "qwen2moe": "qwen2_moe",
    "qwen3moe": "qwen3_moe",
    "phi3": "phi3",
    "gemma": "gemma",
    "gemma2": "gemma2",
    "gemma3": "gemma3_text",
    "deepseek2": "deepseek_v2",
}
#: Multi-head latent attention: llama.cpp describes it as MQA over the latent (head_count_kv 1,
#: key_length kv_lora_rank + rope), its real head widths under `*_mla` keys.
MLA = ("deepseek2",)
#: llama.cpp tensor names -> transformers' (Llama's layout; per-family changes below).
NAMES: tuple[tuple[str, str], ...] = (
    (r"^token_embd\.", "model.embed_tokens."),
    (r"^output_norm\.", "model.norm."),
    (r"^output\.", "lm_head."),
    (r"^blk\.(\d+)\.attn_norm\.", r"model.layers.\1.input_layernorm."),
    (r"^blk\.(\d+)\.attn_(q|k|v)\.", r"model.layers.\1.self_attn.\2_proj."),
    (r"^blk\.(\d+)\.attn_output\.", r"model.layers.\1.self_attn.o_proj."),
    (r"^blk\.(\d+)\.attn_qkv\.", r"model.layers.\1.self_attn.qkv_proj."),
    (r"^blk\.(\d+)\.attn_(q|k)_norm\.", r"model.layers.\1.self_attn.\2_norm."),
    (r"^blk\.(\d+)\.ffn_norm\.", r"model.layers.\1.post_attention_layernorm."),
    (r"^blk\.(\d+)\.ffn_(gate|up|down)\.", r"model.layers.\1.mlp.\2_proj."),
    (r"^blk\.(\d+)\.ffn_gate_inp\.", r"model.layers.\1.mlp.gate."),
    # transformers stacks the experts' gate and up projections in one tensor, without `.weight`
    (r"^blk\.(\d+)\.ffn_(gate|up)_exps\.weight$", r"model.layers.\1.mlp.experts.gate_up_proj"),
    (r"^blk\.(\d+)\.ffn_down_exps\.weight$", r"model.layers.\1.mlp.experts.down_proj"),
    (r"^blk\.(\d+)\.ffn_(gate|up|down)_shexp\.", r"model.layers.\1.mlp.shared_expert.\2_proj."),
    (r"^blk\.(\d+)\.ffn_gate_inp_shexp\.", r"model.layers.\1.mlp.shared_expert_gate."),
)
#: Gemma 2 and 3 norm after the mixer and around the feed-forward.
GEMMA_NAMES = (
    (r"^blk\.(\d+)\.post_attention_norm\.", r"model.layers.\1.post_attention_layernorm."),
    (r"^blk\.(\d+)\.ffn_norm\.", r"model.layers.\1.pre_feedforward_layernorm."),
    (r"^blk\.(\d+)\.post_ffw_norm\.", r"model.layers.\1.post_feedforward_layernorm."),
)
#: Phi-3 stores gate and up as one tensor: llama.cpp's `ffn_up` is transformers' `gate_up_proj`.
PHI3_NAMES = ((r"^blk\.(\d+)\.ffn_up\.", r"model.layers.\1.mlp.gate_up_proj."),)
#: DeepSeek's MLA; newer converters split `kv_b_proj` into `attn_k_b` and `attn_v_b`.
DEEPSEEK_NAMES = (
    (r"^blk\.(\d+)\.attn_q_a\.", r"model.layers.\1.self_attn.q_a_proj."),
    (r"^blk\.(\d+)\.attn_q_a_norm\.", r"model.layers.\1.self_attn.q_a_layernorm."),
    (r"^blk\.(\d+)\.attn_q_b\.", r"model.layers.\1.self_attn.q_b_proj."),
    (r"^blk\.(\d+)\.attn_kv_a_mqa\.", r"model.layers.\1.self_attn.kv_a_proj_with_mqa."),
    (r"^blk\.(\d+)\.attn_kv_a_norm\.", r"model.layers.\1.self_attn.kv_a_layernorm."),
    (r"^blk\.(\d+)\.attn_(kv|k|v)_b\.", r"model.layers.\1.self_attn.kv_b_proj."),
    (r"^blk\.(\d+)\.ffn_(gate|up|down)_shexp\.", r"model.layers.\1.mlp.shared_experts.\2_proj."),
)
FAMILY_NAMES = {
    "gemma2": GEMMA_NAMES,
    "gemma3": GEMMA_NAMES,
    "phi3": PHI3_NAMES,
    "deepseek2": DEEPSEEK_NAMES,
}


def transformers_name(name: str, arch: str) -> str:
    """The transformers name of a llama.cpp tensor (itself when no rule fits)."""
    for pattern, replacement in (*FAMILY_NAMES.get(arch, ()), *NAMES):
        renamed, n = re.subn(pattern, replacement, name)
        if n:
            return renamed
    return name


def as_checkpoint(file: GGUFFile) -> Checkpoint:
    """The file's parameter tensors under transformers' names, for `compare`."""
    from paramcalc.gguf_count import group_of
    from paramcalc.naming import BUFFER

    arch = file.architecture
    tensors = tuple(
        StoredTensor(transformers_name(t.name, arch), t.type.name, t.shape, file.where)
        for t in file.tensors
        if group_of(t.name) != BUFFER
    )
    return Checkpoint(file.where, (file.where,), tensors, file.file_bytes)


def compare_gguf(breakdown: Breakdown, file: GGUFFile) -> Comparison:
    """Compare an architecture with a GGUF file; the file's side keeps llama.cpp's names."""
    from dataclasses import replace

    from paramcalc.compare import compare

    result = compare(breakdown, as_checkpoint(file))
    names: dict[str, list[str]] = {}
    for t in file.tensors:
        names.setdefault(transformers_name(t.name, file.architecture), []).append(t.name)

    def gguf_name(name: str) -> str:
        return " + ".join(names.get(name, [])) or name

    result.differences = [
        replace(d, stored_name=gguf_name(d.stored_name)) for d in result.differences
    ]
    result.explained = [replace(e, name=gguf_name(e.name)) for e in result.explained]
    return result


class Metadata:
    """`{arch}.*` keys of one file, read as the types the config needs."""

    def __init__(self, file: GGUFFile) -> None:
        self.file, self.arch = file, file.architecture
        self.names = {t.name for t in file.tensors}

    def key(self, key: str) -> str:
        """The full metadata key of an architecture key."""
        return f"{self.arch}.{key}"

    def get(self, key: str) -> Any:
        """A count (or a per-layer list that repeats one count), None when absent."""
        name = self.key(key)
        value = self.file.metadata.get(name)
        if isinstance(value, list) and value and len(set(value)) == 1:
            value = value[0]
        if value is None:
            return None
        if isinstance(value, (list, LongArray)):
            raise InputError(
                self.file.where,
                f"differs from layer to layer ({describe(value)}); paramcalc reads one value "
                "for every layer of this architecture",
                name,
            )
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputError(self.file.where, f"expected an integer, got {describe(value)}", name)
        return value

    def require(self, key: str) -> int:
        """A count the architecture cannot do without."""
        value = self.get(key)
        if value is None:
            raise InputError(self.file.where, "is missing", self.key(key))
        return int(value)

    def has(self, tensor: str) -> bool:
        """Whether any block stores `tensor` (`attn_q.bias`)."""
        return any(n.endswith(f".{tensor}") and n.startswith("blk.") for n in self.names)

    def vocab_size(self) -> int:
        """The embedding's rows; the token list's length when the embedding is not stored."""
        embedding = next((t for t in self.file.tensors if t.name == "token_embd.weight"), None)
        if embedding is not None:
            return embedding.shape[0]
        tokens = self.file.metadata.get("tokenizer.ggml.tokens")
        if isinstance(tokens, (list, LongArray)):
            return len(tokens) if isinstance(tokens, list) else tokens.length
        return self.require("vocab_size")


def config_of(file: GGUFFile) -> dict[str, Any]:
    """The config.json of a GGUF file's model, from its metadata and tensor names."""
    m = Metadata(file)
    if m.arch not in MODEL_TYPES:
        raise InputError(
            file.where,
            f"llama.cpp architecture {m.arch!r} has no transformers family here (convert, "
            f"compare and memory read {', '.join(MODEL_TYPES)}; count reads any)",
            "general.architecture",
        )
    config: dict[str, Any] = {
        "model_type": MODEL_TYPES[m.arch],
        "vocab_size": m.vocab_size(),
        "hidden_size": m.require("embedding_length"),
        "num_hidden_layers": m.require("block_count"),
        "num_attention_heads": m.require("attention.head_count"),
        "tie_word_embeddings": "output.weight" not in m.names,
    }
    optional = {
        "intermediate_size": "feed_forward_length",
        "max_position_embeddings": "context_length",
        "sliding_window": "attention.sliding_window",
    }
    config.update({k: v for k, gguf in optional.items() if (v := m.get(gguf)) is not None})
    if m.arch not in MLA:
        config.update(heads(m, config))
    config.update(EXTRAS.get(m.arch, no_extras)(m, config))
    return config


def heads(m: Metadata, config: dict[str, Any]) -> dict[str, Any]:
    """KV heads and one head width: key_length, or llama.cpp's width / heads without it (a
    family's own default may differ: Qwen3's is 128)."""
    found: dict[str, Any] = {
        "head_dim": m.get("attention.key_length")
        or config["hidden_size"] // max(config["num_attention_heads"], 1)
    }
    if (kv := m.get("attention.head_count_kv")) is not None:
        found["num_key_value_heads"] = kv
    value_length = m.get("attention.value_length")
    if value_length is not None and value_length != found["head_dim"]:
        raise InputError(
            m.file.where,
            f"{value_length} differs from attention.key_length {found['head_dim']}; "
            f"{config['model_type']} has one head_dim",
            m.key("attention.value_length"),
        )
    return found


def no_extras(m: Metadata, config: dict[str, Any]) -> dict[str, Any]:
    """Nothing beyond the common keys (Qwen2, Phi-3, the Gemmas)."""
    return {}


def llama_extras(m: Metadata, config: dict[str, Any]) -> dict[str, Any]:
    """Biases from the tensors; a Llama file with experts is Mixtral."""
    extras: dict[str, Any] = {
        "attention_bias": m.has("attn_q.bias"),
        "mlp_bias": m.has("ffn_up.bias"),
    }
    if m.get("expert_count"):
        extras = {
            "model_type": "mixtral",
            "num_local_experts": m.require("expert_count"),
            "num_experts_per_tok": m.require("expert_used_count"),
        }
    return extras


def qwen3_extras(m: Metadata, config: dict[str, Any]) -> dict[str, Any]:
    """Qwen3's optional attention biases, from the tensors."""
    return {"attention_bias": m.has("attn_q.bias")}


def moe_extras(m: Metadata, config: dict[str, Any]) -> dict[str, Any]:
    """Qwen2-MoE and Qwen3-MoE: expert sizes, and the layers that hold a dense MLP instead."""
    layers = config["num_hidden_layers"]
    extras: dict[str, Any] = {
        "num_experts": m.require("expert_count"),
        "num_experts_per_tok": m.require("expert_used_count"),
        "moe_intermediate_size": m.require("expert_feed_forward_length"),
        "decoder_sparse_step": 1,
        "mlp_only_layers": [
            i for i in range(layers) if f"blk.{i}.ffn_gate_inp.weight" not in m.names
        ],
    }
    if m.arch == "qwen2moe":
        extras["shared_expert_intermediate_size"] = m.require("expert_shared_feed_forward_length")
    else:
        extras["attention_bias"] = m.has("attn_q.bias")
    return extras


def deepseek_extras(m: Metadata, config: dict[str, Any]) -> dict[str, Any]:
    """DeepSeek-V2/V3: MLA ranks and head widths, shared experts, the leading dense layers.

    A router score correction (`exp_probs_b`, sigmoid gating) makes it V3; the shapes agree.
    """
    rope = m.require("rope.dimension_count")
    key = m.get("attention.key_length_mla") or m.require("attention.key_length")
    value = m.get("attention.value_length_mla") or m.require("attention.value_length")
    return {
        "model_type": "deepseek_v3" if m.has("exp_probs_b.bias") else "deepseek_v2",
        "num_key_value_heads": config["num_attention_heads"],
        "q_lora_rank": m.get("attention.q_lora_rank"),
        "kv_lora_rank": m.require("attention.kv_lora_rank"),
        "qk_rope_head_dim": rope,
        "qk_nope_head_dim": key - rope,
        "v_head_dim": value,
        "n_routed_experts": m.require("expert_count"),
        "num_experts_per_tok": m.require("expert_used_count"),
        "n_shared_experts": m.get("expert_shared_count") or 0,
        "moe_intermediate_size": m.require("expert_feed_forward_length"),
        "first_k_dense_replace": m.get("leading_dense_block_count") or 0,
    }


EXTRAS: Mapping[str, Callable[[Metadata, dict[str, Any]], dict[str, Any]]] = {
    "llama": llama_extras,
    "qwen3": qwen3_extras,
    "qwen2moe": moe_extras,
    "qwen3moe": moe_extras,
    "deepseek2": deepseek_extras,
}


def architecture(file: GGUFFile, name: str, overrides: Mapping[str, Any]) -> Loaded:
    """The architecture of a GGUF file, checked to count to its tensors; `--set` changes the
    config's keys after that check."""
    from paramcalc.calculator import count
    from paramcalc.sources.hf import from_config

    config = config_of(file)
    arch = from_config(config, file.where, name, {})
    result = compare_gguf(count(arch), file)
    if not result.ok:
        raise InputError(
            file.where,
            f"the {config['model_type']} architecture its metadata describes does not count "
            f"to its tensors ({first_difference(result)}); `paramcalc count` still counts "
            "the file",
        )
    return from_config(config, file.where, name, overrides) if overrides else arch


def first_difference(result: Comparison) -> str:
    """The first tensor the architecture and the file disagree on, by its GGUF name."""
    if not result.differences:
        return "the group totals differ"
    d = result.differences[0]
    name = d.stored_name or d.name
    if d.reason == "missing":
        return f"the architecture has {d.name} ({d.expected:,}), the file no such tensor"
    if d.reason == "extra":
        return f"{name} ({d.stored:,}) is not in the architecture"
    return f"{name} holds {d.stored:,} elements, the architecture {d.expected:,}"
