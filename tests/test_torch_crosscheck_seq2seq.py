"""Encoder-decoders read from config.json against real PyTorch models on the CPU.

For small random-weight BART, Marian (untied, its own decoder vocabulary), T5Gemma (an encoder
narrower than its decoder), LongT5 (local and transient-global encoder attention, padded
blocks), EncoderDecoderModel (BERT to GPT-2 through enc_to_dec_proj, BERT to BERT) and Switch
Transformers models, one forward pass over an encoder
input and a decoder input must cost what FlopCounterMode counts (dense models: a routed
model's cost depends on where its tokens go), leave the self- and cross-attention key/value
bytes paramcalc predicts, and hold weights of the bytes paramcalc says. PEGASUS-X (global
tokens, padded and staggered blocks) and ProphetNet (n-gram streams) are checked over several
shapes and input lengths.
"""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from paramcalc.calculator import count  # noqa: E402
from paramcalc.core.layouts import ngram_kept_pairs  # noqa: E402
from paramcalc.flops import forward_flops  # noqa: E402
from paramcalc.kvcache import kv_cache  # noqa: E402
from paramcalc.memory import weights_memory  # noqa: E402
from paramcalc.precision import DType  # noqa: E402
from paramcalc.sources import hf  # noqa: E402

pytestmark = pytest.mark.torch

BATCH, ENCODER_SEQ, DECODER_SEQ, VOCAB = 2, 9, 5, 96
BART_SIZES = dict(
    vocab_size=VOCAB,
    d_model=32,
    encoder_layers=2,
    decoder_layers=3,
    encoder_attention_heads=4,
    decoder_attention_heads=2,
    encoder_ffn_dim=48,
    decoder_ffn_dim=40,
    max_position_embeddings=64,
    pad_token_id=0,
    decoder_start_token_id=0,
)
MODULE = dict(num_attention_heads=4, num_key_value_heads=2, head_dim=8, vocab_size=VOCAB)
CASES: dict[str, tuple[str, dict[str, Any], bool]] = {
    "bart": ("bart", BART_SIZES, True),
    "marian-untied": (
        "marian",
        {
            **BART_SIZES,
            "decoder_vocab_size": 80,
            "share_encoder_decoder_embeddings": False,
            "tie_word_embeddings": False,
        },
        True,
    ),
    "t5gemma-two-widths": (
        "t5gemma",
        dict(
            encoder=dict(MODULE, hidden_size=48, intermediate_size=64, num_hidden_layers=2),
            decoder=dict(MODULE, hidden_size=32, intermediate_size=40, num_hidden_layers=3),
            pad_token_id=0,
        ),
        True,
    ),
    "encoder-decoder-bert-gpt2": (
        "encoder-decoder",
        dict(
            encoder=dict(
                model_type="bert",
                vocab_size=VOCAB,
                hidden_size=48,
                num_hidden_layers=2,
                num_attention_heads=4,
                intermediate_size=64,
                max_position_embeddings=64,
            ),
            decoder=dict(
                model_type="gpt2",
                vocab_size=VOCAB,
                n_embd=32,
                n_layer=3,
                n_head=2,
                n_positions=64,
                add_cross_attention=True,
            ),
            decoder_start_token_id=0,
            pad_token_id=0,
        ),
        True,
    ),
    "encoder-decoder-electra-xlm-roberta": (
        "encoder-decoder",
        dict(
            # narrow tables and embeddings_project in the encoder, a head-first causal LM
            encoder=dict(
                model_type="electra",
                vocab_size=VOCAB,
                embedding_size=16,
                hidden_size=48,
                num_hidden_layers=2,
                num_attention_heads=4,
                intermediate_size=64,
                max_position_embeddings=64,
            ),
            decoder=dict(
                model_type="xlm-roberta",
                vocab_size=VOCAB,
                hidden_size=32,
                num_hidden_layers=2,
                num_attention_heads=2,
                intermediate_size=48,
                max_position_embeddings=64,
                is_decoder=True,
                add_cross_attention=True,
            ),
            decoder_start_token_id=0,
            pad_token_id=0,
        ),
        True,
    ),
    "encoder-decoder-albert-xglm": (
        "encoder-decoder",
        dict(
            # one shared layer run three times in the encoder, a fairseq-style decoder
            encoder=dict(
                model_type="albert",
                vocab_size=VOCAB,
                embedding_size=16,
                hidden_size=48,
                num_hidden_layers=3,
                num_attention_heads=4,
                intermediate_size=64,
                max_position_embeddings=64,
            ),
            decoder=dict(
                model_type="xglm",
                vocab_size=VOCAB,
                d_model=32,
                num_layers=2,
                attention_heads=2,
                ffn_dim=48,
                max_position_embeddings=64,
                add_cross_attention=True,
            ),
            decoder_start_token_id=0,
            pad_token_id=0,
        ),
        True,
    ),
    "encoder-decoder-bert-bert": (
        "encoder-decoder",
        dict(
            encoder=dict(
                model_type="bert",
                vocab_size=VOCAB,
                hidden_size=32,
                num_hidden_layers=2,
                num_attention_heads=4,
                intermediate_size=64,
                max_position_embeddings=64,
            ),
            decoder=dict(
                model_type="bert",
                vocab_size=VOCAB,
                hidden_size=32,
                num_hidden_layers=2,
                num_attention_heads=2,
                intermediate_size=48,
                max_position_embeddings=64,
                is_decoder=True,
                add_cross_attention=True,
            ),
            decoder_start_token_id=0,
            pad_token_id=0,
        ),
        True,
    ),
    **{
        f"longt5-{kind}": (
            "longt5",
            dict(
                vocab_size=VOCAB,
                d_model=32,
                d_kv=8,
                d_ff=48,
                num_layers=2,
                num_decoder_layers=3,
                num_heads=4,
                local_radius=3,  # blocks of 4: the 9 encoder tokens padded to three
                global_block_size=4,  # two global tokens, one token left over
                encoder_attention_type=kind,
                feed_forward_proj="gated-gelu",
            ),
            True,
        )
        for kind in ("local", "transient-global")
    },
    "switch": (
        "switch_transformers",
        dict(
            vocab_size=VOCAB,
            d_model=32,
            d_kv=8,
            d_ff=48,
            num_layers=4,
            num_decoder_layers=2,
            num_heads=4,
            num_experts=3,
            num_sparse_encoder_layers=2,
            num_sparse_decoder_layers=1,
        ),
        False,
    ),
}


PEGASUS_X_SIZES = dict(
    vocab_size=VOCAB,
    d_model=32,
    encoder_layers=3,
    decoder_layers=2,
    encoder_attention_heads=4,
    decoder_attention_heads=2,
    encoder_ffn_dim=48,
    decoder_ffn_dim=40,
    num_global_tokens=3,
    pad_token_id=0,
    decoder_start_token_id=0,
)
PROPHETNET_SIZES = dict(
    vocab_size=VOCAB,
    hidden_size=32,
    encoder_ffn_dim=48,
    decoder_ffn_dim=40,
    num_encoder_layers=2,
    num_decoder_layers=2,
    num_encoder_attention_heads=4,
    num_decoder_attention_heads=2,
    max_position_embeddings=64,
    num_buckets=8,
    relative_max_distance=16,
    pad_token_id=0,
    decoder_start_token_id=0,
)
#: (model_type, fields, encoder tokens): block sizes that divide the input and that do not,
#: staggered layers on and off, one global token (einsum's broadcast product) and three, one
#: to three predicting streams.
LAYOUTS: dict[str, tuple[str, dict[str, Any], int]] = {
    "pegasus_x-b4-stagger-divides": (
        "pegasus_x",
        {**PEGASUS_X_SIZES, "block_size": 4, "stagger_local_blocks": True},
        12,
    ),
    "pegasus_x-b4-stagger-padded": (
        "pegasus_x",
        {**PEGASUS_X_SIZES, "block_size": 4, "stagger_local_blocks": True},
        9,
    ),
    "pegasus_x-b5-flat-padded": (
        "pegasus_x",
        {**PEGASUS_X_SIZES, "block_size": 5, "stagger_local_blocks": False},
        12,
    ),
    "pegasus_x-b3-flat-divides": (
        "pegasus_x",
        {**PEGASUS_X_SIZES, "block_size": 3, "stagger_local_blocks": False, "num_global_tokens": 1},
        9,
    ),
    "pegasus_x-b16-stagger-one-block": (
        "pegasus_x",
        {**PEGASUS_X_SIZES, "block_size": 16, "encoder_layers": 2, "num_global_tokens": 1},
        12,
    ),
    **{
        f"prophetnet-ngram{n}": ("prophetnet", {**PROPHETNET_SIZES, "ngram": n}, 12)
        for n in (1, 2, 3)
    },
}


def built(model_type: str, fields: dict[str, Any]) -> Any:
    """A random-weight fp32 encoder-decoder of the config, eager attention, in eval mode."""
    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model(model_type, **fields)
    config._attn_implementation = "eager"
    for part in ("encoder", "decoder"):
        sub = getattr(config, part, None)
        if isinstance(sub, transformers.PreTrainedConfig):
            sub._attn_implementation = "eager"
    return transformers.AutoModelForSeq2SeqLM.from_config(config).float().eval()


def held(layers: Any) -> int:
    """Bytes of the key/value tensors of a cache's layers."""
    return sum(layer.keys.nbytes + layer.values.nbytes for layer in layers)


@pytest.mark.parametrize("case", sorted(CASES))
def test_encoder_decoder_figures_equal_what_transformers_does(case: str) -> None:
    """FLOPs (dense models), self- and cross-attention cache bytes and weights bytes."""
    model_type, fields, dense = CASES[case]
    model = built(model_type, fields)
    generator = torch.Generator().manual_seed(1)
    source = torch.randint(1, 80, (BATCH, ENCODER_SEQ), generator=generator)
    target = torch.randint(1, 80, (BATCH, DECODER_SEQ), generator=generator)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        # the encoder runs on its own: Switch's refuses the use_cache a joint call passes it
        encoded = model.get_encoder()(input_ids=source)
        output = model(encoder_outputs=encoded, decoder_input_ids=target, use_cache=True)
    cache = output.past_key_values
    arch = hf.from_config(model.config.to_dict(), "config.json")
    counted = count(arch)
    ours = kv_cache(arch.to_model(), DType.FP32, BATCH, DECODER_SEQ, encoder_seq=ENCODER_SEQ)
    assert ours.self_attention_bytes == held(cache.self_attention_cache.layers)
    assert ours.cross_attention_bytes == held(cache.cross_attention_cache.layers)
    assert weights_memory(counted, DType.FP32).bytes == sum(p.nbytes for p in model.parameters())
    if dense:
        flops = forward_flops(counted, BATCH, DECODER_SEQ, encoder_seq=ENCODER_SEQ)
        assert flops.forward == counter.get_total_flops()


@pytest.mark.parametrize("case", sorted(LAYOUTS))
def test_long_and_ngram_layouts_cost_what_flopcountermode_counts(case: str) -> None:
    """PEGASUS-X's padded, staggered blocks with global tokens and ProphetNet's predicting
    streams: the forward FLOPs of an encoder and a decoder pass, and the weights' bytes."""
    model_type, fields, encoder_seq = LAYOUTS[case]
    model = built(model_type, fields)
    generator = torch.Generator().manual_seed(1)
    source = torch.randint(1, 80, (BATCH, encoder_seq), generator=generator)
    target = torch.randint(1, 80, (BATCH, DECODER_SEQ), generator=generator)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        encoded = model.get_encoder()(input_ids=source)
        model(encoder_outputs=encoded, decoder_input_ids=target, use_cache=False)
    counted = count(hf.from_config(model.config.to_dict(), "config.json"))
    assert weights_memory(counted, DType.FP32).bytes == sum(p.nbytes for p in model.parameters())
    flops = forward_flops(counted, BATCH, DECODER_SEQ, encoder_seq=encoder_seq)
    assert flops.forward == counter.get_total_flops()


@pytest.mark.parametrize(("seq", "ngram"), [(1, 1), (5, 2), (7, 3), (2, 3)])
def test_ngram_kept_pairs_are_the_zeros_of_prophetnets_mask(seq: int, ngram: int) -> None:
    """The causal figure's n-gram pairs: the main stream's causal triangle and every pair
    `ngram_attention_bias` leaves unmasked in the predicting streams."""
    from transformers.models.prophetnet.modeling_prophetnet import ngram_attention_bias

    bias = ngram_attention_bias(seq, ngram, "cpu", torch.float32)
    kept = seq * (seq + 1) // 2 + int((bias == 0).sum())
    assert ngram_kept_pairs(seq, ngram) == kept
