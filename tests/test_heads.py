"""`--head mlm|pooler|none`: an encoder's masked-LM model, or its bare model with or without
the pooler.

The masked-LM counts are transformers' (the `mlm-*` fixtures of data/hf, built with
AutoModelForMaskedLM); the differences between heads are checked against closed forms of
modeling_bert.py and modeling_rembert.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

import paramcalc
from conftest import DATA
from paramcalc.calculator import count
from paramcalc.cli import main
from paramcalc.core.spec import TextTower
from paramcalc.errors import InputError
from paramcalc.families import families
from paramcalc.sources import load

#: The supported encoder types AutoModelForMaskedLM maps (transformers 5.23.0's
#: MODEL_FOR_MASKED_LM_MAPPING_NAMES); bart, mbart and mvp map to their seq2seq LM, which is
#: what paramcalc counts for them already. MobileBERT's head (a decoder at embedding_size
#: beside a dense of the rest of hidden_size) is not said yet.
MASKED_LM_TYPES = {
    "albert",
    "bert",
    "big_bird",
    "camembert",
    "convbert",
    "data2vec-text",
    "deberta",
    "deberta-v2",
    "distilbert",
    "electra",
    "ernie",
    "esm",
    "esmc",
    "eurobert",
    "flaubert",
    "fnet",
    "gte",
    "ibert",
    "jina_embeddings_v3",
    "layoutlm",
    "longformer",
    "luke",
    "megatron-bert",
    "mobilebert",
    "modernbert",
    "modernvbert",
    "mpnet",
    "mra",
    "neomme",
    "nomic_bert",
    "nystromformer",
    "rembert",
    "roberta",
    "roberta-prelayernorm",
    "roc_bert",
    "roformer",
    "squeezebert",
    "tapas",
    "ultrabert",
    "ultravbert",
    "xlm",
    "xlm-roberta",
    "xlm-roberta-xl",
    "xmod",
    "yoso",
}


def fixture(name: str) -> dict[str, Any]:
    """One stored fixture of data/hf."""
    data: dict[str, Any] = json.loads((DATA / "hf" / f"{name}.json").read_text())
    return data


def config_file(tmp_path: Path, config: dict[str, Any], name: str = "model") -> Path:
    """A config written as NAME/config.json."""
    folder = tmp_path / name
    folder.mkdir()
    path = folder / "config.json"
    path.write_text(json.dumps(config))
    return path


def counted(tmp_path: Path, config: dict[str, Any], head: Any = None) -> Any:
    """The count of a config with the head asked for."""
    return count(
        load(str(config_file(tmp_path, config, f"m{len(list(tmp_path.iterdir()))}")), head=head)
    )


def by_group(breakdown: Any) -> dict[str, int]:
    """The five groups of a count by name."""
    return {g.value: n for g, n in breakdown.groups.items()}


def test_every_masked_lm_type_has_a_head_and_a_masked_lm_fixture() -> None:
    """Each encoder family AutoModelForMaskedLM maps states its head, and a fixture built with
    that class holds it to transformers' tensors."""
    with_head = {t for t, f in families().items() if f.mlm is not None}
    assert with_head >= MASKED_LM_TYPES
    built = {
        f["model_type"]
        for f in map(lambda p: json.loads(p.read_text()), (DATA / "hf").glob("*.json"))
        if f.get("auto_class") == "AutoModelForMaskedLM"
    }
    assert built >= with_head


def test_bert_masked_lm_swaps_the_pooler_for_the_prediction_head(tmp_path: Path) -> None:
    """BertForMaskedLM drops the pooler (h*h + h) and adds the transform (h*h + h), its
    LayerNorm (2h) and the bias of the tied decoder (V): 2h + V more than the bare model."""
    bare, mlm = fixture("defaults-bert"), fixture("mlm-bert")
    h, v = 768, 30522
    assert mlm["total"] - bare["total"] == 2 * h + v  # transformers' own counts
    b = counted(tmp_path, mlm["config"], "mlm")
    assert b.total == mlm["total"] and by_group(b) == mlm["groups"]
    assert by_group(b)["output"] == h * h + h + v
    assert b.head_kind == "mlm"


def test_an_untied_decoder_adds_its_weight_and_its_own_bias(tmp_path: Path) -> None:
    """With tie_word_embeddings false the decoder is a tensor of its own (V x h) and keeps its
    own bias (V) beside cls.predictions.bias."""
    config = {
        "model_type": "bert",
        "vocab_size": 1000,
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 128,
    }
    tied = counted(tmp_path, config, "mlm")
    untied = counted(tmp_path, {**config, "tie_word_embeddings": False}, "mlm")
    assert untied.total - tied.total == 1000 * 64 + 1000
    names = {t.name for t in untied.enumeration.tensors()}
    assert {
        "cls.predictions.decoder.weight",
        "cls.predictions.decoder.bias",
        "cls.predictions.bias",
    } <= names


def test_rembert_head_maps_to_output_embedding_size_and_never_ties(tmp_path: Path) -> None:
    """RemBertForMaskedLM: a dense h -> O, a LayerNorm of O, a biased O -> V decoder of its own;
    the pooler (h*h + h) goes."""
    bare, mlm = fixture("defaults-rembert"), fixture("mlm-rembert")
    h, o, v = 1152, 1664, 250300
    added = (h * o + o) + 2 * o + (o * v + v) - (h * h + h)
    assert mlm["total"] - bare["total"] == added
    b = counted(tmp_path, {**mlm["config"], "tie_word_embeddings": True}, "mlm")
    assert b.total == mlm["total"]


def test_big_bird_keeps_its_pooler_in_the_masked_lm_model(tmp_path: Path) -> None:
    """BigBirdForMaskedLM keeps bert.pooler: it adds the whole prediction head."""
    h, v = 768, 50358
    bare, mlm = fixture("defaults-big-bird"), fixture("mlm-big-bird")
    assert mlm["total"] - bare["total"] == h * h + h + 2 * h + v
    names = {t.name for t in counted(tmp_path, mlm["config"], "mlm").enumeration.tensors()}
    assert "bert.pooler.weight" in names


def test_xlm_roberta_lists_the_tied_table_under_the_decoder(tmp_path: Path) -> None:
    """XLMRobertaForMaskedLM registers lm_head first: the tied table is lm_head.decoder.weight,
    still counted in embedding."""
    mlm = fixture("mlm-xlm-roberta")
    b = counted(tmp_path, mlm["config"], "mlm")
    tensors = {t.name: t for t in b.enumeration.tensors()}
    assert "roberta.embeddings.word_embeddings.weight" not in tensors
    assert tensors["lm_head.decoder.weight"].group.value == "embedding"
    assert by_group(b) == mlm["groups"]


def test_convbert_and_tapas_heads_are_electra_and_bert_heads(tmp_path: Path) -> None:
    """ConvBertForMaskedLM adds ELECTRA's generator head (h -> E dense, a LayerNorm of E, the
    tied decoder's bias V) to a model without a pooler; TapasForMaskedLM swaps BERT's pooler
    for BERT's head (2h + V more)."""
    h, v = 768, 30522
    assert fixture("mlm-convbert")["total"] - fixture("defaults-convbert")["total"] == (
        h * h + h + 2 * h + v
    )
    assert fixture("mlm-tapas")["total"] - fixture("defaults-tapas")["total"] == 2 * h + v
    for name in ("mlm-convbert", "mlm-tapas"):
        assert counted(tmp_path, fixture(name)["config"], "mlm").total == fixture(name)["total"]


def test_luke_keeps_its_pooler_and_adds_an_entity_head(tmp_path: Path) -> None:
    """LukeForMaskedLM: RoBERTa's lm_head with a decoder of its own (never tied to the word
    table; its bias tied to lm_head.bias), and entity_predictions: a dense h -> E, a LayerNorm
    of E and the entity bias, its decoder tied to the entity table; the pooler stays. Untied,
    the decoder's bias and the entity decoder (Ve x E) are tensors of their own."""
    h, v, e, ve = 768, 50267, 256, 500000
    bare, mlm = fixture("defaults-luke"), fixture("mlm-luke")
    words = h * h + h + 2 * h + v * h + v
    entities = h * e + e + 2 * e + ve
    assert mlm["total"] - bare["total"] == words + entities
    tied = counted(tmp_path, mlm["config"], "mlm")
    assert tied.total == mlm["total"] and by_group(tied) == mlm["groups"]
    untied = counted(tmp_path, {**mlm["config"], "tie_word_embeddings": False}, "mlm")
    assert untied.total - tied.total == v + ve * e
    names = {t.name for t in untied.enumeration.tensors()}
    assert {"luke.pooler.dense.weight", "entity_predictions.decoder.weight"} <= names


def test_ultrabert_head_is_two_unbiased_dense_layers_and_no_norm(tmp_path: Path) -> None:
    """UltrabertPredictionHead: linear1 (h -> prediction_head_size P) and linear2 (P -> h),
    unbiased, no norm, then an unbiased decoder of its own (V x h) unless the config ties."""
    h, p, v = 4096, 768, 32000
    bare, mlm = fixture("defaults-ultrabert"), fixture("mlm-ultrabert")
    assert mlm["total"] - bare["total"] == 2 * h * p + v * h
    config = {**mlm["config"], "tie_word_embeddings": True, "prediction_head_size": 64}
    assert counted(tmp_path, config, "mlm").total - bare["total"] == 2 * h * 64


def test_neomme_head_is_its_factorized_embedding_transposed(tmp_path: Path) -> None:
    """NeoMMEForMaskedLM projects back to embedding_rank r by unembedding_projection (h x r)
    and scores by lm_head (V x r): tied, both are the embedding's and the masked-LM model
    counts what the bare one does; untied, they add h*r + V*r (the projection in embedding,
    as OPT's project_out)."""
    h, r, v = 1024, 256, 131072
    bare, mlm = fixture("defaults-neomme"), fixture("mlm-neomme")
    assert mlm["total"] == bare["total"]
    untied = counted(tmp_path, {**mlm["config"], "tie_word_embeddings": False}, "mlm")
    assert untied.total - bare["total"] == h * r + v * r
    assert by_group(untied)["embedding"] - bare["groups"]["embedding"] == h * r


def test_esmc_never_ties_its_decoder(tmp_path: Path) -> None:
    """EsmcForMaskedLM has no tied weights: its lm_head (dense h x h, a LayerNorm, a biased
    decoder V x h) is all its own, whatever tie_word_embeddings says."""
    h, v = 2560, 64
    bare, mlm = fixture("defaults-esmc"), fixture("mlm-esmc")
    assert mlm["total"] - bare["total"] == h * h + h + 2 * h + v * h + v
    b = counted(tmp_path, {**mlm["config"], "tie_word_embeddings": True}, "mlm")
    assert b.total == mlm["total"]


def test_mobilebert_scores_the_columns_beyond_its_embedding_by_a_weight_of_its_own(
    tmp_path: Path,
) -> None:
    """MobileBertForMaskedLM: BERT's head with a hidden-wide transform (h*h + h, LayerNorm
    2h), a decoder tied to the token table (V x E) with the shared bias V, and
    cls.predictions.dense ((h - E) x V, stored (h - E, V)) for the remaining columns."""
    h, e, v = 512, 128, 30522
    bare, mlm = fixture("defaults-mobilebert"), fixture("mlm-mobilebert")
    assert mlm["total"] - bare["total"] == h * h + h + 2 * h + v + (h - e) * v - (h * h + h)
    tensors = {t.name: t for t in counted(tmp_path, mlm["config"], "mlm").enumeration.tensors()}
    assert tensors["cls.predictions.dense.weight"].shape == (h - e, v)


def test_an_unembedding_projection_needs_a_head_and_a_projection_in() -> None:
    """unembedding_projection is the transpose of embedding_projection before an LM head:
    without either it is refused by name."""
    block = {"mixer": {"kind": "attention", "num_attention_heads": 2}}
    tower = {
        "vocab_size": 10,
        "hidden_size": 8,
        "stacks": [{"num_hidden_layers": 1, "block": block}],
    }
    with pytest.raises(ValidationError, match="needs an LM head and an embedding_projection"):
        TextTower.model_validate({**tower, "unembedding_projection": True, "embedding_size": 4})
    projected = {**tower, "embedding_size": 4, "embedding_projection": "in_no_bias"}
    with pytest.raises(ValidationError, match="needs an LM head and an embedding_projection"):
        TextTower.model_validate({**projected, "unembedding_projection": True, "lm_head": False})
    TextTower.model_validate({**projected, "unembedding_projection": True})


def test_a_head_remainder_needs_a_token_width_below_hidden_size() -> None:
    """head_remainder scores the hidden columns beyond the token width: with none beyond it
    (or no head) it is refused."""
    block = {"mixer": {"kind": "attention", "num_attention_heads": 2}}
    tower = {
        "vocab_size": 10,
        "hidden_size": 8,
        "stacks": [{"num_hidden_layers": 1, "block": block}],
    }
    with pytest.raises(ValidationError, match="a token width below hidden_size"):
        TextTower.model_validate({**tower, "head_remainder": True})
    narrow = {**tower, "embedding_size": 4, "head_remainder": True}
    with pytest.raises(ValidationError, match="a token width below hidden_size"):
        TextTower.model_validate({**narrow, "lm_head": False})
    TextTower.model_validate(narrow)


def test_none_drops_the_pooler_and_pooler_is_the_default(tmp_path: Path) -> None:
    """`none` is the bare model less its pooler (h*h + h); `pooler` is what AutoModel builds."""
    config = fixture("defaults-bert")["config"]
    default = counted(tmp_path, config)
    assert counted(tmp_path, config, "pooler").total == default.total
    none = counted(tmp_path, config, "none")
    assert default.total - none.total == 768 * 768 + 768
    assert (default.head_kind, none.head_kind) == ("pooler", "none")
    no_pooler = counted(tmp_path, {"model_type": "distilbert"})
    assert no_pooler.head_kind == "none"
    assert counted(tmp_path, {"model_type": "distilbert"}, "none").total == no_pooler.total


@pytest.mark.parametrize(
    ("config", "head", "message"),
    [
        ({"model_type": "llama"}, "mlm", "'mlm': llama is not a text encoder"),
        ({"model_type": "llama"}, "none", "'none': llama is not a text encoder"),
        ({"model_type": "t5"}, "pooler", "'pooler': t5 is not a text encoder"),
        (
            {"model_type": "splinter"},
            "mlm",
            "'mlm': paramcalc knows no masked-LM head for splinter",
        ),
        ({"model_type": "splinter"}, "pooler", "'pooler': splinter's bare model has no pooler"),
        ({"model_type": "xlm", "asm": True}, "mlm", "asm: true builds an adaptive softmax"),
        (
            {"model_type": "mobilebert", "embedding_size": 512},
            "mlm",
            "embedding_size: must be below hidden_size=512",
        ),
        (
            {"model_type": "ultrabert", "prediction_head_size": 0},
            "mlm",
            "prediction_head_size",
        ),
        (
            {"model_type": "bert", "tie_word_embeddings": "yes"},
            "mlm",
            "tie_word_embeddings: must be true or false",
        ),
    ],
)
def test_a_head_the_model_cannot_have_is_refused_by_name(
    tmp_path: Path, config: dict[str, Any], head: str, message: str
) -> None:
    """A head a family has not (or cannot say) is an InputError naming `head` or the key."""
    with pytest.raises(InputError) as err:
        load(str(config_file(tmp_path, config)), head=head)  # type: ignore[arg-type]
    assert message in str(err.value)


def test_a_head_needs_a_config_json() -> None:
    """A preset or an Architecture has no encoder heads to choose from."""
    with pytest.raises(InputError, match="head: 'mlm' chooses the head"):
        load("llama-2-7b", head="mlm")
    with pytest.raises(InputError, match="head"):
        paramcalc.load(paramcalc.load("llama-2-7b"), head="mlm")


def test_api_counts_the_masked_lm_model(tmp_path: Path) -> None:
    """`paramcalc.count(path, head="mlm")` is transformers' AutoModelForMaskedLM count."""
    mlm = fixture("mlm-roberta")
    path = config_file(tmp_path, mlm["config"])
    assert paramcalc.count(str(path), head="mlm").total == mlm["total"]
    assert paramcalc.count(str(path)).total == fixture("defaults-roberta")["total"]


def test_cli_json_says_which_head_was_counted(tmp_path: Path) -> None:
    """`count --head` prints the head in JSON; the default names the bare model's."""
    path = config_file(tmp_path, fixture("mlm-electra")["config"])
    runner = CliRunner()
    for args, head in (([], "none"), (["--head", "mlm"], "mlm")):
        result = runner.invoke(
            main, ["count", str(path), "-f", "json", *args], catch_exceptions=False
        )
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["head"] == head
    llama = runner.invoke(main, ["count", "llama-2-7b", "-f", "json"], catch_exceptions=False)
    assert json.loads(llama.stdout)["head"] is None


def test_cli_refuses_head_where_there_is_no_config() -> None:
    """--head without SOURCE is a usage error (exit 2), and so is a bad value."""
    runner = CliRunner()
    result = runner.invoke(main, ["count", "--head", "mlm", "--hidden-size", "64"])
    assert result.exit_code == 2 and "--head" in result.stderr
    result = runner.invoke(main, ["count", "llama-2-7b", "--head", "lm"])
    assert result.exit_code == 2


def test_convert_writes_the_masked_lm_model_and_it_counts_the_same(tmp_path: Path) -> None:
    """`convert --head mlm` writes a file (naming albert+mlm) that counts what transformers
    counts, tensor names included."""
    mlm = fixture("mlm-albert")
    path = config_file(tmp_path, mlm["config"])
    result = CliRunner().invoke(
        main, ["convert", str(path), "--head", "mlm"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stderr
    assert "naming: albert+mlm" in result.stdout
    written = tmp_path / "albert.yaml"
    written.write_text(result.stdout)
    again = count(load(str(written)))
    assert again.total == mlm["total"]
    assert sorted(t.name for t in again.enumeration.tensors()) == sorted(
        n for n, _ in mlm["tensors"]
    )


def test_set_unties_the_masked_lm_decoder(tmp_path: Path) -> None:
    """`--set tie_word_embeddings=false` is a key of every family with a masked-LM head, even
    where its table has no default for it."""
    path = config_file(tmp_path, fixture("mlm-bert")["config"])
    tied = paramcalc.count(str(path), head="mlm")
    untied = paramcalc.count(str(path), {"tie_word_embeddings": False}, head="mlm")
    assert untied.total - tied.total == 30522 * 768 + 30522
