"""Checkpoint tensor names: which group each belongs to, and paramcalc's path for each.

Checkpoints name tensors after the modules of the model class that saved them. Two tables
read those names: PATTERNS sorts a name into a group (first match wins), and STYLES map
paramcalc's enumeration paths (`blocks.3.attention.q_proj.weight`) to a family's names
(`model.layers.3.self_attn.q_proj.weight`). A name no pattern knows is `unknown`, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BUFFER = "buffer"
UNKNOWN = "unknown"

#: Buffers some checkpoints store beside the parameters: GPT-2's causal mask (`attn.bias`) and
#: its masked-fill value (`attn.masked_bias`), rotary frequency tables, BERT's position ids, a
#: router's score correction (a buffer in DeepSeek-V3; a parameter that a family's architecture
#: then lists by name in ERNIE 4.5 MoE and Laguna, and a listed name is matched first).
BUFFERS = re.compile(
    r"(^|\.)(attn\.(bias|masked_bias)|rotary_emb\.inv_freq|inv_freq"
    r"|position_ids|e_score_correction_bias)$"
)

#: (pattern over the module path, group), first match wins: norms before the blocks that hold
#: them (BERT's `attention.output.LayerNorm`, Qwen3's `self_attn.q_norm`).
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), group)
    for pattern, group in (
        (r"(^|\.)[^.]*norm[^.]*\.", "norm"),  # every family's *norm*
        (r"(^|\.)ln_[a-z0-9]+\.", "norm"),  # GPT-2 ln_1/ln_f, Falcon ln_attn
        (r"(^|\.)(lm_head|embed_out|pooler|cls)\.", "output"),  # heads; BERT pooler, MLM head
        (
            r"(^|\.)(embed_tokens|embed_positions|embed_in|wte|wpe|word_embeddings"
            r"|position_embeddings|token_type_embeddings|shared|project_in|project_out)\.",
            "embedding",
        ),  # OPT: project_in/out too
        (
            r"(^|\.)(self_attn|attn|attention|self_attention|selfattention|encdecattention"
            r"|cross_attn|encoder_attn|crossattention)\.",
            "attention",
        ),
        (
            r"(^|\.)(mlp|experts|shared_experts?|block_sparse_moe|intermediate|output"
            r"|densereludense|ffn|feed_forward|fc1|fc2)\.",
            "feedforward",
        ),
    )
)


def classify(name: str) -> str:
    """The group of a stored tensor, `buffer` for a known buffer, `unknown` when no pattern fits."""
    if BUFFERS.search(name):
        return BUFFER
    for pattern, group in PATTERNS:
        if pattern.search(name):
            return group
    return UNKNOWN


@dataclass(frozen=True)
class Style:
    """One family's naming: prefixes its names may carry, and paramcalc path -> name rules."""

    name: str
    prefixes: tuple[str, ...]
    rules: tuple[tuple[re.Pattern[str], str], ...]

    def checkpoint_name(self, path: str) -> str | None:
        """The family's name (without prefix) for a paramcalc path, or None if no rule fits."""
        for pattern, replacement in self.rules:
            if pattern.match(path):
                return pattern.sub(replacement, path, count=1)
        return None

    def strip(self, name: str) -> str:
        """A stored name without the model-class prefix (`model.`, `transformer.`)."""
        for prefix in self.prefixes:
            if name.startswith(prefix):
                return name[len(prefix) :]
        return name


def rules(*pairs: tuple[str, str]) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Compile (paramcalc path pattern, family name) pairs."""
    return tuple((re.compile(pattern), replacement) for pattern, replacement in pairs)


B = r"^blocks\.(\d+)\."
LLAMA_FFN = (B + r"ffn\.router\.", r"layers.\1.mlp.gate."), (B + r"ffn\.", r"layers.\1.mlp.")
LLAMA = rules(
    (r"^embedding\.tokens\.", "embed_tokens."),
    (B + r"attention_input_norm\.", r"layers.\1.input_layernorm."),
    (B + r"attention\.", r"layers.\1.self_attn."),
    (B + r"ffn_input_norm\.", r"layers.\1.post_attention_layernorm."),
    (r"^final_norm\.", "norm."),
    (r"^lm_head\.", "lm_head."),
)
#: Gemma 2/3 and OLMo 2 norm the attention output as `post_attention_layernorm`.
POST_NORM = rules(
    (B + r"attention_output_norm\.", r"layers.\1.post_attention_layernorm."),
    (B + r"ffn_input_norm\.", r"layers.\1.pre_feedforward_layernorm."),
    (B + r"ffn_output_norm\.", r"layers.\1.post_feedforward_layernorm."),
)
#: Mixtral keeps Mistral's MoE names: `block_sparse_moe.gate`, experts `w1` (gate), `w3` (up),
#: `w2` (down).
MIXTRAL = rules(
    (B + r"ffn\.router\.", r"layers.\1.block_sparse_moe.gate."),
    (B + r"ffn\.experts\.(\d+)\.gate_proj\.", r"layers.\1.block_sparse_moe.experts.\2.w1."),
    (B + r"ffn\.experts\.(\d+)\.up_proj\.", r"layers.\1.block_sparse_moe.experts.\2.w3."),
    (B + r"ffn\.experts\.(\d+)\.down_proj\.", r"layers.\1.block_sparse_moe.experts.\2.w2."),
)
#: DeepSeek calls its shared expert MLP `shared_experts`.
DEEPSEEK = rules((B + r"ffn\.shared_expert\.", r"layers.\1.mlp.shared_experts."))
#: GPT-2 fuses q, k and v into one Conv1D `c_attn` (so three paths name one stored tensor).
GPT2 = rules(
    (r"^embedding\.tokens\.", "wte."),
    (r"^embedding\.positions\.", "wpe."),
    (B + r"attention_input_norm\.", r"h.\1.ln_1."),
    (B + r"attention\.[qkv]_proj\.", r"h.\1.attn.c_attn."),
    (B + r"attention\.o_proj\.", r"h.\1.attn.c_proj."),
    (B + r"ffn_input_norm\.", r"h.\1.ln_2."),
    (B + r"ffn\.up_proj\.", r"h.\1.mlp.c_fc."),
    (B + r"ffn\.down_proj\.", r"h.\1.mlp.c_proj."),
    (r"^final_norm\.", "ln_f."),
    (r"^lm_head\.", "lm_head."),
)


def detect_style(names: list[str], post_norm: bool) -> Style | None:
    """The naming a checkpoint follows, read from its names; None when it is none of these."""
    joined = "\n".join(names)
    if re.search(r"(^|\.)h\.\d+\.attn\.c_attn\.", joined, re.MULTILINE):
        return Style("gpt2", ("transformer.",), GPT2)
    if not re.search(r"(^|\.)layers\.\d+\.self_attn\.", joined, re.MULTILINE):
        return None
    extra: tuple[tuple[re.Pattern[str], str], ...] = POST_NORM if post_norm else ()
    if ".block_sparse_moe." in joined:
        return Style("mixtral", ("model.",), extra + MIXTRAL + rules(*LLAMA_FFN) + LLAMA)
    if ".shared_experts." in joined:
        extra += DEEPSEEK
    return Style("llama", ("model.",), extra + rules(*LLAMA_FFN) + LLAMA)
