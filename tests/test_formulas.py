"""Closed-form group formulas, written here independently of the calculator's enumeration.

Each formula is the textbook count of one architecture family (nanoGPT's transformer_sizing,
the Llama and Mixtral papers' layer definitions, T5's and BERT's modules), evaluated on
real shapes and compared with `count` group by group.
"""

from __future__ import annotations

from paramcalc.calculator import Group, count
from paramcalc.schema import Architecture


def groups_of(arch: Architecture) -> dict[str, int]:
    """The calculator's groups keyed by name."""
    return {g.value: n for g, n in count(arch).groups.items()}


def llama_formula(V: int, d: int, L: int, h: int, kv: int, f: int, tied: bool) -> dict[str, int]:
    """Llama: RMSNorm twice a block plus a final one; SwiGLU FFN; no biases."""
    hd = d // h
    return {
        "embedding": V * d,
        "attention": L * (2 * d * h * hd + 2 * d * kv * hd),
        "feedforward": L * 3 * d * f,
        "norm": L * 2 * d + d,
        "output": 0 if tied else V * d,
    }


def test_llama_2_7b_closed_form() -> None:
    """Llama-2-7B: 32 x 4096, MHA, FFN 11008, untied -> 6,738,415,616 (Touvron et al. 2023)."""
    arch = Architecture(
        vocab_size=32000,
        hidden_size=4096,
        num_hidden_layers=32,
        num_attention_heads=32,
        intermediate_size=11008,
    )
    expected = llama_formula(32000, 4096, 32, 32, 32, 11008, tied=False)
    assert groups_of(arch) == expected
    assert sum(expected.values()) == 6_738_415_616


def test_gqa_with_ffn_ratio_rounding() -> None:
    """GQA (8 KV heads) and an FFN from ratio 8/3 rounded up to 256: Llama's 11008 rule."""
    arch = Architecture(
        vocab_size=1000,
        hidden_size=4096,
        num_hidden_layers=2,
        num_attention_heads=32,
        num_key_value_heads=8,
        ffn_ratio="8/3",
        multiple_of=256,
        tie_word_embeddings=True,
    )
    # int(8/3 * 4096) = 10922, rounded up to a multiple of 256 = 11008.
    assert groups_of(arch) == llama_formula(1000, 4096, 2, 32, 8, 11008, tied=True)


def test_gpt2_closed_form() -> None:
    """GPT-2 small (nanoGPT transformer_sizing): biases everywhere, learned positions, tied."""
    V, P, d, L = 50257, 1024, 768, 12
    arch = Architecture(
        vocab_size=V,
        hidden_size=d,
        num_hidden_layers=L,
        num_attention_heads=12,
        ffn_ratio=4,
        gated_ffn=False,
        max_position_embeddings=P,
        position_embedding_type="learned",
        tie_word_embeddings=True,
        qkv_bias=True,
        attention_out_bias=True,
        ffn_bias=True,
        norm_type="layernorm",
    )
    expected = {
        "embedding": V * d + P * d,
        "attention": L * ((d * 3 * d + 3 * d) + (d * d + d)),
        "feedforward": L * ((d * 4 * d + 4 * d) + (4 * d * d + d)),
        "norm": L * 2 * (2 * d) + 2 * d,
        "output": 0,
    }
    assert groups_of(arch) == expected
    assert sum(expected.values()) == 124_439_808


def test_mixture_of_experts_total_and_active() -> None:
    """Mixtral-style MoE: router d x E; E experts of 3 d f; a token uses k of them."""
    V, d, L, E, k, f = 32000, 4096, 32, 8, 2, 14336
    arch = Architecture(
        vocab_size=V,
        hidden_size=d,
        num_hidden_layers=L,
        num_attention_heads=32,
        num_key_value_heads=8,
        intermediate_size=f,
        num_experts=E,
        num_experts_per_tok=k,
    )
    b = count(arch)
    assert b.groups[Group.FEEDFORWARD] == L * (d * E + E * 3 * d * f)
    assert b.total - b.active == L * (E - k) * 3 * d * f
    assert b.active == 12_879_925_248  # Mixtral's "12.9B active" (Jiang et al. 2024)


def test_t5_small_closed_form() -> None:
    """T5-small: encoder/decoder, cross-attention, one bias table per stack, RMS norms."""
    V, d, L, h, dkv, f, buckets = 32128, 512, 6, 8, 64, 2048, 32
    arch = Architecture(
        vocab_size=V,
        hidden_size=d,
        num_hidden_layers=L,
        num_attention_heads=h,
        head_dim=dkv,
        intermediate_size=f,
        gated_ffn=False,
        position_embedding_type="relative",
        is_encoder_decoder=True,
        relative_attention_num_buckets=buckets,
        tie_word_embeddings=True,
    )
    attention = 4 * d * h * dkv
    expected = {
        "embedding": V * d,
        "attention": L * attention + L * 2 * attention + 2 * buckets * h,
        "feedforward": 2 * L * 2 * d * f,
        "norm": (L * 2 * d + d) + (L * 3 * d + d),
        "output": 0,
    }
    assert groups_of(arch) == expected
    assert sum(expected.values()) == 60_506_624


def test_bert_base_closed_form() -> None:
    """BERT-base as AutoModel: post-norm, token types, embedding norm, pooler, no LM head."""
    V, P, T, d, L, f = 30522, 512, 2, 768, 12, 3072
    arch = Architecture(
        vocab_size=V,
        hidden_size=d,
        num_hidden_layers=L,
        num_attention_heads=12,
        intermediate_size=f,
        gated_ffn=False,
        max_position_embeddings=P,
        position_embedding_type="learned",
        type_vocab_size=T,
        qkv_bias=True,
        attention_out_bias=True,
        ffn_bias=True,
        norm_type="layernorm",
        attention_input_norm=False,
        attention_output_norm=True,
        ffn_input_norm=False,
        ffn_output_norm=True,
        final_norm=False,
        embedding_norm=True,
        lm_head=False,
        pooler=True,
    )
    expected = {
        "embedding": (V + P + T) * d,
        "attention": L * 4 * (d * d + d),
        "feedforward": L * (d * f + f + f * d + d),
        "norm": L * 2 * 2 * d + 2 * d,
        "output": d * d + d,
    }
    assert groups_of(arch) == expected
    assert sum(expected.values()) == 109_482_240


def test_mla_deepseek_v2_lite_attention() -> None:
    """DeepSeek-V2-Lite MLA (q_lora_rank null): q_proj, kv down/up, latent norm, o_proj."""
    d, h, nope, rope, v, rank, L = 2048, 16, 128, 64, 128, 512, 27
    arch = Architecture(
        vocab_size=102400,
        hidden_size=d,
        num_hidden_layers=L,
        num_attention_heads=h,
        intermediate_size=10944,
        kv_lora_rank=rank,
        qk_nope_head_dim=nope,
        qk_rope_head_dim=rope,
        v_head_dim=v,
    )
    per_layer = d * h * (nope + rope) + d * (rank + rope) + rank * h * (nope + v) + h * v * d
    assert count(arch).groups[Group.ATTENTION] == L * per_layer == 371_589_120


def test_tied_head_is_counted_once_and_its_bias_stays_in_output() -> None:
    """Tying removes exactly V x d; a head bias is still the head's own parameter."""
    base = dict(
        vocab_size=100,
        hidden_size=64,
        num_hidden_layers=1,
        num_attention_heads=4,
        intermediate_size=128,
        lm_head_bias=True,
    )
    untied = count(Architecture(**base))
    tied = count(Architecture(**base, tie_word_embeddings=True))
    assert untied.total - tied.total == 100 * 64
    assert tied.groups[Group.OUTPUT] == 100
