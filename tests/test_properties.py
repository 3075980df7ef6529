"""Properties of every valid architecture, over random ones drawn by hypothesis.

The strategy draws dense, grouped-query, mixture-of-experts, low-rank (MLA) and
encoder-decoder models with any mix of biases, norms, position schemes and tying. The
expected values here (head size, routed experts left out, the Llama closed form) are written
from the architectures' definitions, not read from the calculator.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paramcalc.calculator import Group, count
from paramcalc.cli import main
from paramcalc.dense import dense_formula_counts
from paramcalc.schema import Architecture, NormType, PositionType, QKNorm
from paramcalc.sources import load

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def divisors(n: int) -> list[int]:
    """Every positive divisor of n."""
    return [d for d in range(1, n + 1) if n % d == 0]


@st.composite
def attention_fields(draw: st.DrawFn, mla: bool) -> dict[str, Any]:
    """Heads, KV heads (MHA, GQA or MQA), width and head size, or MLA's low ranks."""
    heads = draw(st.integers(1, 8))
    fields: dict[str, Any] = {"num_attention_heads": heads}
    if mla:
        fields |= {
            "kv_lora_rank": draw(st.integers(1, 32)),
            "q_lora_rank": draw(st.none() | st.integers(1, 32)),
            "qk_nope_head_dim": draw(st.integers(1, 16)),
            "qk_rope_head_dim": draw(st.integers(1, 16)),
            "v_head_dim": draw(st.integers(1, 16)),
            "hidden_size": draw(st.integers(1, 128)),
        }
        return fields
    fields["num_key_value_heads"] = draw(st.sampled_from(divisors(heads)))
    if draw(st.booleans()):  # heads of their own width
        fields |= {"head_dim": draw(st.integers(1, 32)), "hidden_size": draw(st.integers(1, 128))}
    else:
        fields["hidden_size"] = heads * draw(st.integers(1, 16))
    return fields


@st.composite
def ffn_fields(draw: st.DrawFn) -> dict[str, Any]:
    """An FFN width given outright, by ratio (rounded to multiple_of), or by default ratio."""
    how = draw(st.sampled_from(["size", "ratio", "default"]))
    fields: dict[str, Any] = {"gated_ffn": draw(st.booleans()), "ffn_bias": draw(st.booleans())}
    if how == "size":
        fields["intermediate_size"] = draw(st.integers(1, 256))
    elif how == "ratio":
        fields["ffn_ratio"] = draw(st.sampled_from([4, 2, 2.5, "8/3", "3/2", "7/2"]))
    if how != "size":
        fields["multiple_of"] = draw(st.integers(1, 64))
    return fields


@st.composite
def moe_fields(draw: st.DrawFn, layers: int) -> dict[str, Any]:
    """Routed experts, top-k, shared expert, router bias, and which layers are dense."""
    experts = draw(st.integers(1, 8))
    return {
        "num_experts": experts,
        "num_experts_per_tok": draw(st.integers(1, experts)),
        "moe_intermediate_size": draw(st.none() | st.integers(1, 64)),
        "shared_expert_intermediate_size": draw(st.integers(0, 64)),
        "shared_expert_gate": draw(st.booleans()),
        "router_bias": draw(st.booleans()),
        "first_k_dense_replace": draw(st.integers(0, layers)),
        "moe_layer_freq": draw(st.integers(1, 3)),
        "mlp_only_layers": tuple(draw(st.sets(st.integers(0, layers - 1), max_size=2))),
    }


@st.composite
def position_fields(draw: st.DrawFn) -> dict[str, Any]:
    """A position scheme; a learned one with its table size and offset."""
    kind = draw(st.sampled_from(list(PositionType)))
    if kind is not PositionType.LEARNED:
        return {"position_embedding_type": kind.value}
    return {
        "position_embedding_type": kind.value,
        "max_position_embeddings": draw(st.integers(1, 512)),
        "position_offset": draw(st.integers(0, 2)),
    }


FLAGS = (
    "qkv_bias",
    "attention_out_bias",
    "lm_head_bias",
    "attention_input_norm",
    "attention_output_norm",
    "ffn_input_norm",
    "ffn_output_norm",
    "final_norm",
    "embedding_norm",
    "parallel_block",
    "tie_word_embeddings",
    "lm_head",
    "pooler",
)


@st.composite
def architectures(draw: st.DrawFn) -> Architecture:
    """A random valid architecture of any kind."""
    layers = draw(st.integers(1, 6))
    mla, moe, encoder_decoder = draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
    fields: dict[str, Any] = {
        "name": "random",
        "vocab_size": draw(st.integers(1, 4096)),
        "num_hidden_layers": layers,
    }
    fields |= draw(attention_fields(mla)) | draw(ffn_fields()) | draw(position_fields())
    fields |= {flag: draw(st.booleans()) for flag in FLAGS}
    fields |= {
        "norm_type": draw(st.sampled_from(list(NormType))).value,
        "qk_norm": draw(st.sampled_from(list(QKNorm))).value,
        "type_vocab_size": draw(st.integers(0, 2)),
        "embedding_size": draw(st.none() | st.integers(1, 128)),
    }
    if moe:
        fields |= draw(moe_fields(layers))
    if encoder_decoder:
        fields |= {
            "is_encoder_decoder": True,
            "num_decoder_layers": draw(st.none() | st.integers(1, 6)),
            "relative_attention_num_buckets": draw(st.integers(0, 32)),
        }
    return Architecture.model_validate(fields)


def changed(arch: Architecture, **fields: Any) -> Architecture:
    """The architecture with some fields replaced, validated again."""
    return Architecture.model_validate(arch.model_dump(exclude_defaults=True) | fields)


def routed_expert_size(arch: Architecture) -> int:
    """Parameters of one routed expert: two or three projections, with biases if any."""
    width, hidden = arch.expert_intermediate_size, arch.hidden_size
    ins = 2 if arch.gated_ffn else 1
    return ins * hidden * width + width * hidden + ((ins * width + hidden) if arch.ffn_bias else 0)


def moe_layer_count(arch: Architecture) -> int:
    """Layers with routed experts: DeepSeek's rule (first k dense, every freq-th), less
    mlp_only_layers; only the decoder of an encoder-decoder model routes."""
    depth = arch.decoder_layers if arch.is_encoder_decoder else arch.num_hidden_layers
    return sum(
        1
        for i in range(depth)
        if arch.num_experts
        and i >= arch.first_k_dense_replace
        and i % arch.moe_layer_freq == 0
        and i not in arch.mlp_only_layers
    )


@PROPERTY
@given(architectures())
def test_groups_and_tensors_sum_to_the_total(arch: Architecture) -> None:
    """The five groups add up to the total, and so does every enumerated tensor."""
    b = count(arch)
    assert set(b.groups) == set(Group)
    assert sum(b.groups.values()) == b.total
    assert sum(t.size for t in b.enumeration.tensors()) == b.total
    assert (
        sum(layer.total for layer in b.layers())
        + sum(t.size for t in b.enumeration.front + b.enumeration.back)
        == b.total
    )
    assert all(isinstance(n, int) and n >= 0 for n in b.groups.values())


@PROPERTY
@given(architectures())
def test_dense_formula_agrees_with_the_calculator(arch: Architecture) -> None:
    """The Keras-layer derivation gives the calculator's count in every group."""
    assert dense_formula_counts(count(arch)) == count(arch).groups


@PROPERTY
@given(architectures())
def test_active_is_total_less_the_unchosen_experts(arch: Architecture) -> None:
    """active = total - (E - k) x one routed expert x MoE layers (GROUPS.md); dense: equal."""
    b = count(arch)
    unchosen = arch.num_experts - arch.num_experts_per_tok
    assert b.active <= b.total
    assert b.total - b.active == unchosen * routed_expert_size(arch) * moe_layer_count(arch)


@PROPERTY
@given(architectures())
def test_untied_exceeds_tied_by_exactly_the_head(arch: Architecture) -> None:
    """Untying adds the vocab x embedding-width head (if the model has a head), nothing else."""
    tied = count(changed(arch, tie_word_embeddings=True))
    untied = count(changed(arch, tie_word_embeddings=False))
    head = arch.vocab_size * (arch.embedding_size or arch.hidden_size) if arch.lm_head else 0
    assert untied.total - tied.total == head
    assert untied.groups[Group.OUTPUT] - tied.groups[Group.OUTPUT] == head


@PROPERTY
@given(architectures())
def test_total_grows_with_layers_width_vocab_and_experts(arch: Architecture) -> None:
    """One more layer, a wider model (embedding width included) or a larger vocabulary adds
    parameters; an expert never removes any, and adds some wherever a layer routes."""
    total = count(arch).total
    deeper: dict[str, Any] = {"num_hidden_layers": arch.num_hidden_layers + 1}
    if arch.is_encoder_decoder:
        deeper["num_decoder_layers"] = arch.decoder_layers + 1
    assert count(changed(arch, **deeper)).total > total
    step = 1 if arch.head_dim or arch.uses_mla else arch.num_attention_heads
    wider: dict[str, Any] = {"hidden_size": arch.hidden_size + step}
    if arch.embedding_size:  # widen both, or projections between the two widths would vanish
        wider["embedding_size"] = arch.embedding_size + step
    assert count(changed(arch, **wider)).total > total
    assert count(changed(arch, vocab_size=arch.vocab_size + 1)).total > total
    if arch.num_experts:
        more = count(changed(arch, num_experts=arch.num_experts + 1)).total
        assert more > total if moe_layer_count(arch) else more == total


@PROPERTY
@given(architectures(), st.sampled_from([".yaml", ".json"]))
def test_dumped_fields_load_back_to_the_same_architecture(arch: Architecture, suffix: str) -> None:
    """The non-default fields, written as YAML or JSON, load back through the file loader."""
    fields = arch.model_dump(exclude_defaults=True, mode="json")
    text = json.dumps(fields) if suffix == ".json" else yaml.safe_dump(fields)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"model{suffix}"
        path.write_text(text)
        loaded = load(str(path))
    assert loaded == arch
    assert count(loaded).groups == count(arch).groups


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(architectures())
def test_json_output_parses_with_exact_integers(arch: Architecture) -> None:
    """`count -f json` on a file gives integers equal to the count, groups summing to total."""
    fields = arch.model_dump(exclude_defaults=True, mode="json")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.yaml"
        path.write_text(yaml.safe_dump(fields))
        result = CliRunner().invoke(
            main, ["count", str(path), "-f", "json"], catch_exceptions=False
        )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    b = count(arch)
    assert type(data["total"]) is int and data["total"] == b.total
    assert type(data["active"]) is int and data["active"] == b.active
    assert data["groups"] == {g.value: n for g, n in b.groups.items()}
    assert sum(data["groups"].values()) == data["total"]


@settings(max_examples=30, deadline=None)
@given(
    st.integers(30, 61), st.integers(30, 62), st.integers(0, 6), st.integers(1, 200), st.booleans()
)
def test_counts_stay_exact_far_beyond_todays_models(
    log_width: int, log_vocab: int, log_heads: int, layers: int, tied: bool
) -> None:
    """Widths up to 2**61, vocabularies up to 2**62: the Llama closed form, in Python ints,
    to the unit; the JSON output carries the same digits."""
    d, V, h = 2**log_width, 2**log_vocab, 2**log_heads
    kv, f = max(h // 2, 1), 3 * d
    hd = d // h
    expected = (
        V * d  # token embedding
        + layers * (2 * d * h * hd + 2 * d * kv * hd)  # q, o and k, v
        + layers * 3 * d * f  # gate, up, down
        + layers * 2 * d
        + d  # two RMSNorms a block and the final one
        + (0 if tied else V * d)
    )  # untied head
    args = [
        "count",
        "--vocab-size",
        str(V),
        "--hidden-size",
        str(d),
        "--num-layers",
        str(layers),
        "--heads",
        str(h),
        "--kv-heads",
        str(kv),
        "--intermediate-size",
        str(f),
        "--tied" if tied else "--untied",
        "-f",
        "json",
    ]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] == expected
    assert f'"total": {expected}' in result.stdout
