"""BLT (Byte Latent Transformer) as `AutoModelForCausalLM` builds it (`BltForCausalLM`, 5.23).

`BltConfig` nests four configs, each one stack of Llama-style layers (RMSNorm before
attention and before a gated SiLU MLP, rotary attention with heads of hidden_size //
num_attention_heads): `encoder_config` (the byte-level local encoder, which holds the byte
table), `global_config` (the global transformer over patches, no final norm),
`decoder_config` (the byte-level local decoder, a final norm) and `patcher_config` (the entropy
model that places patch boundaries, with its own table, norm and head), built only with
`patch_in_forward` and then frozen (requires_grad off: still parameters, counted here).
The rest (hash n-gram table, patch projections, byte/patch cross-attention layers, the global
input projection, the heads) is `paramcalc.core.blt.ByteLatentParts`.

Memory and FLOPs, by convention: every patch is `patch_size` bytes long (the last one
shorter), so S bytes make ceil(S / patch_size) patches; the patcher runs over every byte (as
entropy patching does; the patch lengths it would pick depend on the text). Per byte, the
local encoder's and decoder's layers cache K/V (over the last local_attention_window_len bytes
where it is set, the window of their shared mask); the global transformer and the patcher run
without a cache, and so do the cross-attention layers. transformers 5.23 cannot build BLT's
own cache (`DynamicCache(config=BltConfig)` fails for want of num_hidden_layers), so that figure
is what the layers would keep. Counts follow each tensor's own shape; a forward pass needs the
parts to agree (decoder width = encoder width, hidden_size_global = the global width, one
cross_attn_k), which transformers does not check when building.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal import sub_config
from paramcalc.families.v2 import gated_mlp

LOCAL: dict[str, Any] = {
    "vocab_size": 260,
    "hidden_size": 1024,
    "num_attention_heads": 16,
    "num_key_value_heads": None,
    "cross_attn_k": 2,
    "hidden_size_global": 2048,
}
#: BltLocalEncoderConfig's defaults (transformers 5.23): a null intermediate_size is 8/3 width.
ENCODER = Family(
    "blt_local_encoder",
    {**LOCAL, "num_hidden_layers": 1, "intermediate_size": None, "cross_attn_all_layers": False},
    (),
)
#: BltLocalDecoderConfig's defaults; it, the global and the patcher config type intermediate_size
#: as a plain int, so a null there is refused.
DECODER = Family(
    "blt_local_decoder",
    {**LOCAL, "num_hidden_layers": 9, "intermediate_size": 2816, "cross_attn_all_layers": True},
    (),
    required=frozenset({"intermediate_size"}),
)
#: BltGlobalTransformerConfig's defaults.
GLOBAL = Family(
    "blt_global_transformer",
    {
        "hidden_size": 2048,
        "num_attention_heads": 16,
        "num_key_value_heads": None,
        "num_hidden_layers": 25,
        "intermediate_size": 5632,
    },
    (),
    required=frozenset({"intermediate_size"}),
)
#: BltPatcherConfig's defaults.
PATCHER = Family(
    "blt_patcher",
    {
        "vocab_size": 260,
        "hidden_size": 768,
        "num_hidden_layers": 14,
        "num_attention_heads": 12,
        "num_key_value_heads": None,
        "intermediate_size": 2048,
        "sliding_window": 512,
    },
    (),
    required=frozenset({"intermediate_size"}),
)
#: encoder_hash_byte_group_size when the file leaves it null (or empty): BltConfig.__post_init__.
HASH_GROUPS = (3, 4, 5, 6, 7, 8)


def heads(s: HFConfig) -> tuple[int, int]:
    """Query and key/value heads; a null (or 0) key/value count is one per query head."""
    q = s.integer("num_attention_heads")
    return q, s.opt_int("num_key_value_heads") or q


def blt_stack(
    s: HFConfig, name: str, final_norm: bool, window: int | None, **fields: Any
) -> dict[str, Any]:
    """BltTransformerLayer x num_hidden_layers of one sub-config, its mask's window if any."""
    width = s.integer("hidden_size")
    q, kv = heads(s)
    # the __post_init__s: a null intermediate_size is int(8 * hidden_size / 3)
    intermediate = s.opt_int("intermediate_size") or 8 * width // 3
    mixer = {
        "kind": "attention",
        "num_attention_heads": q,
        "num_key_value_heads": kv,
        "head_dim": width // q,  # BltSelfAttention: hidden_size // num_heads, whatever head_dim
        "sliding_window": window,
    }
    return {
        "name": name,
        "num_hidden_layers": s.integer("num_hidden_layers"),
        "block": {"mixer": mixer, "ffn": gated_mlp(intermediate)},
        "hidden_size": width,
        "final_norm": final_norm,
        **fields,
    }


def cross(s: HFConfig, module: str, patch_width: int) -> dict[str, Any]:
    """One local model's patch projection and BltCrossAttention layers."""
    q, kv = heads(s)
    all_layers = s.raw("cross_attn_all_layers")
    if all_layers is not None:
        all_layers = s.boolean("cross_attn_all_layers")
    return {
        "module": module,
        "hidden_size": s.integer("hidden_size"),
        "num_attention_heads": q,
        "num_key_value_heads": kv,
        "num_layers": s.integer("num_hidden_layers") if all_layers else 1,
        "patch_width": patch_width,
        "cross_attn_k": s.integer("cross_attn_k"),
    }


def hash_rows(c: HFConfig) -> int:
    """Rows of the hash n-gram table: vocab x functions x byte-group sizes."""
    groups = c.raw("encoder_hash_byte_group_size") or list(HASH_GROUPS)
    if not isinstance(groups, list) or any(
        isinstance(g, bool) or not isinstance(g, int) or g < 1 for g in groups
    ):
        raise c.error(
            "encoder_hash_byte_group_size", f"must be a list of n-gram sizes, got {groups!r}"
        )
    functions = c.integer("encoder_hash_byte_group_nb_functions")
    return c.integer("encoder_hash_byte_group_vocab") * functions * len(groups)


def blt(c: HFConfig) -> dict[str, Any]:
    """BltForCausalLM: the local encoder's byte table, four stacks, and ByteLatentParts."""
    enc, glob = sub_config(c, "encoder_config", ENCODER), sub_config(c, "global_config", GLOBAL)
    dec, pat = sub_config(c, "decoder_config", DECODER), sub_config(c, "patcher_config", PATCHER)
    width, dec_width = enc.integer("hidden_size"), dec.integer("hidden_size")
    global_width = glob.integer("hidden_size")
    vocab, byte_vocab = c.integer("vocab_size"), enc.integer("vocab_size")
    tied = c.boolean("tie_word_embeddings")
    if tied and (byte_vocab, width) != (vocab, dec_width):
        # _tied_weights_keys makes the encoder's table lm_head's (vocab_size x the decoder's
        # width): the encoder would then embed bytes at a width it does not have
        raise c.error(
            "tie_word_embeddings",
            f"ties the local encoder's table ({byte_vocab} x {width}) to lm_head "
            f"({vocab} x {dec_width}); a tied BLT needs equal shapes",
        )
    # BltModel.forward: both local models share one mask, sliding over
    # local_attention_window_len bytes where it is set
    window = c.opt_int("local_attention_window_len")
    # a null patch_size makes the patcher return one patch per byte
    patch_size = c.opt_int("patch_size") or 1
    stacks = [
        blt_stack(enc, "local_encoder", False, window),
        # run without a cache, once per patch
        blt_stack(
            glob, "global_transformer", False, None, patch_size=patch_size, keeps_cache=False
        ),
        blt_stack(dec, "local_decoder", True, window),
    ]
    patcher = bool(c.raw("patch_in_forward"))
    if patcher:
        table = pat.integer("vocab_size")
        pwindow = pat.opt_int("sliding_window")
        stacks.append(
            blt_stack(pat, "patcher", True, pwindow, token_embeddings=table, keeps_cache=False)
        )
    # BltConfig.__post_init__: encoder_cross_output_size, None where it is the global width
    cross_out = width * c.integer("cross_attn_k")
    parts = {
        "kind": "byte_latent",
        "hash_rows": hash_rows(c),
        "encoder": cross(enc, "local_encoder", width),
        "decoder": cross(dec, "local_decoder", dec.integer("hidden_size_global")),
        "global_hidden_size": global_width,
        "global_projection": cross_out if cross_out != global_width else 0,
        "vocab_size": vocab,
        "tie_word_embeddings": tied,
        "patcher_vocab_size": pat.integer("vocab_size") if patcher else 0,
        "patcher_hidden_size": pat.integer("hidden_size") if patcher else None,
        "patch_size": patch_size,
    }
    text = {
        "vocab_size": byte_vocab,
        "hidden_size": width,
        "norm_type": "rmsnorm",
        "lm_head": False,  # ByteLatentParts holds it: it reads the decoder's width
        "stacks": stacks,
        "extras": [parts],
    }
    return {"text": text}


BLT = Naming(
    {
        "embed_tokens": "model.local_encoder.embed_tokens",
        "local_encoder.layers": "model.local_encoder.layers",
        "global_transformer.layers": "model.global_transformer.layers",
        "local_decoder.layers": "model.local_decoder.layers",
        "local_decoder.final_norm": "model.local_decoder.norm",
        "patcher.layers": "model.patcher.layers",
        "patcher.embed_tokens": "model.patcher.embed_tokens",
        "patcher.final_norm": "model.patcher.norm",
    }
)

FAMILIES = (
    Family(
        "blt",
        {
            "vocab_size": 260,
            "patch_in_forward": True,
            "cross_attn_k": 2,
            "encoder_hash_byte_group_size": None,
            "encoder_hash_byte_group_vocab": 500002,
            "encoder_hash_byte_group_nb_functions": 1,
            "encoder_config": None,
            "decoder_config": None,
            "global_config": None,
            "patcher_config": None,
            "tie_word_embeddings": False,
            "local_attention_window_len": 512,
            "patch_size": 4,
        },
        (blt,),
        naming=BLT,
        notes=(
            "the patcher's parameters are frozen (requires_grad off) but counted; memory and "
            "FLOPs take patches of patch_size bytes and run the patcher over every byte; only "
            "the local encoder's and decoder's layers cache K/V (transformers 5.23 cannot build "
            "BLT's cache: the figure is what those layers would keep)"
        ),
    ),
)
