#!/usr/bin/env python3
"""Make reference fixtures: count a Hugging Face config's parameters with transformers itself.

Each config is instantiated on the meta device (no memory, no download) with the class
transformers uses for it: the causal-LM class for decoders, `AutoModel` (with pooler) for BERT
and RoBERTa, the seq2seq LM for T5, the image-text-to-text class for a multimodal config (one
with a `text_config` and a `vision_config` or `audio_config`); `--auto-class` picks another.
`model.named_parameters()` yields a tied tensor once, so the sum is the count with tied weights
once. Every tensor is put in one of the five groups and one of the four towers of GROUPS.md by
its name, with a classifier that shares no code with paramcalc and raises on a name it does
not know.

usage:
  make_reference.py CONFIG.json [...] --out tests/data/hf        # one fixture per config
  make_reference.py --model-type t5 --set d_model=64 --name tiny-t5 --out tests/data/hf
  make_reference.py --refresh tests/data/hf/*.json               # recount; totals must hold
  make_reference.py --model-type gpt_oss --variants 6 --seed 1 --out tests/data/hf
  make_reference.py --model-type bert --variants 3 --seed 1 \
      --auto-class AutoModelForMaskedLM --name mlm-bert --out tests/data/hf  # any class
  make_reference.py --check-models ../shared/reference/models.json  # classifier self-check
      [--tensors-out tests/data/reference_tensors.json]

Needs torch and transformers (`pip install paramcalc[reference]`); paramcalc itself never does.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

GROUPS = ("embedding", "attention", "feedforward", "norm", "output")
TOWERS = ("text", "vision", "audio", "projector")

Config = dict[str, Any]

# ---------------------------------------------------------------------------------------------
# Towers: which part of a model a tensor belongs to, from its module path.

#: Modules that hold an image encoder.
#: Video-LLaVA's image_tower and video_tower are two of them.
VISION_MODULES = {
    "vision_tower",
    "vision_model",
    "visual",
    "vision_encoder",
    "image_tower",
    "video_tower",
}
#: Modules that hold a speech or audio encoder.
AUDIO_MODULES = {"audio_tower"}
#: Modules that connect an encoder to the language model, wherever they hang (Llama 4 keeps
#: its pixel-shuffle adapter inside the vision model); any module named `mm_*` is one too.
PROJECTOR_MODULES = {
    "multi_modal_projector",
    "merger",
    "vision_adapter",
    "mm_projector",
    "connector",
    "deepstack_merger_list",
    "merger_list",  # Qwen3-Omni's deepstack mergers
    "downsample",
    "vision_resampler",  # LLaVA-NeXT-Video's pooler
    "vision_projection",  # LightOnOCR's
    "aligner",  # DeepSeek-VL's
    "projector",  # PaddleOCR-VL's
    "vit_merger",  # MiniCPM-V 4.6's window-attention merger inside its ViT
    "density_router",  # Granite-Docling's: picks the connector path from the vision features
    "patch_merger",  # HunYuanVL's, inside its vision tower
    # Ovis2's visual tokenizer head (visual-word logits and their norm) and the table of
    # visual words its probabilities multiply into text-width embeddings (a linear map)
    "head_linear",
    "head_norm",
    "visual_embeddings_table",
    # Gemma 4: each encoder's projection into the text width
    "embed_vision",
    "embed_audio",
    # BLIP-2's and InstructBLIP's Q-Former and the projection into the text width
    "qformer",
    "language_projection",
    # Kosmos-2's and Kosmos-2.5's latent queries cross-attending the image
    "image_to_text_projection",
    # GIT's projection of the image features (linear, LayerNorm) and its per-frame embeddings
    "visual_projection",
    "img_temporal_embedding",
}


#: Module paths whose tower their names alone do not say, longest first wins: Phi-4-multimodal
#: keeps both encoders and their projections under model.embed_tokens_extend.
TOWER_ROOTS = {
    "model.embed_tokens_extend.image_embed.img_processor.": "vision",
    "model.embed_tokens_extend.audio_embed.encoder.": "audio",
    "model.embed_tokens_extend.": "projector",
    # a VQ-VAE image tokenizer (Chameleon's), whose `downsample` convolutions are its own
    "model.vqmodel.": "vision",
    "model.vision_embed_tokens.": "vision",  # Fuyu's linear patch embedding, with no encoder
}


#: The same for models whose encoder and projector paths other models use for other parts
#: (BART's model.encoder is text): Granite Speech's conformer and Q-Former projector.
MODEL_TOWER_ROOTS = {
    model_type: {"model.encoder.": "audio", "model.projector.": "projector"}
    for model_type in ("granite_speech", "granite_speech_plus")
}
#: Qwen2.5-Omni's thinker: its audio encoder ends in the projection to the text width and
#: holds two learned rows of that width (audio_bos_eos_token), both the projector's.
MODEL_TOWER_ROOTS["qwen2_5_omni_thinker"] = {
    "model.audio_tower.proj.": "projector",
    "model.audio_tower.audio_bos_eos_token.": "projector",
}
#: Qwen3-Omni's thinker: its audio encoder ends in proj1 and proj2 to the text width.
MODEL_TOWER_ROOTS["qwen3_omni_moe_thinker"] = {
    "model.audio_tower.proj1.": "projector",
    "model.audio_tower.proj2.": "projector",
}
#: PP-FormulaNet's image encoder is model.encoder, its projector inside it.
MODEL_TOWER_ROOTS["pix2struct"] = {"encoder.": "vision"}
MODEL_TOWER_ROOTS["pp_formulanet"] = {
    "model.encoder.": "vision",
    "model.encoder.multi_modal_projector.": "projector",
}
#: DeepSeek-VL hybrid's SAM encoder, and what its model holds beside it to feed the aligner.
MODEL_TOWER_ROOTS["deepseek_vl_hybrid"] = {
    "model.high_res_vision_model.": "vision",
    "model.high_res_vision_neck.": "projector",
    "model.high_res_vision_proj.": "projector",
    "model.high_res_vision_alpha": "projector",
}


def tower_of(name: str, model_type: str | None = None) -> str:
    """The GROUPS.md tower of one parameter, from its dotted name (and its model_type)."""
    roots = {**TOWER_ROOTS, **MODEL_TOWER_ROOTS.get(model_type or "", {})}
    root = max((r for r in roots if name.startswith(r)), key=len, default=None)
    if root is not None:
        return roots[root]
    modules = name.split(".")[:-1]
    if any(m in PROJECTOR_MODULES or m.startswith("mm_") for m in modules):
        return "projector"
    if modules in (["model"], []) and name.split(".")[-1] in PROJECTOR_EMBEDDING_LEAVES:
        # a separator held by the model itself (LLaVA-NeXT's model.image_newline), learned
        # queries held at the top (BLIP-2's query_tokens)
        return "projector"
    if VISION_MODULES.intersection(modules):
        return "vision"
    if AUDIO_MODULES.intersection(modules):
        return "audio"
    return "text"


# ---------------------------------------------------------------------------------------------
# Groups: what a tensor does, from its module path.

#: Module names of output heads: the LM head (GPT-NeoX calls it embed_out) and BERT's pooler.
#: head: RWKV's; contact_head: ESM's contact regression. The rest are masked-LM heads: BERT's
#: cls.predictions (cls also holds BertLMHeadModel's prediction head, a decoder of an
#: EncoderDecoderModel), ALBERT's predictions, ELECTRA's generator_*, DistilBERT's vocab_*,
#: XLM's pred_layer.
#: head: RWKV's; contact_head: ESM's contact regression.
#: masked_embedding: a Gemma 4 assistant's centroid scorer, which picks the head's slices.
OUTPUT_MODULES = {
    "lm_head",
    "embedding_decoder",  # Perceiver's masked-LM bias beside the token table's transpose
    "embed_out",
    "pooler",
    "output_projection",
    "head",
    "contact_head",
    "cls",
    "predictions",
    "generator_predictions",
    "generator_lm_head",
    "vocab_transform",
    "vocab_projector",
    "pred_layer",
    "masked_embedding",
    "lm_loss",  # XLNet's LM head
    "entity_predictions",  # LUKE's masked-entity head beside its lm_head
    "projection_head",  # ModernVBERT's and UltraVBERT's masked-LM transform
}
#: Module names of embedding tables, OPT's width projections and Gemma 3n's per-layer inputs.
EMBEDDING_MODULES = {
    "wte",
    "wpe",
    "embed_tokens",
    "embed_positions",
    "word_embeddings",
    "position_embeddings",
    "token_type_embeddings",
    "embed_in",
    "shared",
    "project_in",
    "project_out",
    "embeddings",
    "embed_tokens_per_layer",
    "per_layer_model_projection",
    "tokens_embed",
    "positions_embed",  # OpenAI GPT
    "w",  # CTRL's token embedding (transformer.w)
    "tok_embeddings",  # ModernBERT
    "token_embedding",  # CLIP's text model
    "position_embedding",
    "embeddings_project",  # ELECTRA: embedding width -> hidden
    "embedding_hidden_mapping_in",  # RemBERT: embedding width -> hidden
    *(f"{axis}_position_embeddings" for axis in "xyhw"),  # LayoutLM's box coordinates
    "lang_embeddings",  # XLM
    "pronunciation_embed",  # RoCBERT's tables beside the token table
    "shape_embed",
    "map_inputs_layer",  # RoCBERT: their concatenation -> hidden
    "entity_embeddings",  # LUKE's entity table (and the module holding it)
    "entity_embedding_dense",  # LUKE: entity width -> hidden
    "embedding_projection",  # NeoMME's factorized token embedding -> hidden
    # NeoMME's masked-LM model: hidden -> embedding_rank before lm_head (as OPT's project_out)
    "unembedding_projection",
    "value_embeddings",  # NeoMME's per-token values for its global layers
    "embedding_transformation",  # MobileBERT: embedding width (x3 for trigrams) -> hidden
    "embed_proj",  # DeBERTa: embedding width -> hidden, before the embedding LayerNorm
    "embed_global",  # PEGASUS-X's global tokens
    "ngram_embeddings",  # ProphetNet's n-gram stream embeddings
    "word_embedding",  # XLNet
    "input_embedding",  # CPM-Ant's token table (with its prompt rows)
    "segment_embedding",  # CPM-Ant's segment (token-type) table
    "segment_emb",  # Kosmos-2.5's segment (token-type) table
    # a Gemma 4 assistant's projections from the target's [embedding; hidden state] to its
    # width and back (as OPT's project_in / project_out)
    "pre_projection",
    "post_projection",
    "ngram_embedding",  # Qwen4-Exp's per-layer n-gram table
    "encoder_hash_tok_embedding",  # BLT's hash n-gram table beside the byte table
    "token_embedding_projection",  # BLT: the encoder's patch vectors -> the global width
    "char_position_embeddings",  # CANINE's position table
    "output_position_encodings",  # Perceiver's decoder queries (learned positions)
}
#: Learned hidden states a model holds at its top level (HRM's initial low-level state):
#: embedding, like a learned token.
#: XLNet's mask_emb is its query stream's learned start, held by `transformer`.
EMBEDDING_LEAVES = {"z_L_init", "mask_emb"}
#: Module names that open a token mixer: self- and cross-attention, linear attention (Gated
#: DeltaNet), state-space mixers.
ATTENTION_MODULES = {
    "attn",
    "self_attn",
    "attention",
    "self_attention",
    "SelfAttention",
    "EncDecAttention",
    "crossattention",
    "cross_attn",
    "linear_attn",
    "mamba",
    "encoder_attn",  # XGLM / TrOCR cross-attention
    "cross_attention",  # NLLB-MoE
    "multi_head_attention",  # CTRL
    "conv",  # LFM2 short convolution
    "temporal_block",  # RecurrentGemma: its RG-LRU recurrent block or local attention
    "mlstm_layer",  # xLSTM
    "relative_attention_bias",  # MPNet's table shared by the encoder's layers
    "post_attention",  # SqueezeBERT's attention output convolution
    "attentions",  # XLM's module list of attention layers
    "rel_embeddings",  # DeBERTa's relative position table shared by the encoder's layers
    "LocalSelfAttention",  # LongT5's encoder attention (local)
    "TransientGlobalSelfAttention",  # LongT5's encoder attention (transient-global)
    # EncoderDecoderModel: the encoder's output projected to the decoder's width, which only the
    # cross-attention reads (with cross_attention_hidden_size its keys and values do it instead)
    "enc_to_dec_proj",
    # Inkling: short convolutions over the tokens on the attention and MLP outputs (token
    # mixing, as LFM2's conv)
    "attn_sconv",
    "mlp_sconv",
    "post_attention_convolution",  # the same in Inkling 2
    "post_mlp_convolution",
    "position_bias",  # CPM-Ant's segment/relative-position bias shared by its layers
    "rel_attn",  # XLNet's two-stream relative attention
    # BLT: the byte/patch cross-attention of its local models, and the projection of the
    # patches into the cross-attention's vectors
    "cross_attn_layers",
    "patch_embedding_projection",
    "x_attn",  # Kosmos-2 and Kosmos-2.5: the projector's latent queries attend the image
}
#: Module names that open a feed-forward block (BERT's `intermediate` and `output`, OPT's
#: fc1/fc2 that sit directly in the decoder layer, MoE blocks and their parts).
FEEDFORWARD_MODULES = {
    "mlp",
    "fc1",
    "fc2",
    "DenseReluDense",
    "intermediate",
    "output",
    "block_sparse_moe",
    "feed_forward",
    "experts",
    "shared_expert",
    "shared_experts",
    "shared_expert_gate",
    "router",
    "shared_mlp",
    "ffn",  # MPT, CTRL
    "ffn_output",  # ALBERT
    # HY-V4's hyper-connections: held by a block (and the model's head), neither mixer nor
    # norm, so feed-forward as GROUPS.md puts such extras.
    "attn_hc",
    "ffn_hc",
    "hc_head",
    # Qwen4-Exp's gated hyper-connections and the model's stream mixer, and its per-layer
    # n-gram module's projections and convolution (its table is embedding)
    "attn_hyper_connection",
    "mlp_hyper_connection",
    "hyper_connection_mixer",
    "ple",
    "mlp_block",  # RecurrentGemma
    "ada_rms_norm",  # Voxtral Realtime: the time-conditioned scale of the MLP's input
    # Gemma 3n: what a layer holds beside attention and the MLP, and AltUp's model projections
    "altup",
    "laurel",
    "per_layer_input_gate",
    "per_layer_projection",
    "altup_projections",
    "altup_unembed_projections",
    # ZAYA1: learned residual scalings around both halves of a layer
    "post_attention_residual_scale",
    "post_mlp_residual_scale",
    "ffns",  # XLM's module list of MLPs
    "mlps",  # LongCat-Flash's module list of its two sublayers' MLPs
    # MobileBERT's projections into and out of its narrow layer (the outermost module
    # decides: bottleneck.attention is the queries' and keys' input, not a mixer)
    "bottleneck",
    # Zamba's hybrid layer: the projection of its shared block's output, held by the layer
    "linear",
    # Inkling 2's block attention residuals: learned queries mixing earlier blocks' sums into
    # a layer's (and the final norm's) input, neither mixer nor norm
    "attention_input",
    "mlp_input",
    "final_input",
    "ff",  # XLNet
    # CANINE's strided convolution from characters to molecules between two stacks: a
    # model-level part, neither a block's mixer nor a norm (its `conv` is not LFM2's)
    "chars_to_molecules",
}
#: Model-level modules that open a feed-forward part only at the top of the path: CANINE's
#: `projection` (the convolution back to characters), a name other models use inside blocks.
TOP_FEEDFORWARD_MODULES = {"projection"}
#: Nemotron-H names every block's content `mixer`, whatever its kind: a mixer whose child is one
#: of these is the block's MLP or MoE (feed-forward); any other is Mamba-2 or attention.
FEEDFORWARD_CHILDREN = {
    "up_proj",
    "down_proj",
    "gate_proj",
    "experts",
    "gate",
    "router",
    "shared_experts",
    "shared_expert",
    "fc1_latent_proj",
    "fc2_latent_proj",
}
#: Vision-tower modules and parameters that embed the image: patch embedding (a convolution or
#: a linear layer), class and register tokens, position embeddings.
VISION_EMBEDDING_PARTS = {
    "embeddings",
    "patch_embedding",
    "patch_embed",
    "position_embedding",
    "class_embedding",
    "positional_embedding_vlm",
    "cls_token",
    "register_tokens",
    "pos_embed",
    "patch_conv",  # Pixtral
    # Mllama: the gated position table with its per-tile table, and the aspect-ratio tables
    "gated_positional_embedding",
    "pre_tile_positional_embedding",
    "post_tile_positional_embedding",
    "patch_embedder",  # Gemma 4: input_proj and the two position tables
    "vision_embed_tokens",  # Fuyu's
}
#: Modules an audio encoder holds itself that embed its input: Whisper's two front-end
#: convolutions and its position table.
#: Qwen3-Omni's and Qwen3-ASR's front-end: three strided Conv2d and conv_out to the width.
AUDIO_EMBEDDING_PARTS = {
    "conv1",
    "conv2",
    "embed_positions",
    "embedder",
    "conv2d1",
    "conv2d2",
    "conv2d3",
    "conv_out",
}
#: A vision tower's pooling head (SigLIP's attention-pooling `head`), output as a whole.
VISION_HEAD_MODULES = {"head"}
#: Layer scales and residual gates a block holds beside its mixer and feed-forward (InternVL's
#: lambda_1 / lambda_2, Mllama's gate_attn / gate_ffn): feedforward, per GROUPS.md.
BLOCK_SCALE_LEAVES = {"lambda_1", "lambda_2", "gate_attn", "gate_ffn"}
#: Learned tokens a projector holds (Q-Former queries, separators): embedding.
PROJECTOR_EMBEDDING_LEAVES = {
    "query_tokens",
    "latent_query",
    "query",  # Aria's learned queries
    "latents",  # Idefics2's perceiver latents
    "image_newline",
    "view_separator",
    "image_begin",  # HunYuanVL's image_begin, image_end and image_sep
    "image_end",
    "image_sep",
    "pos_embedding",  # Gemma 4 unified's encoder-free embedder: factorized patch positions
    # Phi-4-multimodal's separators of the global image and of each row of sub-images
    "global_img_feature_extensor",
    "sub_img_feature_extensor",
}


#: Tables of learned tokens a projector holds as an nn.Embedding (Qwen2.5-Omni's
#: audio_bos_eos_token): embedding.
PROJECTOR_EMBEDDING_MODULES = {"audio_bos_eos_token"}

#: Learned scales or gates of a projector, neither projection nor norm: feedforward.
PROJECTOR_SCALE_LEAVES = {"high_res_vision_alpha"}  # DeepSeek-VL hybrid's

#: Scales held by the model itself, neither mixer nor norm (ZAYA1's embedding affine map).
MODEL_SCALES = {"input_hidden_states_scale", "input_hidden_states_bias"}


def is_norm(module: str) -> bool:
    """Whether a module name is a normalization layer (ln_f, input_layernorm, q_norm, ...)."""
    lowered = module.lower().rstrip("0123456789")  # Gemma 4 unified's patch_ln1, patch_ln2
    return (
        "norm" in lowered
        or lowered.startswith("ln")
        or lowered.endswith(("_ln", "_rms"))  # RWKV's pre_ln, HunYuanVL's before_rms
    )


#: Perceiver's layers, named for their attention though they hold an MLP beside it.
PERCEIVER_LAYERS = {"cross_attention", "decoding_cross_attention"}


def block_group(modules: list[str]) -> str | None:
    """The group of the outermost mixer or feed-forward block on a path, or None."""
    for i, module in enumerate(modules):  # the outermost block decides: attention.output is
        if module in PERCEIVER_LAYERS and modules[i + 1 : i + 2] == ["mlp"]:
            return "feedforward"
        if module in ATTENTION_MODULES:  # attention
            return "attention"
        if module in FEEDFORWARD_MODULES:
            return "feedforward"
        if module == "mixer":
            child = modules[i + 1] if i + 1 < len(modules) else ""
            return "feedforward" if child in FEEDFORWARD_CHILDREN else "attention"
    return None


def named_module(modules: list[str]) -> str:
    """The innermost module with a name: StableLM's `q_layernorm.norms.0` is `norms`."""
    named = [m for m in modules if not m.isdigit()]
    return named[-1] if named else ""


def inside_mixer(modules: list[str], names: set[str]) -> bool:
    """Whether the first of `names` on a path sits inside a token mixer."""
    first = next((i for i, m in enumerate(modules) if m in names), None)
    mixer = next((i for i, m in enumerate(modules) if m in ATTENTION_MODULES), None)
    return first is not None and mixer is not None and mixer < first


def classify_text(parts: list[str]) -> str | None:
    """Group of a language-model tensor (the text tower), or None when no rule applies."""
    modules = parts[:-1]
    if modules and is_norm(named_module(modules)):
        return "norm"
    if inside_mixer(modules, OUTPUT_MODULES):
        return "attention"  # NeoMME's self_attn.output_projection: the mixer's gate and o_proj
    if OUTPUT_MODULES.intersection(modules) or modules in (["decoder"], ["output"]):
        # a top-level `decoder` is ModernBERT-decoder's LM head, a top-level `output` GIT's
        return "output"
    if modules and modules[-1] in EMBEDDING_MODULES:
        return "embedding"
    if modules[-2:] == ["embeddings", "projection"]:  # FNet's projection of the embeddings
        return "embedding"
    if modules and modules[-1].startswith("token_type_embeddings_"):  # TAPAS's tables
        return "embedding"
    if modules[-2:-1] == ["patch_embeddings"]:  # NeoMME's patch stem (its norm: norm)
        return "embedding"
    # Reformer's axial position factors (weights.{i}) and its plain table (embedding)
    if modules[-3:-1] == ["embeddings", "position_embeddings"]:
        return "embedding"
    if modules and modules[-1].startswith("HashBucketCodepointEmbedder_"):  # CANINE's tables
        return "embedding"
    if modules[:1] and modules[0] in TOP_FEEDFORWARD_MODULES:
        return "feedforward"
    if parts[-1] in EMBEDDING_LEAVES and modules in (["model"], ["transformer"]):
        return "embedding"
    group = block_group(modules)
    if group:
        return group
    if parts[-1] in MODEL_SCALES:
        return "feedforward"
    if parts[-1] == "e_score_correction_bias" or (modules and modules[-1] == "gate"):
        return "feedforward"
    if len(modules) >= 2 and modules[-1].isdigit() and modules[-2] == "layers":
        # held by the decoder layer itself (Doge's input_residual): GROUPS.md says feedforward
        return "feedforward"
    return None


#: A VQ-VAE's parts that embed: its input convolution and its codebook (quantize.embedding).
VQ_EMBEDDING_MODULES = {"conv_in", "quantize"}
#: A VQ-VAE's attention blocks: those of a level (a ModuleList `attn`) and the middle one.
VQ_ATTENTION_MODULES = {"attn", "attn_1"}
#: The 1x1 convolutions of Emu3's spatial norm that turn the quantized latent into the norm's
#: scale and shift: conditioning, neither mixer nor norm, so feedforward.
VQ_CONDITIONING_MODULES = {"conv_y", "conv_b"}


def classify_vq(modules: list[str]) -> str:
    """Group of a VQ-VAE tokenizer tensor: GroupNorms and BatchNorms are norm, the encoder's
    conv_in and the codebook embedding, an attention block attention, every other convolution
    (residual blocks, down- and upsampling, temporal ones, a decoder's conv_in, conv_out,
    quant_conv, post_quant_conv, a spatial norm's conditioning) feedforward."""
    if is_norm(named_module(modules)):  # Emu3's attn_norms.{i}
        return "norm"
    if VQ_CONDITIONING_MODULES.intersection(modules):
        return "feedforward"
    if "decoder" not in modules and VQ_EMBEDDING_MODULES.intersection(modules):
        return "embedding"
    if "quantize" in modules:
        return "embedding"
    if VQ_ATTENTION_MODULES.intersection(modules):
        return "attention"
    return "feedforward"


def classify_vision(parts: list[str]) -> str | None:
    """Group of an image-encoder tensor, or None when no rule applies."""
    modules = parts[:-1]
    if "vqmodel" in modules:
        return classify_vq(modules)
    if VISION_HEAD_MODULES.intersection(modules):
        return "output"
    if modules and is_norm(modules[-1]):
        return "norm"
    if VISION_EMBEDDING_PARTS.intersection(parts):
        return "embedding"
    if "neck" in modules:  # SAM's convolutional neck after the blocks (GOT-OCR2)
        return "feedforward"
    if parts[-1] in BLOCK_SCALE_LEAVES:
        return "feedforward"
    return block_group(modules)


#: Norms of a projector's nn.Sequential, named by their index: GIT's (Linear, LayerNorm).
PROJECTOR_SEQUENTIAL_NORMS = {("visual_projection", "1")}
#: Embedding tables a projector holds: InstructBLIP's Q-Former reads the instruction's tokens.
PROJECTOR_TABLES = {"word_embeddings", "position_embeddings", "img_temporal_embedding"}


def classify_projector(parts: list[str]) -> str | None:
    """Group of a projector tensor: norms, learned tokens, real mixers, else feed-forward."""
    modules, leaf = parts[:-1], parts[-1]
    if (modules and is_norm(modules[-1])) or is_norm(leaf.removesuffix("_weight")):
        return "norm"
    if tuple(modules[-2:]) in PROJECTOR_SEQUENTIAL_NORMS:
        return "norm"
    embedding_modules = PROJECTOR_EMBEDDING_MODULES | PROJECTOR_TABLES
    if leaf in PROJECTOR_EMBEDDING_LEAVES or embedding_modules.intersection(modules):
        return "embedding"
    if leaf in PROJECTOR_SCALE_LEAVES:
        return "feedforward"
    if ATTENTION_MODULES.intersection(modules):
        return "attention"
    if leaf in ("weight", "bias") or leaf.endswith(("_weight", "_bias")):
        return "feedforward"
    return None


#: Audio-encoder modules that embed the input frames: a conformer's subsampling (Phi-4's
#: embed, Granite Speech's input_linear).
AUDIO_EMBEDDING_MODULES = {"embed", "input_linear"}
#: Audio-encoder modules of a token mixer beyond ATTENTION_MODULES: Phi-4's relative attention
#: bias table shared by the conformer's layers.
AUDIO_MIXER_MODULES = {"relative_attention_bias_layer"}
#: A conformer block's two half-step feed-forwards (Phi-4's, Granite Speech's), and Granite
#: Speech's CTC projections out of the width and back (neither mixer nor norm).
AUDIO_FEEDFORWARD_MODULES = {"feed_forward_in", "feed_forward_out", "ff1", "ff2", "out", "out_mid"}


def classify_audio(parts: list[str]) -> str | None:
    """Group of an audio-encoder tensor: a Whisper-style front-end and position table (held by
    the encoder itself) and a conformer's subsampling are embedding, a conformer's parts as
    below, the rest as in an image encoder."""
    modules = parts[:-1]
    top = next((i for i, m in enumerate(modules) if m in AUDIO_MODULES), None)
    if top is not None and modules[top + 1 : top + 2] and modules[top + 1] in AUDIO_EMBEDDING_PARTS:
        return "embedding"
    if modules and is_norm(modules[-1]):
        return "norm"
    if AUDIO_EMBEDDING_MODULES.intersection(modules):
        return "embedding"
    if AUDIO_MIXER_MODULES.intersection(modules):
        return "attention"
    if AUDIO_FEEDFORWARD_MODULES.intersection(modules):
        return "feedforward"
    return classify_vision(parts)


CLASSIFIERS: dict[str, Callable[[list[str]], str | None]] = {
    "text": classify_text,
    "vision": classify_vision,
    "audio": classify_audio,
    "projector": classify_projector,
}


def classify(name: str, model_type: str | None = None) -> tuple[str, str]:
    """The (group, tower) of one parameter, from its dotted name; raises when unknown."""
    tower = tower_of(name, model_type)
    group = CLASSIFIERS[tower](name.split("."))
    if group is None:
        raise ValueError(f"cannot classify parameter {name!r} (tower {tower})")
    return group, tower


# ---------------------------------------------------------------------------------------------
# Building and counting.

#: Encoder models are counted as the bare model (with pooler); T5 as the seq2seq LM.
BARE_MODEL_TYPES = {
    "bert",
    "roberta",
    "xlm-roberta",
    "camembert",
    "data2vec-text",
    "roberta-prelayernorm",
    "xlm-roberta-xl",
    "megatron-bert",
    "distilbert",
    "ernie",
    "ibert",
    "big_bird",
    "mra",
    "yoso",
    "splinter",
    # encoders_v2, encoders_v2_more, encoders_xlm
    "electra",
    "rembert",
    "longformer",
    "layoutlm",
    "roformer",
    "mpnet",
    "esm",
    "squeezebert",
    "xlm",
    "flaubert",
    "roc_bert",
    # paramcalc/families/encoders_rotary.py
    "gte",
    "nomic_bert",
    "jina_embeddings_v3",
    "eurobert",
    "modernbert",
    # paramcalc/families/encoders_factorized.py
    "fnet",
    "albert",
    # paramcalc/families/encoders_conv.py
    "convbert",
    # paramcalc/families/encoders_tables.py
    "tapas",
    "luke",
    # paramcalc/families/encoders_llama_like.py
    "esmc",
    "ultrabert",
    # paramcalc/families/encoders_neomme.py
    "neomme",
    # paramcalc/families/encoders_text_towers.py
    "clip_text_model",
    "tipsv2_text_model",
    "molmo2_text",
    # paramcalc/families/encoders_vision_language.py
    "modernvbert",
    "ultravbert",
    # paramcalc/families/encoders_deberta.py, encoders_extra_parts.py, encoders_mobilebert.py
    "mobilebert",
    "deberta",
    "deberta-v2",
    "nystromformer",
    "xmod",
    # paramcalc/families/encoders_reformer.py
    "reformer",
    # paramcalc/families/encoders_canine.py
    "canine",
    # paramcalc/families/encoders_funnel.py
    "funnel",
    # paramcalc/families/encoders_perceiver.py
    "perceiver",
}
#: T5 and its copies, whose config class always ties (see build_model).
T5_MODEL_TYPES = {"t5", "mt5", "umt5"}
#: Encoder-decoders, built by AutoModelForSeq2SeqLM (several also have a ForCausalLM decoder).
SEQ2SEQ_MODEL_TYPES = {
    "t5",
    "mt5",
    "umt5",
    "bart",
    "mbart",
    "plbart",
    "mvp",
    "blenderbot",
    "blenderbot-small",
    "pegasus",
    "marian",
    "m2m_100",
    "led",
    "bigbird_pegasus",
    "fsmt",
    "switch_transformers",
    "nllb-moe",
    "t5gemma",
    "t5gemma2",
    "longt5",
    "pegasus_x",
    "prophetnet",
    "encoder-decoder",
}
#: Auto classes tried in turn for a multimodal config; the model's own ForConditionalGeneration
#: class comes last.
MULTIMODAL_AUTO_CLASSES = ("AutoModelForImageTextToText", "AutoModelForMultimodalLM")
#: Multimodal models built by AutoModelForMultimodalLM that is_multimodal does not tell: text
#: fields at the config's top level (Phi-4-multimodal, whose AutoModelForCausalLM class is the
#: same) or an encoder_config (Granite Speech).
MULTIMODAL_LM_TYPES = {"phi4_multimodal", "granite_speech", "granite_speech_plus"}


#: model_types whose only generating class is the one AutoModelForImageTextToText maps them to,
#: though their config holds no vision or audio encoder (Mistral 4: Mistral4ForCausalLM) or
#: holds a VQ-VAE's vq_config beside its text fields (Chameleon) or its text_config (Emu3, whose
#: AutoModelForCausalLM class is the text model alone), or no encoder at all (Fuyu).
IMAGE_TEXT_ONLY_TYPES = {"mistral4", "chameleon", "emu3", "fuyu"}


def is_multimodal(hf_config: Any) -> bool:
    """Whether a config joins a language model to a vision or audio encoder."""
    return getattr(hf_config, "text_config", None) is not None and any(
        getattr(hf_config, key, None) is not None for key in ("vision_config", "audio_config")
    )


def default_auto_classes(model_type: str, hf_config: Any) -> list[str]:
    """The classes to try, in order, for a model_type when --auto-class is not given."""
    if model_type in BARE_MODEL_TYPES:
        return ["AutoModel"]
    if model_type in SEQ2SEQ_MODEL_TYPES:
        return ["AutoModelForSeq2SeqLM"]
    if model_type in MULTIMODAL_LM_TYPES:
        return ["AutoModelForMultimodalLM"]
    if is_multimodal(hf_config) or model_type in IMAGE_TEXT_ONLY_TYPES:
        return [*MULTIMODAL_AUTO_CLASSES, "ForConditionalGeneration"]
    return ["AutoModelForCausalLM"]


def instantiate(auto_class: str, hf_config: Any) -> Any:
    """Build one class on the current device; `ForConditionalGeneration` means the family's."""
    import transformers

    if auto_class == "ForConditionalGeneration":
        mapped: Any = transformers.AutoModel._model_mapping[type(hf_config)]
        base: str = mapped.__name__
        auto_class = base.removesuffix("Model") + "ForConditionalGeneration"
    cls = getattr(transformers, auto_class)
    if auto_class.startswith("Auto"):
        return cls.from_config(hf_config)
    return cls(hf_config)


def build_model(config: Config, auto_class: str | None = None) -> tuple[Any, str]:
    """Instantiate a config.json mapping on the meta device; returns (model, class used)."""
    import torch
    import transformers

    model_type = config["model_type"]
    # a copy: a config class may rewrite its sub-config mappings in place (MusicFlamingoConfig
    # renames the audio_config's model_type), and the fixture keeps the config as given
    fields = copy.deepcopy({k: v for k, v in config.items() if k != "model_type"})
    hf_config = transformers.AutoConfig.for_model(model_type, **fields)
    tried = [auto_class] if auto_class else default_auto_classes(model_type, hf_config)
    with torch.device("meta"):
        for i, name in enumerate(tried):
            try:
                model = instantiate(name, hf_config)
            except (ValueError, KeyError, AttributeError):
                if auto_class or i == len(tried) - 1:
                    raise
                continue
            break
        if model_type in T5_MODEL_TYPES and config.get("tie_word_embeddings") is False:
            # T5Config always ties, but an untied checkpoint (flan-t5) carries its own head
            # and from_pretrained then leaves it untied (modeling_utils.tie_weights).
            model.lm_head.weight = torch.nn.Parameter(torch.empty_like(model.lm_head.weight))
        if untied_t5_text(config):
            # the same for a T5 language model nested in BLIP-2 (blip2-flan-t5-xl)
            head = model.language_model.lm_head
            head.weight = torch.nn.Parameter(torch.empty_like(head.weight))
    return model, name


def is_composite(model: Any) -> bool:
    """Whether a model joins two models of other families (EncoderDecoderModel)."""
    return getattr(model.config, "model_type", None) == "encoder-decoder"


def input_table(model: Any) -> Any:
    """The weight of a model's token table; None for a model without one."""
    try:
        return getattr(model.get_input_embeddings(), "weight", None)
    except (AttributeError, NotImplementedError):  # a model without one token table
        return None


def untied_t5_text(config: Config) -> bool:
    """Whether a config nests a T5 text_config whose checkpoint carries its own head."""
    text = config.get("text_config")
    return (
        isinstance(text, dict)
        and text.get("model_type") in T5_MODEL_TYPES
        and text.get("tie_word_embeddings") is False
    )


def count(model: Any) -> dict[str, Any]:
    """Tensors, total, per-group and per-tower counts; shared tensors are counted once."""
    groups = dict.fromkeys(GROUPS, 0)
    towers: dict[str, dict[str, int]] = {t: dict.fromkeys(GROUPS, 0) for t in TOWERS}
    tensors: list[list[Any]] = []
    # EncoderDecoderModel's input embeddings are its encoder's; its decoder has its own table
    sides = [model, getattr(model, "decoder", None)] if is_composite(model) else [model]
    tables = [input_table(m) for m in sides]
    for name, param in model.named_parameters():  # yields each shared tensor once
        group, tower = classify(name, getattr(model.config, "model_type", None))
        if any(param is table for table in tables) and tower == "text":
            # a tied table listed under the head's name (XLM-RoBERTa's masked-LM model
            # registers lm_head first) is still the token embedding, counted in embedding
            group = "embedding"
        groups[group] += param.numel()
        towers[tower][group] += param.numel()
        tensors.append([name, list(param.shape)])
    total = sum(p.numel() for p in model.parameters())
    if total != sum(groups.values()):
        raise RuntimeError(f"groups add up to {sum(groups.values())}, total is {total}")
    return {
        "total": total,
        "groups": groups,
        "towers": {
            t: {"total": sum(g.values()), "groups": g}
            for t, g in towers.items()
            if t == "text" or any(g.values())
        },
        "tensors": tensors,
    }


def fixture(
    name: str, config: Config, auto_class: str | None = None, extra: Config | None = None
) -> Config:
    """One fixture: the config as given and what transformers builds and counts for it."""
    model_type = config.get("model_type")
    if not isinstance(model_type, str):
        raise SystemExit(f"{name}: config has no model_type")
    model, used = build_model(config, auto_class)
    counted = count(model)
    # The config as transformers writes it with every field (save_pretrained's config.json
    # with use_diff off): paramcalc must read this form as well as the published, short one.
    full = json.loads(model.config.to_json_string(use_diff=False))
    if model_type in T5_MODEL_TYPES and config.get("tie_word_embeddings") is False:
        full["tie_word_embeddings"] = False  # T5Config writes True; the checkpoint is untied
    if untied_t5_text(config):
        full["text_config"]["tie_word_embeddings"] = False
    return {
        "name": name,
        "model_type": model_type,
        **(extra or {}),
        "auto_class": used,
        "model_class": type(model).__name__,
        "total": counted["total"],
        "groups": counted["groups"],
        "towers": counted["towers"],
        "config": config,
        "config_full": full,
        "tensors": counted["tensors"],
    }


# ---------------------------------------------------------------------------------------------
# Writing: JSON with two-space indents, one tensor per line.


def is_tensor_list(value: Any) -> bool:
    """Whether a value is a `[[name, [shape...]], ...]` list."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(row, list) and len(row) == 2 and isinstance(row[0], str) for row in value
        )
    )


def render(value: Any, depth: int = 0) -> str:
    """JSON text like `json.dumps(indent=2)`, except that tensor lists keep a row per line."""
    pad = "  " * depth
    if is_tensor_list(value):
        rows = ",\n".join(f"{pad}  {json.dumps(row)}" for row in value)
        return f"[\n{rows}\n{pad}]"
    if (
        isinstance(value, dict)
        and value
        and any(is_tensor_list(v) or isinstance(v, dict) and "tensors" in v for v in value.values())
    ):
        items = ",\n".join(
            f"{pad}  {json.dumps(k)}: {render(v, depth + 1)}" for k, v in value.items()
        )
        return f"{{\n{items}\n{pad}}}"
    return json.dumps(value, indent=2).replace("\n", "\n" + pad)


def write(result: Config, out: Path | None) -> None:
    """Write one fixture as OUT/NAME.json, or to stdout."""
    text = render(result) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{result['name']}.json").write_text(text)
    print(f"{result['name']}: {result['total']:,} {result['groups']}", file=sys.stderr)


def refresh(path: Path, out: Path | None) -> None:
    """Recount an existing fixture from its config; stop if its total or groups moved."""
    old = json.loads(path.read_text())
    extra = {k: old[k] for k in ("mirrors", "notes") if k in old}
    new = fixture(old["name"], old["config"], old.get("auto_class"), extra)
    if new["total"] != old["total"] or new["groups"] != old["groups"]:
        raise SystemExit(
            f"{path}: counts changed: total {old['total']} -> {new['total']}, "
            f"groups {old['groups']} -> {new['groups']}"
        )
    write(new, out or path.parent)


def check_models(path: Path, tensors_out: Path | None = None) -> int:
    """Recount every reference model and compare counts and classes; 0 when all agree."""
    bad = 0
    tensors: dict[str, Config] = {}
    for m in json.loads(path.read_text()):
        got = fixture(m["name"], m["config_json"])
        ok = (
            got["total"] == m["total"]
            and all(got["groups"][g] == m["groups"].get(g, 0) for g in GROUPS)
            and all(got[k] == m[k] for k in ("auto_class", "model_class") if k in m)
        )
        bad += not ok
        tensors[m["name"]] = {"towers": got["towers"], "tensors": got["tensors"]}
        print(f"{'ok   ' if ok else 'WRONG'} {m['name']:20s} {got['total']:>16,} {got['groups']}")
    if tensors_out and not bad:
        tensors_out.write_text(render(tensors) + "\n")
    return 1 if bad else 0


# ---------------------------------------------------------------------------------------------
# Random variants: per family, the config fields that change which tensors exist or their shapes.
#
# A field generator draws values into a config in place; a family's generators run in order, so
# a later one may read what an earlier one drew (heads divide the width, top-k <= experts). A few
# fields that do NOT change any shape but look as if they might are moved too, so that a counter
# that wrongly reads them fails (they are named in each family's comment).

Gen = Callable[[random.Random, Config], None]


def rint(field: str, lo: int, hi: int, step: int = 1) -> Gen:
    """Draw an integer in [lo, hi] on a grid of `step`."""

    def gen(rng: random.Random, c: Config) -> None:
        c[field] = rng.randrange(lo, hi + 1, step)

    return gen


def pick(field: str, *options: Any) -> Gen:
    """Draw one of the given values (None allowed: the field is then written as null)."""

    def gen(rng: random.Random, c: Config) -> None:
        c[field] = rng.choice(options)

    return gen


def flag(field: str) -> Gen:
    """Draw a boolean."""
    return pick(field, True, False)


def heads(
    width: str = "hidden_size",
    q: str = "num_attention_heads",
    kv: str | None = "num_key_value_heads",
    options: Iterable[int] = (1, 2, 4, 8),
) -> Gen:
    """Draw a head count that divides the width and a key/value head count that divides it."""
    choices = tuple(options)

    def gen(rng: random.Random, c: Config) -> None:
        c[q] = rng.choice([h for h in choices if c[width] % h == 0])
        if kv:
            c[kv] = rng.choice([h for h in choices if c[q] % h == 0])

    return gen


def top_k(field: str, experts: str, most: int = 4) -> Gen:
    """Draw a number of experts per token, at least 1 and at most the (nonzero) expert count."""

    def gen(rng: random.Random, c: Config) -> None:
        c[field] = rng.randint(1, max(1, min(most, c[experts])))

    return gen


def per_layer(field: str, kinds: Iterable[Any], layers: str = "num_hidden_layers") -> Gen:
    """Draw an explicit per-layer list (layer_types, no_rope_layers...) as long as the stack."""
    choices = tuple(kinds)

    def gen(rng: random.Random, c: Config) -> None:
        c[field] = [rng.choice(choices) for _ in range(c[layers])]

    return gen


def subset(field: str, layers: str = "num_hidden_layers") -> Gen:
    """Draw a sorted list of layer indices (mlp_only_layers, moe_layers)."""

    def gen(rng: random.Random, c: Config) -> None:
        c[field] = sorted(rng.sample(range(c[layers]), rng.randint(0, c[layers] - 1)))

    return gen


def one_of(*alternatives: list[Gen]) -> Gen:
    """Run one of several generator lists: two ways of saying the same thing (a pattern step or
    an explicit list), or a field that only sometimes appears."""

    def gen(rng: random.Random, c: Config) -> None:
        for g in rng.choice(alternatives):
            g(rng, c)

    return gen


def sub(key: str, gens: list[Gen]) -> Gen:
    """Run generators inside a nested config (text_config, vision_config)."""

    def gen(rng: random.Random, c: Config) -> None:
        inner = c.setdefault(key, {})
        for g in gens:
            g(rng, inner)

    return gen


def image(
    size: str = "image_size",
    patch: str = "patch_size",
    sides: Iterable[int] = (2, 4, 6),
    patches: Iterable[int] = (8, 14, 16),
) -> Gen:
    """Draw a patch size and an image size that is a whole number of patches per side."""
    side_choices, patch_choices = tuple(sides), tuple(patches)

    def gen(rng: random.Random, c: Config) -> None:
        c[patch] = rng.choice(patch_choices)
        c[size] = c[patch] * rng.choice(side_choices)

    return gen


def mm_tokens(rng: random.Random, c: Config) -> None:
    """Gemma 3: tokens per image, a square whose side divides the patches per side."""
    vision = c["vision_config"]
    side = vision["image_size"] // vision["patch_size"]
    c["mm_tokens_per_image"] = rng.choice([s for s in range(1, side + 1) if side % s == 0]) ** 2


def gemma3_pattern(rng: random.Random, c: Config) -> None:
    """Gemma 3 text: sliding/full layers by sliding_window_pattern or an explicit list."""
    if rng.random() < 0.5:
        c["sliding_window_pattern"] = rng.randint(1, 4)
    else:
        per_layer("layer_types", ("sliding_attention", "full_attention"))(rng, c)
    c["sliding_window"] = rng.choice((16, 64, 512))


def qwen3_next_pattern(rng: random.Random, c: Config) -> None:
    """Qwen3-Next: DeltaNet/attention layers by full_attention_interval or an explicit list."""
    if rng.random() < 0.5:
        c["full_attention_interval"] = rng.randint(1, 4)
    else:
        per_layer("layer_types", ("linear_attention", "full_attention"))(rng, c)


def linear_heads(rng: random.Random, c: Config) -> None:
    """Qwen3-Next DeltaNet: value heads are a multiple of key heads."""
    c["linear_num_key_heads"] = rng.choice((1, 2, 4))
    c["linear_num_value_heads"] = c["linear_num_key_heads"] * rng.choice((1, 2, 3))


def nemotron_blocks(rng: random.Random, c: Config) -> None:
    """Nemotron-H: the block list, as layers_block_type or the legacy hybrid_override_pattern."""
    kinds = ["linear_attention", "full_attention", "mlp", "moe"]
    blocks = rng.sample(kinds, 2) + [rng.choice(kinds) for _ in range(rng.randint(0, 4))]
    rng.shuffle(blocks)
    if rng.random() < 0.5:
        c["layers_block_type"] = blocks
    else:
        letters = {"linear_attention": "M", "full_attention": "*", "mlp": "-", "moe": "E"}
        c["hybrid_override_pattern"] = "".join(letters[b] for b in blocks)


def mamba_groups(rng: random.Random, c: Config) -> None:
    """Nemotron-H Mamba-2: n_groups divides the Mamba head count."""
    c["n_groups"] = rng.choice([g for g in (1, 2, 4) if c["mamba_num_heads"] % g == 0])


def llama4_moe_layers(rng: random.Random, c: Config) -> None:
    """Llama 4 text: MoE layers by interleave_moe_layer_step or an explicit moe_layers list."""
    if rng.random() < 0.6:
        c["interleave_moe_layer_step"] = rng.randint(1, 3)
    else:
        subset("moe_layers")(rng, c)


def llama4_rope_layers(rng: random.Random, c: Config) -> None:
    """Llama 4 text: NoPE layers (no parameters: the qk norm is a plain L2 norm)."""
    if rng.random() < 0.5:
        c["no_rope_layer_interval"] = rng.randint(1, 4)
    else:
        per_layer("no_rope_layers", (0, 1))(rng, c)


def first_dense(rng: random.Random, c: Config) -> None:
    """DeepSeek: the first k layers keep a dense MLP (k < layers, so some layers route)."""
    c["first_k_dense_replace"] = rng.randint(0, c["num_hidden_layers"] - 1)


def mlp_layer_types(rng: random.Random, c: Config) -> None:
    """DeepSeek-V3.2 / GLM-DSA: dense and MoE layers by first_k_dense_replace or a list."""
    if rng.random() < 0.5:
        first_dense(rng, c)
    else:
        per_layer("mlp_layer_types", ("dense", "sparse"))(rng, c)


def glm_indexers(rng: random.Random, c: Config) -> None:
    """GLM-DSA: layers with their own indexer (full) or sharing the previous top-k (shared), by
    indexer_types, the index_topk_pattern string or index_topk_freq and its offset."""
    choice = rng.randrange(3)
    if choice == 0:
        per_layer("indexer_types", ("full", "shared"))(rng, c)
    elif choice == 1:
        c["index_topk_pattern"] = "".join(rng.choice("FS") for _ in range(c["num_hidden_layers"]))
    else:
        c["index_topk_freq"] = rng.randint(1, 3)
        c["index_skip_topk_offset"] = rng.randint(0, 3)


def maybe(*gens: Gen) -> Gen:
    """Run the generators or leave their fields out (a field the config class does not
    declare, which modeling code reads with getattr, as head_dim in Qwen2 or OLMo)."""
    return one_of([], list(gens))


def spelled(aliases: dict[str, str]) -> Gen:
    """Write drawn fields under another name the config class accepts (its attribute_map, or a
    legacy keyword such as Falcon's n_embed), each with even odds, so the importer's alias
    table is exercised; runs last, once every field has been drawn."""

    def gen(rng: random.Random, c: Config) -> None:
        for field, alias in aliases.items():
            if field in c and rng.random() < 0.5:
                c[alias] = c.pop(field)

    return gen


def qwen_span(rng: random.Random, c: Config) -> None:
    """Qwen2/3 and their MoE: sliding layers by use_sliding_window and max_window_layers, or an
    explicit layer_types list (no shape moves: the span only decides a layer's kind)."""
    c["use_sliding_window"] = rng.random() < 0.5
    c["sliding_window"] = rng.choice((16, 64, 512))
    if rng.random() < 0.5:
        c["max_window_layers"] = rng.randint(0, c["num_hidden_layers"])
    else:
        per_layer("layer_types", ("sliding_attention", "full_attention"))(rng, c)


def phi_head_dim(rng: random.Random, c: Config) -> None:
    """Phi: an explicit head_dim only without qk_layernorm, whose norms are hidden // heads wide
    whatever head_dim says (paramcalc refuses that mismatch)."""
    if not c["qk_layernorm"] and rng.random() < 0.5:
        HEAD_DIM(rng, c)


def bert_decoder(rng: random.Random, c: Config) -> None:
    """BERT/RoBERTa: is_decoder alone changes no shape; cross-attention needs it."""
    c["is_decoder"] = rng.random() < 0.5
    c["add_cross_attention"] = c["is_decoder"] and rng.random() < 0.5


def falcon_layout(rng: random.Random, c: Config) -> None:
    """Falcon: the attention and norm layout (new decoder, multi-query, parallel blocks, how
    many norms a parallel block has), each flag on its own."""
    for key in ("new_decoder_architecture", "multi_query", "parallel_attn", "alibi", "bias"):
        c[key] = rng.random() < 0.5
    c["num_ln_in_parallel_attn"] = rng.choice((None, 1, 2))


def gpt_neo_attention_types(rng: random.Random, c: Config) -> None:
    """GPT-Neo: [[kinds, repeat], ...] expanding to exactly num_layers global/local layers."""
    layers = c["num_layers"]
    patterns = [
        p
        for p in (["global"], ["local"], ["global", "local"], ["local", "global"])
        if layers % len(p) == 0
    ]
    if rng.random() < 0.5:
        pattern = rng.choice(patterns)
        c["attention_types"] = [[pattern, layers // len(pattern)]]
    else:
        c["attention_types"] = [[[rng.choice(("global", "local"))], 1] for _ in range(layers)]


VOCAB = rint("vocab_size", 256, 4096)
HIDDEN = rint("hidden_size", 64, 512, 32)
LAYERS = rint("num_hidden_layers", 2, 6)
HEAD_DIM = pick("head_dim", 16, 32, 48, 64)
INTERMEDIATE = rint("intermediate_size", 64, 1024, 32)

#: Llama-style decoders: the fields every one of them reads.
DECODER = [VOCAB, HIDDEN, INTERMEDIATE, LAYERS, heads(), flag("tie_word_embeddings")]
WINDOW = pick("sliding_window", None, 16, 512)
QWEN_MOE = [
    pick("num_experts", 0, 2, 4, 6),
    top_k("num_experts_per_tok", "num_experts"),
    rint("moe_intermediate_size", 32, 256, 32),
    pick("decoder_sparse_step", 1, 2, 3),
    subset("mlp_only_layers"),
]
MLA = [
    pick("q_lora_rank", None, 32, 64),
    pick("kv_lora_rank", 16, 32, 64),
    pick("qk_nope_head_dim", 16, 32),
    pick("qk_rope_head_dim", 8, 16),
    pick("v_head_dim", 16, 32, 48),
    flag("attention_bias"),
]
GPT2_SPELLINGS = spelled(
    {
        "n_embd": "hidden_size",
        "n_layer": "num_hidden_layers",
        "n_head": "num_attention_heads",
        "n_positions": "max_position_embeddings",
    }
)
BERT = [
    VOCAB,
    HIDDEN,
    heads(kv=None),
    LAYERS,
    INTERMEDIATE,
    rint("max_position_embeddings", 32, 512, 32),
    pick("type_vocab_size", 1, 2, 4),
    bert_decoder,
    flag("tie_word_embeddings"),
]

GEMMA3_TEXT = [
    VOCAB,
    HIDDEN,
    INTERMEDIATE,
    LAYERS,
    heads(),
    HEAD_DIM,
    flag("attention_bias"),
    gemma3_pattern,
]
LLAMA4_TEXT = [
    VOCAB,
    HIDDEN,
    INTERMEDIATE,
    rint("intermediate_size_mlp", 64, 1024, 32),
    LAYERS,
    heads(),
    HEAD_DIM,
    flag("attention_bias"),
    rint("num_local_experts", 1, 6),
    top_k("num_experts_per_tok", "num_local_experts", 2),
    llama4_moe_layers,
    llama4_rope_layers,
    flag("use_qk_norm"),
    flag("tie_word_embeddings"),
]
SIGLIP_VISION = [
    HIDDEN,
    INTERMEDIATE,
    LAYERS,
    heads(kv=None),
    pick("num_channels", 1, 3),
    image(),
    flag("vision_use_head"),
]


def mllama_tiles(rng: random.Random, c: Config) -> None:
    """Mllama vision: the default 8 layouts of 4 tiles, or its own layouts (rows: layouts + 1)."""
    if rng.random() < 0.3:
        c["max_num_tiles"] = 4
        return
    c["max_num_tiles"] = rng.randint(1, 4)
    layouts = [[r, k] for r in range(1, 5) for k in range(1, 5) if r * k <= c["max_num_tiles"]]
    c["supported_aspect_ratios"] = rng.sample(layouts, rng.randint(1, len(layouts)))


#: Mllama's vision model; intermediate_layers_indices changes no shape (vision_output_dim says
#: the projector's input), moved too.
MLLAMA_VISION = [
    HIDDEN,
    INTERMEDIATE,
    LAYERS,
    rint("num_global_layers", 0, 3),
    heads(q="attention_heads", kv=None),
    pick("num_channels", 1, 3),
    image(),
    mllama_tiles,
    rint("vision_output_dim", 32, 512, 16),
    pick("intermediate_layers_indices", [0], [0, 1], [1, 0, 1]),
]
#: Mllama's language model; tie_word_embeddings ties nothing there, moved too (pad_token_id
#: only keeps the padding row inside a small table).
MLLAMA_TEXT = [
    *DECODER,
    pick("pad_token_id", None, 0),
    one_of([pick("cross_attention_layers", None)], [subset("cross_attention_layers")]),
]
LLAMA4_VISION = [
    HIDDEN,
    INTERMEDIATE,
    LAYERS,
    heads(kv=None),
    pick("num_channels", 1, 3),
    image(),
    rint("vision_output_dim", 32, 512, 16),
    rint("projector_input_dim", 32, 512, 16),
    rint("projector_output_dim", 32, 512, 16),
    pick("pixel_shuffle_ratio", 0.5, 0.25),
    flag("multi_modal_projector_bias"),
]

#: DeepSeek sparse attention (DeepSeek-V3.2, GLM-DSA); mlp_bias changes no shape (moved to
#: prove it).
DSA = [
    VOCAB,
    HIDDEN,
    INTERMEDIATE,
    LAYERS,
    heads(),
    pick("q_lora_rank", 32, 64),
    pick("kv_lora_rank", 16, 32, 64),
    pick("qk_nope_head_dim", 16, 32),
    pick("qk_rope_head_dim", 8, 16),
    pick("v_head_dim", 16, 32, 48),
    flag("attention_bias"),
    flag("mlp_bias"),
    rint("n_routed_experts", 2, 8),
    top_k("num_experts_per_tok", "n_routed_experts"),
    pick("n_shared_experts", 1, 2),
    rint("moe_intermediate_size", 32, 256, 32),
    mlp_layer_types,
    pick("index_n_heads", 2, 4, 8),
    pick("index_head_dim", 16, 32, 64),
    flag("tie_word_embeddings"),
]


def nullable(field: str, chance: float = 0.3) -> Gen:
    """Sometimes write a drawn field as null (the config class then derives it)."""

    def gen(rng: random.Random, c: Config) -> None:
        if rng.random() < chance:
            c[field] = None

    return gen


def whole_heads(rng: random.Random, c: Config) -> None:
    """Helium: head_dim x heads is hidden_size (its o_proj reads hidden_size features)."""
    heads(kv="num_key_value_heads")(rng, c)
    c["head_dim"] = c["hidden_size"] // c["num_attention_heads"]


def windows(kinds: Iterable[str] = ("sliding_attention", "full_attention")) -> Gen:
    """A sliding window (or none) and, half the time, an explicit layer_types list."""
    choices = tuple(kinds)

    def gen(rng: random.Random, c: Config) -> None:
        c["sliding_window"] = rng.choice((None, 16, 64))
        if rng.random() < 0.5:
            per_layer("layer_types", choices)(rng, c)

    return gen


def internlm3_biases(rng: random.Random, c: Config) -> None:
    """InternLM3: one bias flag, written as attention_bias/mlp_bias or their qkv_bias/bias."""
    bias = rng.random() < 0.5
    names = rng.choice((("attention_bias", "mlp_bias"), ("qkv_bias", "bias")))
    c.update(dict.fromkeys(names, bias))


def solar_top_k(rng: random.Random, c: Config) -> None:
    """Solar Open: experts per token, at most the experts under either of their names."""
    experts = c.get("n_routed_experts") or c.get("num_local_experts") or 1
    c["num_experts_per_tok"] = rng.randint(1, min(4, experts))


def smollm3_rope(rng: random.Random, c: Config) -> None:
    """SmolLM3: NoPE layers by no_rope_layer_interval or an explicit no_rope_layers list."""
    if rng.random() < 0.5:
        c["no_rope_layer_interval"] = rng.randint(1, 4)
    else:
        per_layer("no_rope_layers", (0, 1))(rng, c)


#: Dense Llama-like decoders: sizes, heads (kv heads sometimes null: one per query head), tying.
DENSE = [VOCAB, HIDDEN, INTERMEDIATE, LAYERS, heads(), flag("tie_word_embeddings")]
#: head_dim for a config class without the field: absent, or set (getattr finds it).
HEAD_DIM_KEY = one_of([], [HEAD_DIM])
#: head_dim for a config class whose __post_init__ turns null into hidden_size // heads.
HEAD_DIM_NULL = pick("head_dim", None, 16, 32, 48, 64)
#: A default pad_token_id beyond a small vocabulary (SmolLM3, GLM) would not build: none.
NO_PAD = pick("pad_token_id", None)
LLAMA_BIAS_FLAGS = [flag("attention_bias"), flag("mlp_bias")]
GLM_ROTARY = pick("partial_rotary_factor", 0.5, 1.0)
#: Multipliers that scale activations and change no shape (moved to prove it).
GRANITE_SCALES = [
    pick("embedding_multiplier", 1.0, 12.0),
    pick("residual_multiplier", 0.22, 1.0),
    pick("logits_scaling", 1.0, 8.0),
]

#: model_type -> the generators of its shape-changing fields (see each family's modeling_*.py).
VARIANT_FIELDS: dict[str, list[Gen]] = {
    # minicpm3: num_key_value_heads changes no shape (MLA).
    "minicpm3": [
        VOCAB,
        HIDDEN,
        INTERMEDIATE,
        LAYERS,
        heads(),
        pick("q_lora_rank", None, 32, 64),
        pick("kv_lora_rank", 16, 32, 64),
        pick("qk_nope_head_dim", 16, 32),
        pick("qk_rope_head_dim", 8, 16),
        pick("v_head_dim", None, 16, 32, 48),
        flag("attention_bias"),
        flag("mlp_bias"),
        flag("tie_word_embeddings"),
    ],
    "deepseek_v32": DSA,
    "flint": [
        VOCAB,
        HIDDEN,
        INTERMEDIATE,
        LAYERS,
        heads(),
        HEAD_DIM,
        flag("attention_bias"),
        pick("num_experts", 0, 2, 3, 4, 6, 8),
        top_k("num_experts_per_tok", "num_experts"),
        rint("moe_intermediate_size", 32, 256, 32),
        rint("shared_expert_intermediate_size", 32, 256, 32),
        pick("decoder_sparse_step", 1, 2),
        one_of([], [subset("mlp_only_layers")]),
        one_of([], [per_layer("layer_types", ("sliding_attention", "full_attention"))]),
        pick("sliding_window", 16, 513),
        flag("tie_word_embeddings"),
    ],
    # axk1: dense/MoE layers by mlp_layer_types or the first_k_dense_replace / moe_layer_freq
    # kwargs (which the config class pops).
    "axk1": [
        VOCAB,
        HIDDEN,
        INTERMEDIATE,
        LAYERS,
        heads(),
        pick("q_lora_rank", 32, 64),
        pick("kv_lora_rank", 16, 32, 64),
        pick("qk_nope_head_dim", 16, 32),
        pick("qk_rope_head_dim", 8, 16),
        pick("v_head_dim", 16, 32, 48),
        flag("attention_bias"),
        rint("n_routed_experts", 2, 8),
        top_k("num_experts_per_tok", "n_routed_experts"),
        pick("n_shared_experts", 1, 2),
        rint("moe_intermediate_size", 32, 256, 32),
        one_of(
            [first_dense, pick("moe_layer_freq", 1, 2)],
            [per_layer("mlp_layer_types", ("dense", "sparse"))],
        ),
        flag("tie_word_embeddings"),
    ],
    "kolibri1": [
        VOCAB,
        HIDDEN,
        LAYERS,
        heads(),
        HEAD_DIM,
        rint("num_experts", 1, 8),
        top_k("num_experts_per_tok", "num_experts"),
        rint("moe_intermediate_size", 32, 256, 32),
        rint("shared_expert_intermediate_size", 32, 256, 32),
        one_of([], [per_layer("layer_types", ("sliding_attention", "full_attention"))]),
        pick("sliding_window", 16, 513),
        flag("tie_word_embeddings"),
    ],
    # mimo_v2_flash: sliding layers have twice the key/value heads (which must divide the heads).
    "mimo_v2_flash": [
        VOCAB,
        HIDDEN,
        INTERMEDIATE,
        LAYERS,
        heads(kv=None, options=(4, 8)),
        pick("num_key_value_heads", 1, 2),
        HEAD_DIM,
        pick("v_head_dim", 16, 32, 48),
        flag("attention_bias"),
        rint("n_routed_experts", 2, 8),
        top_k("num_experts_per_tok", "n_routed_experts"),
        rint("moe_intermediate_size", 32, 256, 32),
        one_of([], [per_layer("layer_types", ("sliding_attention", "full_attention"))]),
        one_of([], [per_layer("mlp_layer_types", ("dense", "sparse"))]),
        pick("sliding_window", 16, 129),
        flag("tie_word_embeddings"),
    ],
    "glm_moe_dsa": [*DSA, glm_indexers],
    # diffllama: key/value heads must be even.
    "diffllama": [
        VOCAB,
        HIDDEN,
        INTERMEDIATE,
        LAYERS,
        heads(options=(2, 4, 8)),
        pick("head_dim", None, 16, 32, 64),
        flag("attention_bias"),
        flag("tie_word_embeddings"),
    ],
    # gpt_oss: layer_types/sliding_window change no shape (sinks are in every layer).
    "gpt_oss": [
        VOCAB,
        HIDDEN,
        INTERMEDIATE,
        LAYERS,
        heads(),
        HEAD_DIM,
        rint("num_local_experts", 1, 8),
        top_k("num_experts_per_tok", "num_local_experts"),
        flag("attention_bias"),
        flag("tie_word_embeddings"),
        per_layer("layer_types", ("sliding_attention", "full_attention")),
    ],
    "qwen3_next": [
        VOCAB,
        HIDDEN,
        INTERMEDIATE,
        LAYERS,
        heads(),
        HEAD_DIM,
        flag("attention_bias"),
        flag("tie_word_embeddings"),
        qwen3_next_pattern,
        pick("linear_conv_kernel_dim", 2, 3, 4),
        pick("linear_key_head_dim", 16, 32, 64),
        pick("linear_value_head_dim", 16, 32, 64),
        linear_heads,
        pick("num_experts", 0, 2, 4, 6),
        top_k("num_experts_per_tok", "num_experts"),
        rint("moe_intermediate_size", 32, 256, 32),
        rint("shared_expert_intermediate_size", 32, 256, 32),
        pick("decoder_sparse_step", 1, 2, 3),
        subset("mlp_only_layers"),
    ],
    # nemotron_h: attention_bias, mamba_proj_bias, n_shared_experts, expand and
    # tie_word_embeddings change no shape in transformers 5.23 (moved to prove it).
    "nemotron_h": [
        VOCAB,
        HIDDEN,
        nemotron_blocks,
        pick("num_attention_heads", 2, 4, 8),
        pick("num_key_value_heads", 1, 2),
        HEAD_DIM,
        INTERMEDIATE,
        flag("mlp_bias"),
        pick("ssm_state_size", 16, 32, 64),
        pick("mamba_num_heads", 4, 8, 12),
        pick("mamba_head_dim", 8, 16, 32),
        mamba_groups,
        pick("conv_kernel", 2, 3, 4),
        flag("use_conv_bias"),
        flag("use_bias"),
        rint("n_routed_experts", 2, 8),
        top_k("num_experts_per_tok", "n_routed_experts"),
        rint("moe_intermediate_size", 32, 256, 32),
        rint("moe_shared_expert_intermediate_size", 32, 256, 32),
        pick("moe_latent_size", None, 32, 48),
        flag("attention_bias"),
        flag("mamba_proj_bias"),
        pick("n_shared_experts", 1, 2),
        pick("expand", 1, 2),
        flag("tie_word_embeddings"),
    ],
    # gemma3: the top-level tie_word_embeddings decides; text_config's is ignored (moved too).
    "gemma3": [
        sub("text_config", [*GEMMA3_TEXT, flag("tie_word_embeddings")]),
        sub("vision_config", SIGLIP_VISION),
        mm_tokens,
        flag("tie_word_embeddings"),
    ],
    # shieldgemma2 (built as Gemma 3): either tie_word_embeddings ties.
    "shieldgemma2": [
        sub("text_config", [*GEMMA3_TEXT, flag("tie_word_embeddings")]),
        sub("vision_config", SIGLIP_VISION),
        mm_tokens,
        flag("tie_word_embeddings"),
    ],
    # llama4: text_config's tie_word_embeddings decides; the top-level one is ignored (moved too).
    "llama4": [
        sub("text_config", LLAMA4_TEXT),
        sub("vision_config", LLAMA4_VISION),
        flag("tie_word_embeddings"),
    ],
    "mllama": [sub("text_config", MLLAMA_TEXT), sub("vision_config", MLLAMA_VISION)],
    "gemma3_text": [*GEMMA3_TEXT, flag("tie_word_embeddings")],
    "llama4_text": LLAMA4_TEXT,
    # deepseek_v2: num_key_value_heads and moe_layer_freq change no shape (MLA; V2 never reads
    # moe_layer_freq).
    "deepseek_v2": [
        VOCAB,
        HIDDEN,
        INTERMEDIATE,
        LAYERS,
        heads(),
        pick("q_lora_rank", None, 32, 64),
        pick("kv_lora_rank", 16, 32, 64),
        pick("qk_nope_head_dim", 16, 32),
        pick("qk_rope_head_dim", 8, 16),
        pick("v_head_dim", 16, 32, 48),
        flag("attention_bias"),
        flag("mlp_bias"),
        rint("n_routed_experts", 2, 8),
        top_k("num_experts_per_tok", "n_routed_experts"),
        pick("n_shared_experts", 1, 2),
        rint("moe_intermediate_size", 32, 256, 32),
        first_dense,
        flag("tie_word_embeddings"),
        pick("moe_layer_freq", 1, 2),
        spelled({"n_routed_experts": "num_experts"}),
    ],
    "gpt2": [
        VOCAB,
        rint("n_embd", 64, 512, 32),
        heads("n_embd", "n_head", None),
        rint("n_layer", 2, 6),
        rint("n_positions", 32, 512, 32),
        pick("n_inner", None, 128, 320),
        flag("tie_word_embeddings"),
        flag("add_cross_attention"),
        GPT2_SPELLINGS,
    ],
    # bert, roberta: AutoModel builds no head, so tie_word_embeddings changes nothing.
    "bert": BERT,
    "roberta": BERT,
    "xlm-roberta": BERT,
    "camembert": BERT,
    "data2vec-text": BERT,
    "roberta-prelayernorm": BERT,
    "xlm-roberta-xl": BERT,
    "megatron-bert": BERT,
    # distilbert: sinusoidal_pos_embds only fills the position table, which stays a parameter
    "distilbert": [
        VOCAB,
        rint("dim", 64, 512, 32),
        heads(width="dim", q="n_heads", kv=None),
        rint("n_layers", 2, 6),
        rint("hidden_dim", 64, 1024, 32),
        rint("max_position_embeddings", 32, 512, 32),
        flag("sinusoidal_pos_embds"),
        spelled(
            {
                "dim": "hidden_size",
                "n_heads": "num_attention_heads",
                "n_layers": "num_hidden_layers",
            }
        ),
    ],
    "llama": [
        *DECODER,
        pick("head_dim", None, 16, 32, 48, 64),
        flag("attention_bias"),
        flag("mlp_bias"),
    ],
    # mistral, phi3, starcoder2, mixtral: sliding_window changes no shape.
    "mistral": [*DECODER, pick("head_dim", None, 16, 32, 48, 64), WINDOW],
    "qwen2": [*DECODER, maybe(HEAD_DIM), qwen_span],
    "qwen3": [*DECODER, HEAD_DIM, flag("attention_bias"), qwen_span],
    # gemma, gemma2: use_bidirectional_attention changes no shape.
    "gemma": [
        *DECODER,
        HEAD_DIM,
        flag("attention_bias"),
        pick("use_bidirectional_attention", None, True, False),
    ],
    "gemma2": [
        *DECODER,
        HEAD_DIM,
        flag("attention_bias"),
        pick("sliding_window", 16, 64, 512),
        maybe(per_layer("layer_types", ("sliding_attention", "full_attention"))),
        pick("use_bidirectional_attention", None, True, False),
    ],
    # olmo: clip_qkv changes no shape.
    "olmo": [*DECODER, maybe(HEAD_DIM), flag("attention_bias"), pick("clip_qkv", None, 8.0)],
    "olmo2": [*DECODER, maybe(HEAD_DIM), flag("attention_bias")],
    # phi3: pad_token_id (32000 by default) must fall inside the small vocabularies drawn.
    "phi3": [*DECODER, maybe(HEAD_DIM), WINDOW, pick("pad_token_id", None, 0)],
    "starcoder2": [*DECODER, maybe(HEAD_DIM), flag("use_bias"), WINDOW],
    "mixtral": [
        *DECODER,
        pick("head_dim", None, 16, 32, 48, 64),
        rint("num_local_experts", 1, 8),
        top_k("num_experts_per_tok", "num_local_experts"),
        WINDOW,
        spelled({"num_local_experts": "num_experts"}),
    ],
    "qwen2_moe": [
        *DECODER,
        maybe(HEAD_DIM),
        flag("qkv_bias"),
        *QWEN_MOE,
        rint("shared_expert_intermediate_size", 32, 256, 32),
        qwen_span,
    ],
    # qwen3_moe: max_window_layers and layer_types are not read (Qwen3MoeAttention slides in
    # every layer when use_sliding_window is set): drawn as decoys by qwen_span.
    "qwen3_moe": [
        *DECODER,
        maybe(HEAD_DIM),
        flag("attention_bias"),
        *QWEN_MOE,
        qwen_span,
        spelled({"num_experts": "num_local_experts"}),
    ],
    # deepseek_v3: num_key_value_heads, moe_layer_freq and num_nextn_predict_layers change no
    # shape (MLA; every layer from first_k_dense_replace on is MoE; no MTP layer is built).
    "deepseek_v3": [
        *DECODER,
        *MLA,
        rint("n_routed_experts", 2, 8),
        top_k("num_experts_per_tok", "n_routed_experts"),
        pick("n_shared_experts", 1, 2),
        rint("moe_intermediate_size", 32, 256, 32),
        first_dense,
        pick("moe_layer_freq", 1, 2),
        pick("num_nextn_predict_layers", 0, 1),
        spelled({"n_routed_experts": "num_local_experts"}),
    ],
    # mistral4: num_key_value_heads changes no shape (MLA); every layer from
    # first_k_dense_replace on is MoE.
    "mistral4": [
        *DECODER,
        *MLA,
        rint("n_routed_experts", 2, 8),
        top_k("num_experts_per_tok", "n_routed_experts"),
        pick("n_shared_experts", 1, 2),
        rint("moe_intermediate_size", 32, 256, 32),
        first_dense,
        spelled({"n_routed_experts": "num_local_experts"}),
    ],
    # gptj: rotary_dim changes no shape.
    "gptj": [
        VOCAB,
        rint("n_embd", 64, 512, 32),
        heads("n_embd", "n_head", None),
        rint("n_layer", 2, 6),
        rint("n_positions", 32, 512, 32),
        pick("n_inner", None, 128, 320),
        pick("rotary_dim", 4, 8, 16),
        flag("tie_word_embeddings"),
        GPT2_SPELLINGS,
    ],
    "opt": [
        VOCAB,
        HIDDEN,
        heads(kv=None),
        LAYERS,
        rint("ffn_dim", 64, 1024, 32),
        rint("max_position_embeddings", 32, 512, 32),
        pick("word_embed_proj_dim", None, 64, 128, 96),
        flag("do_layer_norm_before"),
        flag("_remove_final_layer_norm"),
        flag("layer_norm_elementwise_affine"),
        flag("enable_bias"),
        flag("tie_word_embeddings"),
    ],
    # bloom: apply_residual_connection_post_layernorm changes no shape.
    "bloom": [
        VOCAB,
        HIDDEN,
        heads("hidden_size", "n_head", None),
        rint("n_layer", 2, 6),
        flag("apply_residual_connection_post_layernorm"),
        flag("tie_word_embeddings"),
        spelled(
            {
                "hidden_size": "n_embed",
                "n_layer": "num_hidden_layers",
                "n_head": "num_attention_heads",
            }
        ),
    ],
    # falcon: num_kv_heads changes no shape without new_decoder_architecture, nor alibi.
    "falcon": [
        VOCAB,
        HIDDEN,
        LAYERS,
        heads(kv="num_kv_heads"),
        falcon_layout,
        pick("ffn_hidden_size", None, 96, 256),
        rint("max_position_embeddings", 32, 512, 32),
        flag("tie_word_embeddings"),
        spelled({"hidden_size": "n_embed"}),
    ],
    # gpt_neox: use_parallel_residual changes no shape (two norms either way).
    "gpt_neox": [
        VOCAB,
        HIDDEN,
        INTERMEDIATE,
        LAYERS,
        heads(kv=None),
        flag("attention_bias"),
        flag("use_parallel_residual"),
        flag("tie_word_embeddings"),
    ],
    "phi": [*DECODER, flag("qk_layernorm"), phi_head_dim],
    # t5: relative_attention_max_distance changes no shape.
    "t5": [
        VOCAB,
        rint("d_model", 64, 512, 32),
        pick("num_heads", 1, 2, 4, 8),
        pick("d_kv", 16, 32, 64),
        rint("d_ff", 64, 1024, 32),
        rint("num_layers", 2, 6),
        pick("num_decoder_layers", None, 2, 3, 5),
        pick("relative_attention_num_buckets", 8, 32),
        pick("relative_attention_max_distance", 64, 128),
        pick("feed_forward_proj", "relu", "gelu", "gated-gelu", "gated-silu"),
        pick("tie_word_embeddings", None, True, False),
        # with num_hidden_layers for num_layers the decoder keeps num_decoder_layers' default
        spelled(
            {
                "d_model": "hidden_size",
                "num_heads": "num_attention_heads",
                "num_layers": "num_hidden_layers",
                "d_kv": "head_dim",
            }
        ),
    ],
    "mt5": [
        VOCAB,
        rint("d_model", 64, 512, 32),
        pick("num_heads", 1, 2, 4, 8),
        pick("d_kv", 16, 32, 64),
        rint("d_ff", 64, 1024, 32),
        rint("num_layers", 2, 6),
        pick("num_decoder_layers", None, 2, 3, 5),
        pick("relative_attention_num_buckets", 8, 32),
        pick("relative_attention_max_distance", 64, 128),
        pick("feed_forward_proj", "relu", "gelu", "gated-gelu", "gated-silu"),
        # MT5Config types tie_word_embeddings as bool: null is refused
        pick("tie_word_embeddings", True, False),
        # with num_hidden_layers for num_layers the decoder keeps num_decoder_layers' default
        spelled(
            {
                "d_model": "hidden_size",
                "num_heads": "num_attention_heads",
                "num_layers": "num_hidden_layers",
                "d_kv": "head_dim",
            }
        ),
    ],
    "umt5": [
        VOCAB,
        rint("d_model", 64, 512, 32),
        pick("num_heads", 1, 2, 4, 8),
        pick("d_kv", 16, 32, 64),
        rint("d_ff", 64, 1024, 32),
        rint("num_layers", 2, 6),
        pick("num_decoder_layers", None, 2, 3, 5),
        pick("relative_attention_num_buckets", 8, 32),
        pick("relative_attention_max_distance", 64, 128),
        pick("feed_forward_proj", "relu", "gelu", "gated-gelu", "gated-silu"),
        pick("tie_word_embeddings", None, True, False),
        # with num_hidden_layers for num_layers the decoder keeps num_decoder_layers' default
        spelled(
            {
                "d_model": "hidden_size",
                "num_heads": "num_attention_heads",
                "num_layers": "num_hidden_layers",
                "d_kv": "head_dim",
            }
        ),
    ],
    "gpt_neo": [
        VOCAB,
        HIDDEN,
        heads(q="num_heads", kv=None),
        rint("num_layers", 2, 6),
        rint("max_position_embeddings", 32, 512, 32),
        pick("intermediate_size", None, 128, 320),
        pick("window_size", 16, 64, 256),
        gpt_neo_attention_types,
        flag("tie_word_embeddings"),
    ],
    # gpt_bigcode: multi_query with add_cross_attention is refused by transformers (redrawn).
    "gpt_bigcode": [
        VOCAB,
        rint("n_embd", 64, 512, 32),
        heads("n_embd", "n_head", None),
        rint("n_layer", 2, 6),
        rint("n_positions", 32, 512, 32),
        pick("n_inner", None, 128, 320),
        flag("multi_query"),
        flag("add_cross_attention"),
        flag("tie_word_embeddings"),
    ],
    # codegen: rotary_dim and n_ctx change no shape (moved to prove it).
    "codegen": [
        VOCAB,
        rint("n_embd", 64, 512, 32),
        heads("n_embd", "n_head", None),
        rint("n_layer", 2, 6),
        rint("n_positions", 32, 512, 32),
        pick("n_inner", None, 128, 320),
        pick("rotary_dim", 4, 8, 16),
        rint("n_ctx", 32, 512, 32),
        flag("tie_word_embeddings"),
    ],
    # mpt: modeling_mpt.py ignores expansion_ratio, no_bias and learned_pos_emb (moved).
    "mpt": [
        VOCAB,
        rint("d_model", 64, 512, 32),
        heads("d_model", "n_heads", None),
        rint("n_layers", 2, 6),
        rint("max_seq_len", 32, 512, 32),
        pick("expansion_ratio", 2, 4, 6),
        flag("no_bias"),
        flag("learned_pos_emb"),
        flag("tie_word_embeddings"),
    ],
    "openai-gpt": [
        VOCAB,
        rint("n_embd", 64, 512, 32),
        heads("n_embd", "n_head", None),
        rint("n_layer", 2, 6),
        rint("n_positions", 32, 512, 32),
        flag("tie_word_embeddings"),
    ],
    "biogpt": [
        VOCAB,
        HIDDEN,
        heads(kv=None),
        LAYERS,
        INTERMEDIATE,
        rint("max_position_embeddings", 32, 512, 32),
        flag("tie_word_embeddings"),
    ],
    "xglm": [
        flag("add_cross_attention"),
        flag("tie_word_embeddings"),
        VOCAB,
        rint("d_model", 64, 512, 32),
        heads("d_model", "attention_heads", None),
        rint("num_layers", 2, 6),
        rint("ffn_dim", 64, 1024, 32),
        rint("max_position_embeddings", 32, 512, 32),
    ],
    "ctrl": [
        VOCAB,
        rint("n_embd", 64, 512, 32),
        heads("n_embd", "n_head", None),
        rint("n_layer", 2, 6),
        rint("dff", 64, 1024, 32),
        rint("n_positions", 32, 512, 32),
        flag("tie_word_embeddings"),
    ],
    # bitnet: BitNetConfig has no head_dim field; one given is read (getattr) by the attention,
    # while attn_sub_norm stays hidden_size wide.
    "bitnet": [
        VOCAB,
        HIDDEN,
        INTERMEDIATE,
        LAYERS,
        heads(),
        one_of([], [HEAD_DIM]),
        flag("attention_bias"),
        flag("tie_word_embeddings"),
    ],
    "trocr": [
        VOCAB,
        rint("d_model", 64, 512, 32),
        heads("d_model", "decoder_attention_heads", None),
        rint("decoder_layers", 2, 6),
        rint("decoder_ffn_dim", 64, 1024, 32),
        rint("max_position_embeddings", 32, 512, 32),
        flag("use_learned_position_embeddings"),
        flag("layernorm_embedding"),
        pick("cross_attention_hidden_size", None, 64, 96, 384),
        flag("tie_word_embeddings"),
    ],
    "gpt_neox_japanese": [
        VOCAB,
        HIDDEN,
        heads(kv=None),
        LAYERS,
        pick("intermediate_multiple_size", 1, 2, 4),
        flag("tie_word_embeddings"),
    ],
    # Dense Llama-like decoders (families/dense.py).
    "granite": [
        *DENSE,
        HEAD_DIM_KEY,
        *LLAMA_BIAS_FLAGS,
        nullable("num_key_value_heads"),
        *GRANITE_SCALES,
        pick("attention_multiplier", 0.0078125, 1.0),
    ],
    "helium": [
        VOCAB,
        HIDDEN,
        INTERMEDIATE,
        LAYERS,
        whole_heads,
        flag("tie_word_embeddings"),
        *LLAMA_BIAS_FLAGS,
    ],
    "arcee": [*DENSE, HEAD_DIM_NULL, *LLAMA_BIAS_FLAGS, nullable("num_key_value_heads")],
    # internlm3: qkv_bias and bias are attribute_map aliases of attention_bias and mlp_bias.
    # (InternLM3Config refuses different ones: one draw under either name.)
    "internlm3": [*DENSE, HEAD_DIM_NULL, nullable("num_key_value_heads"), internlm3_biases],
    "iquestcoder": [*DENSE, HEAD_DIM_NULL, *LLAMA_BIAS_FLAGS, nullable("num_key_value_heads")],
    # ministral: a null head_dim cannot be built (MinistralAttention reads it as it is).
    "ministral": [*DENSE, HEAD_DIM, windows()],
    "ministral3": [*DENSE, HEAD_DIM_NULL, pick("sliding_window", None, 16, 64)],
    "cwm": [*DENSE, HEAD_DIM_NULL, flag("mlp_bias"), windows()],
    "seed_oss": [*DENSE, HEAD_DIM_NULL, *LLAMA_BIAS_FLAGS, flag("attention_out_bias")],
    # smollm3: NoPE layers and windows change no shape (moved to prove it).
    "smollm3": [
        *DENSE,
        NO_PAD,
        HEAD_DIM_KEY,
        *LLAMA_BIAS_FLAGS,
        flag("use_sliding_window"),
        pick("sliding_window", None, 16, 64),
        smollm3_rope,
    ],
    "jais2": [*DENSE, HEAD_DIM_NULL, *LLAMA_BIAS_FLAGS, nullable("num_key_value_heads")],
    # glm/glm4: partial_rotary_factor changes no shape (moved to prove it).
    "glm": [*DENSE, NO_PAD, HEAD_DIM, flag("attention_bias"), GLM_ROTARY],
    "glm4": [*DENSE, NO_PAD, HEAD_DIM, flag("attention_bias"), GLM_ROTARY],
    "hyperclovax": [
        *DENSE,
        HEAD_DIM_NULL,
        *LLAMA_BIAS_FLAGS,
        flag("use_post_norm"),
        nullable("num_key_value_heads"),
        *GRANITE_SCALES,
    ],
    "olmo3": [
        *DENSE,
        HEAD_DIM_KEY,
        flag("attention_bias"),
        nullable("num_key_value_heads"),
        windows(),
    ],
    "exaone4": [*DENSE, HEAD_DIM_KEY, windows(), pick("sliding_window_pattern", 1, 2, 3)],
    "vaultgemma": [*DENSE, HEAD_DIM, flag("attention_bias"), windows()],
    # hunyuan_v1_dense: a null head_dim cannot be built (HunYuanDenseV1Attention reads it).
    "hunyuan_v1_dense": [*DENSE, HEAD_DIM, flag("attention_bias"), nullable("num_key_value_heads")],
    "nanochat": [*DENSE, HEAD_DIM_KEY, flag("attention_bias"), nullable("num_key_value_heads")],
    # youtu: num_key_value_heads changes no shape (latent attention).
    "youtu": [
        *DENSE,
        pick("q_lora_rank", None, 32, 64),
        pick("kv_lora_rank", 16, 32, 64),
        pick("qk_nope_head_dim", 16, 32),
        pick("qk_rope_head_dim", 8, 16),
        pick("v_head_dim", 16, 32, 48),
        flag("attention_bias"),
    ],
    # persimmon: num_key_value_heads is not read (moved to prove it).
    "persimmon": [*DENSE, flag("qk_layernorm"), GLM_ROTARY],
    # nemotron: a null num_key_value_heads cannot be built (NemotronAttention divides by it).
    "nemotron": [*DENSE, HEAD_DIM_NULL, *LLAMA_BIAS_FLAGS, GLM_ROTARY],
    # apertus: only hidden_act "xielu" has learned scalars (act_fn.alpha_p, alpha_n).
    "apertus": [
        *DENSE,
        HEAD_DIM_KEY,
        flag("attention_bias"),
        nullable("num_key_value_heads"),
        pick("hidden_act", "xielu", "relu2", "silu"),
    ],
    # solar_open: n_group, topk_group and routed_scaling_factor change no shape (moved too).
    "solar_open": [
        VOCAB,
        HIDDEN,
        LAYERS,
        heads(),
        flag("tie_word_embeddings"),
        HEAD_DIM,
        flag("attention_bias"),
        rint("moe_intermediate_size", 32, 256, 32),
        one_of([rint("n_routed_experts", 2, 8)], [rint("num_local_experts", 2, 8)]),
        solar_top_k,
        pick("n_shared_experts", 1, 2),
        pick("routed_scaling_factor", 1.0, 2.5),
    ],
    "granite_swa": [
        *DENSE,
        HEAD_DIM_KEY,
        *LLAMA_BIAS_FLAGS,
        nullable("num_key_value_heads"),
        windows(),
    ],
    "cohere": [
        *DENSE,
        HEAD_DIM_KEY,
        flag("attention_bias"),
        flag("use_qk_norm"),
        nullable("num_key_value_heads"),
    ],
    "cohere2": [
        *DENSE,
        HEAD_DIM_KEY,
        flag("attention_bias"),
        nullable("num_key_value_heads"),
        windows(),
        pick("sliding_window_pattern", 1, 2, 3, 4),
    ],
    # stablelm: head_dim is not read (hidden_size // heads), nor partial_rotary_factor's shape.
    "stablelm": [
        *DENSE,
        HEAD_DIM,
        flag("use_qkv_bias"),
        flag("qk_layernorm"),
        flag("use_parallel_residual"),
        pick("partial_rotary_factor", 0.25, 0.5),
    ],
}
#: gpt-sw3 is GPT2Config and GPT2LMHeadModel under another model_type.
VARIANT_FIELDS["gpt-sw3"] = VARIANT_FIELDS["gpt2"]


# -- more mixture-of-experts decoders (paramcalc/families/moe_more.py, moe_shared.py) --------
MOE_BASE = [VOCAB, HIDDEN, INTERMEDIATE, LAYERS, heads()]
TIE = flag("tie_word_embeddings")
VARIANT_FIELDS.update(
    {
        # olmoe: head_dim is not drawn (OLMoE sizes its q/k norms from hidden_size // heads).
        "olmoe": [
            *MOE_BASE,
            TIE,
            flag("attention_bias"),
            rint("num_experts", 1, 8),
            top_k("num_experts_per_tok", "num_experts"),
            flag("norm_topk_prob"),
            pick("clip_qkv", None, 8.0),
        ],
        # phimoe: sliding_window changes no shape (moved to prove it).
        "phimoe": [
            *MOE_BASE,
            rint("num_local_experts", 1, 8),
            top_k("num_experts_per_tok", "num_local_experts"),
            TIE,
            pick("sliding_window", None, 64),
            HEAD_DIM,
            flag("attention_bias"),
            flag("lm_head_bias"),
        ],
        # granitemoe: embedding_multiplier changes no shape (moved to prove it).
        "granitemoe": [
            *MOE_BASE,
            TIE,
            HEAD_DIM,
            flag("attention_bias"),
            rint("num_local_experts", 1, 8),
            top_k("num_experts_per_tok", "num_local_experts"),
            pick("embedding_multiplier", 1.0, 12.0),
        ],
        "granitemoeshared": [
            *MOE_BASE,
            TIE,
            HEAD_DIM,
            flag("attention_bias"),
            rint("num_local_experts", 1, 8),
            top_k("num_experts_per_tok", "num_local_experts"),
            pick("shared_intermediate_size", 0, 64, 160),
        ],
        # flex_olmo: the default pad_token_id (100277) lies outside a small vocabulary.
        "flex_olmo": [
            *MOE_BASE,
            TIE,
            HEAD_DIM,
            flag("attention_bias"),
            rint("num_experts", 1, 8),
            top_k("num_experts_per_tok", "num_experts"),
            pick("pad_token_id", None),
        ],
        "glm4_moe": [
            *MOE_BASE,
            TIE,
            HEAD_DIM,
            flag("attention_bias"),
            flag("use_qk_norm"),
            rint("n_routed_experts", 1, 8),
            top_k("num_experts_per_tok", "n_routed_experts"),
            pick("n_shared_experts", 1, 2),
            rint("moe_intermediate_size", 32, 256, 32),
            first_dense,
        ],
        "minimax_m2": [
            *MOE_BASE,
            TIE,
            HEAD_DIM,
            rint("num_local_experts", 1, 8),
            top_k("num_experts_per_tok", "num_local_experts"),
        ],
        # exaone_moe: sliding_window_pattern and layer_types change no shape (moved to prove it).
        "exaone_moe": [
            *MOE_BASE,
            TIE,
            HEAD_DIM,
            rint("num_experts", 1, 8),
            top_k("num_experts_per_tok", "num_experts"),
            rint("moe_intermediate_size", 32, 256, 32),
            pick("num_shared_experts", 1, 2),
            one_of([first_dense], [per_layer("mlp_layer_types", ("dense", "sparse"))]),
            one_of(
                [pick("sliding_window_pattern", 1, 2, 3)],
                [per_layer("layer_types", ("sliding_attention", "full_attention"))],
            ),
        ],
        # hy_v3: 0 shared experts still build a shared MLP of intermediate_size.
        "hy_v3": [
            *MOE_BASE,
            TIE,
            HEAD_DIM,
            flag("attention_bias"),
            flag("mlp_bias"),
            rint("num_experts", 1, 8),
            top_k("num_experts_per_tok", "num_experts"),
            rint("moe_intermediate_size", 32, 256, 32),
            pick("num_shared_experts", 0, 1, 2),
            one_of([], [per_layer("mlp_layer_types", ("dense", "sparse"))]),
        ],
        "ernie4_5": [
            *MOE_BASE,
            TIE,
            pick("head_dim", None, 16, 32, 64),
            pick("use_bias", True, False, None),
        ],
        # dots1: sliding_window, max_window_layers and layer_types change no shape (moved).
        "dots1": [
            *MOE_BASE,
            TIE,
            HEAD_DIM,
            flag("attention_bias"),
            rint("n_routed_experts", 1, 8),
            top_k("num_experts_per_tok", "n_routed_experts"),
            pick("n_shared_experts", 1, 2),
            first_dense,
            rint("moe_intermediate_size", 32, 256, 32),
            pick("sliding_window", None, 64),
            one_of(
                [rint("max_window_layers", 0, 3)],
                [per_layer("layer_types", ("sliding_attention", "full_attention"))],
            ),
        ],
        # glm4_moe_lite: num_key_value_heads changes no shape (MLA).
        "glm4_moe_lite": [
            *MOE_BASE,
            TIE,
            pick("q_lora_rank", None, 32, 64),
            pick("kv_lora_rank", 16, 32, 64),
            pick("qk_nope_head_dim", 16, 32),
            pick("qk_rope_head_dim", 8, 16),
            pick("v_head_dim", 16, 32, 48),
            flag("attention_bias"),
            rint("n_routed_experts", 1, 8),
            top_k("num_experts_per_tok", "n_routed_experts"),
            pick("n_shared_experts", 1, 2),
            rint("moe_intermediate_size", 32, 256, 32),
            one_of([], [per_layer("mlp_layer_types", ("dense", "sparse"))]),
        ],
    }
)


# -- state-space and hybrid decoders (paramcalc/families/hybrid_more.py) -------------------------
def ssm_heads(heads: str, head_dim: str, expand: str, groups: str, auto: bool = False) -> Gen:
    """Mamba-2: heads x head width = expand x hidden_size; groups divide the inner width."""

    def gen(rng: random.Random, c: Config) -> None:
        c[expand] = rng.choice((1, 2))
        inner = c[expand] * c["hidden_size"]
        c[heads] = rng.choice([h for h in (2, 4, 8, 16) if inner % h == 0])
        c[head_dim] = "auto" if auto and rng.random() < 0.5 else inner // c[heads]
        c[groups] = rng.choice([g for g in (1, 2, 4) if inner % g == 0])

    return gen


def zamba_layers(rng: random.Random, c: Config) -> None:
    """Zamba: hybrid layers by attn_layer_period/offset (after the fixed first three) or an
    explicit layers_block_type, legacy names included."""
    if rng.random() < 0.5:
        c["attn_layer_period"] = rng.randint(1, 3)
        c["attn_layer_offset"] = rng.randrange(c["attn_layer_period"] + 1)
    else:
        per_layer("layers_block_type", ("mamba", "linear_attention", "hybrid"))(rng, c)


def zamba_mamba_heads(rng: random.Random, c: Config) -> None:
    """Zamba(2): mamba heads divide expand x hidden_size; Zamba2's groups divide it too."""
    c["mamba_expand"] = rng.choice((1, 2))
    inner = c["mamba_expand"] * c["hidden_size"]
    c["n_mamba_heads"] = rng.choice([h for h in (1, 2, 4, 8) if inner % h == 0])
    if c["model_type"] == "zamba2":
        c["mamba_ngroups"] = rng.choice([g for g in (1, 2, 4) if inner % g == 0])


def zamba2_heads(rng: random.Random, c: Config) -> None:
    """Zamba2: attention adapters add 2 x hidden outputs to q, k and v, so they need as many
    key/value heads as query heads; otherwise GQA, or null for MHA."""
    heads(kv=None)(rng, c)
    c["use_shared_attention_adapter"] = rng.random() < 0.5
    if c["use_shared_attention_adapter"]:
        c["num_key_value_heads"] = rng.choice((None, c["num_attention_heads"]))
    else:
        divisors = [h for h in (1, 2, 4, 8) if c["num_attention_heads"] % h == 0]
        c["num_key_value_heads"] = rng.choice([None, *divisors])


def jamba_offsets(rng: random.Random, c: Config) -> None:
    """Jamba: the attention offset below its period; an expert period and offset below it."""
    c["attn_layer_offset"] = rng.randrange(c["attn_layer_period"])
    c["expert_layer_period"] = rng.randint(1, 3)
    c["expert_layer_offset"] = rng.randrange(c["expert_layer_period"])


VARIANT_FIELDS.update(
    {
        # mamba2: time_step_rank and chunk_size change no shape (moved to prove it).
        "mamba2": [
            VOCAB,
            HIDDEN,
            LAYERS,
            ssm_heads("num_heads", "head_dim", "expand", "n_groups"),
            pick("state_size", 16, 32, 64),
            pick("conv_kernel", 2, 3, 4),
            flag("use_bias"),
            flag("use_conv_bias"),
            flag("tie_word_embeddings"),
            pick("time_step_rank", "auto", 8),
            pick("chunk_size", 64, 256),
        ],
        # zamba: hidden_mamba_act and use_associative_scan change no shape (moved to prove
        # it); attention_hidden_size must be 2 x hidden_size, so it is null or that.
        "zamba": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(),
            pick("attention_head_dim", None, 16, 32),
            lambda rng, c: c.update(attention_hidden_size=rng.choice((None, 2 * c["hidden_size"]))),
            zamba_layers,
            zamba_mamba_heads,
            pick("mamba_d_state", 8, 16, 32),
            pick("mamba_d_conv", 2, 3, 4),
            pick("mamba_dt_rank", "auto", 4, 12),
            flag("mamba_conv_bias"),
            flag("mamba_proj_bias"),
            flag("tie_word_embeddings"),
            pick("hidden_mamba_act", "silu", "gelu"),
            flag("use_associative_scan"),
            spelled({"layers_block_type": "layer_types", "attention_head_dim": "head_dim"}),
        ],
        # zamba2: use_conv_bias (the convolution always has a bias), use_mem_rope and
        # chunk_size change no shape (moved to prove it); layers_block_type is always listed
        # (without it the model has 54 layers), never as layer_types (Zamba2Config would take
        # the adapters' slots from its 54-layer default).
        "zamba2": [
            VOCAB,
            HIDDEN,
            maybe(INTERMEDIATE),
            LAYERS,
            zamba2_heads,
            per_layer("layers_block_type", ("mamba", "linear_attention", "hybrid")),
            zamba_mamba_heads,
            pick("mamba_d_state", 8, 16, 32),
            pick("mamba_d_conv", 2, 3, 4),
            flag("add_bias_linear"),
            rint("num_mem_blocks", 1, 3),
            pick("adapter_rank", 4, 8, 16),
            flag("tie_word_embeddings"),
            flag("use_conv_bias"),
            flag("use_mem_rope"),
            pick("chunk_size", 64, 256),
        ],
        # bamba: mamba_chunk_size changes no shape (moved to prove it).
        "bamba": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(),
            HEAD_DIM_KEY,
            subset("attn_layer_indices"),
            ssm_heads("mamba_n_heads", "mamba_d_head", "mamba_expand", "mamba_n_groups", auto=True),
            pick("mamba_d_state", 16, 32, 64),
            pick("mamba_d_conv", 2, 3, 4),
            flag("mamba_conv_bias"),
            flag("mamba_proj_bias"),
            flag("attention_bias"),
            flag("mlp_bias"),
            flag("tie_word_embeddings"),
            pick("mamba_chunk_size", 64, 256),
        ],
        # granitemoehybrid: position_embedding_type and the Granite multipliers change no shape
        # (moved to prove it).
        "granitemoehybrid": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(),
            HEAD_DIM_KEY,
            per_layer("layer_types", ("mamba", "attention", "linear_attention", "full_attention")),
            ssm_heads("mamba_n_heads", "mamba_d_head", "mamba_expand", "mamba_n_groups", auto=True),
            pick("mamba_d_state", 16, 32, 64),
            pick("mamba_d_conv", 2, 3, 4),
            flag("mamba_conv_bias"),
            flag("mamba_proj_bias"),
            flag("attention_bias"),
            flag("tie_word_embeddings"),
            pick("num_local_experts", 0, 2, 4, 6),
            top_k("num_experts_per_tok", "num_local_experts"),
            rint("shared_intermediate_size", 32, 256, 32),
            pick("position_embedding_type", None, "rope"),
            *GRANITE_SCALES,
            spelled({"layer_types": "layers_block_type"}),
        ],
        # mamba: intermediate_size, when set, overrides expand (moved both to prove it);
        # time_step_scale changes no shape (moved to prove it).
        "mamba": [
            VOCAB,
            HIDDEN,
            LAYERS,
            pick("expand", 1, 2, 3),
            maybe(INTERMEDIATE),
            pick("state_size", 8, 16, 32),
            pick("time_step_rank", "auto", 4, 12),
            pick("conv_kernel", 2, 3, 4),
            flag("use_bias"),
            flag("use_conv_bias"),
            flag("tie_word_embeddings"),
            pick("time_step_scale", 1.0, 2.0),
        ],
        # falcon_mamba: mixer_rms_eps changes no shape (moved to prove it).
        "falcon_mamba": [
            VOCAB,
            HIDDEN,
            LAYERS,
            pick("expand", 1, 2, 3),
            maybe(INTERMEDIATE),
            pick("state_size", 8, 16, 32),
            pick("time_step_rank", "auto", 4, 12),
            pick("conv_kernel", 2, 3, 4),
            flag("use_bias"),
            flag("use_conv_bias"),
            flag("tie_word_embeddings"),
            pick("mixer_rms_eps", 1e-6, 1e-5),
        ],
        "jamba": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(),
            HEAD_DIM_KEY,
            rint("attn_layer_period", 1, 4),
            jamba_offsets,
            pick("num_experts", 1, 2, 4, 6),
            top_k("num_experts_per_tok", "num_experts"),
            pick("mamba_d_state", 8, 16, 32),
            pick("mamba_d_conv", 2, 3, 4),
            pick("mamba_expand", 1, 2),
            pick("mamba_dt_rank", "auto", 4, 12),
            flag("mamba_conv_bias"),
            flag("mamba_proj_bias"),
            flag("tie_word_embeddings"),
        ],
        "lfm2": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(),
            HEAD_DIM_KEY,
            one_of(
                [per_layer("layer_types", ("conv", "full_attention"))],
                [subset("full_attn_idxs")],
                [],
            ),
            pick("conv_L_cache", 2, 3, 4),
            flag("conv_bias"),
            flag("block_auto_adjust_ff_dim"),
            pick("block_ffn_dim_multiplier", 1.0, 1.5, 2),
            pick("block_multiple_of", 32, 64, 256),
            flag("tie_word_embeddings"),
            spelled({"tie_word_embeddings": "tie_embedding", "intermediate_size": "block_ff_dim"}),
        ],
        # lfm2_moe: use_expert_bias (a buffer) and norm_topk_prob change no shape (moved to prove
        # it).
        "lfm2_moe": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(),
            HEAD_DIM_KEY,
            per_layer("layer_types", ("conv", "full_attention")),
            pick("conv_L_cache", 2, 3, 4),
            flag("conv_bias"),
            rint("num_dense_layers", 0, 3),
            rint("num_experts", 1, 8),
            top_k("num_experts_per_tok", "num_experts"),
            rint("moe_intermediate_size", 32, 256, 32),
            flag("use_expert_bias"),
            flag("norm_topk_prob"),
            flag("tie_word_embeddings"),
            spelled({"tie_word_embeddings": "tie_embedding"}),
        ],
    }
)


# -- more image-text-to-text models (paramcalc/families/multimodal_more.py) -------------------
CLIP_VISION = [
    HIDDEN,
    INTERMEDIATE,
    LAYERS,
    heads(kv=None),
    pick("num_channels", 1, 3),
    image(),
]
#: LLaVA / LLaVA-NeXT: vision_feature_layer as one index or a list (linear_1 reads them side by
#: side); vision_feature_select_strategy and image_grid_pinpoints change no shape.
LLAVA = [
    sub("text_config", [*VARIANT_FIELDS["llama"]]),
    sub("vision_config", CLIP_VISION),
    pick("vision_feature_layer", -1, -2, [-2, -1], [-3, -2, -1]),
    pick("vision_feature_select_strategy", "default", "full"),
    flag("multimodal_projector_bias"),
    flag("tie_word_embeddings"),
]
#: Qwen2-VL text: head_dim is hidden_size // heads whatever the config says; the text fields
#: sit in text_config or, as Hub configs are saved, flat at the top level.
QWEN_VL_TEXT = [VOCAB, HIDDEN, INTERMEDIATE, LAYERS, heads(), qwen_span]
QWEN_VL_TEXT_WHERE = one_of([sub("text_config", [*QWEN_VL_TEXT, TIE])], QWEN_VL_TEXT)
QWEN2_VL_VISION = [
    rint("embed_dim", 64, 256, 32),
    heads("embed_dim", "num_heads", kv=None),
    rint("depth", 2, 4),
    pick("mlp_ratio", 1, 2, 4),
    pick("in_channels", 1, 3),
    pick("patch_size", 8, 14, 16),
    pick("temporal_patch_size", 1, 2),
    pick("spatial_merge_size", 1, 2),
    HIDDEN,
]
#: Qwen2.5-VL vision: window_size and fullatt_block_indexes change no shape.
QWEN2_5_VL_VISION = [
    HIDDEN,
    heads("hidden_size", "num_heads", kv=None),
    rint("depth", 2, 4),
    INTERMEDIATE,
    pick("in_channels", 1, 3),
    pick("patch_size", 8, 14, 16),
    pick("temporal_patch_size", 1, 2),
    pick("spatial_merge_size", 1, 2),
    rint("out_hidden_size", 64, 512, 32),
    pick("window_size", 32, 112),
    pick("fullatt_block_indexes", [0], [1, 3]),
]
IDEFICS3 = [
    sub("text_config", VARIANT_FIELDS["llama"]),
    sub("vision_config", CLIP_VISION),
    pick("scale_factor", 1, 2, 3),
    TIE,
]
VARIANT_FIELDS.update(
    {
        "llava": LLAVA,
        "llava_next": LLAVA,
        # video_llava: two CLIP towers of one vision_config; the top-level flag ties.
        "video_llava": LLAVA,
        # lighton_ocr: Mistral 3's projector without biases on a Qwen 3 text model.
        "lighton_ocr": [
            sub("text_config", VARIANT_FIELDS["qwen3"]),
            sub("vision_config", [*CLIP_VISION, pick("head_dim", 16, 64)]),
            pick("spatial_merge_size", 1, 2),
            TIE,
        ],
        # vipllava: a LayerNorm reads the vision_feature_layer list side by side; the
        # projector's biases are fixed.
        "vipllava": [
            sub("text_config", [*VARIANT_FIELDS["llama"]]),
            sub("vision_config", CLIP_VISION),
            pick("vision_feature_layer", -2, [-2, -1], [-2, -3, 0, 1]),
            flag("tie_word_embeddings"),
        ],
        # llava_next_video: the conv pooler is the only pool mode with parameters.
        "llava_next_video": [
            *LLAVA,
            pick("spatial_pool_mode", "average", "max", "conv", "conv"),
            pick("spatial_pool_stride", 1, 2, 3),
            maybe(rint("spatial_pool_out_channels", 32, 256, 32)),
        ],
        # mistral3: pixtral's image_size and head_dim change no shape (rotary; head_dim is
        # hidden_size // heads).
        "mistral3": [
            sub("text_config", VARIANT_FIELDS["mistral"]),
            sub("vision_config", [*CLIP_VISION, pick("head_dim", 16, 64)]),
            pick("vision_feature_layer", -1, -2, [-2, -1]),
            pick("spatial_merge_size", 1, 2),
            flag("multimodal_projector_bias"),
            TIE,
        ],
        # idefics3, smolvlm: the connector reads scale_factor^2 patches side by side.
        "idefics3": IDEFICS3,
        "smolvlm": IDEFICS3,
        # paligemma: the top-level projection_dim sizes the projection (copied into
        # vision_config); the top-level hidden_size and vocab_size change no shape.
        "paligemma": [
            sub("text_config", VARIANT_FIELDS["gemma"]),
            sub("vision_config", SIGLIP_VISION),
            rint("projection_dim", 64, 512, 32),
            TIE,
        ],
        "qwen2_vl": [QWEN_VL_TEXT_WHERE, sub("vision_config", QWEN2_VL_VISION), TIE],
        "qwen2_5_vl": [QWEN_VL_TEXT_WHERE, sub("vision_config", QWEN2_5_VL_VISION), TIE],
    }
)


# -- attention MoE decoders, batch A (paramcalc/families/moe_windows.py) ----------------------
def cohere2_moe_layers(rng: random.Random, c: Config) -> None:
    """Cohere 2 MoE: dense first layers by first_k_dense_replace (a keyword the config pops)
    with their own window pattern, or explicit layer_types and mlp_layer_types lists."""
    if rng.random() < 0.5:
        c["first_k_dense_replace"] = rng.randint(0, c["num_hidden_layers"] - 1)
        c["prefix_dense_sliding_window_pattern"] = rng.randint(1, 3)
        c["sliding_window_pattern"] = rng.randint(1, 4)
    else:
        per_layer("layer_types", ("sliding_attention", "full_attention"))(rng, c)
        per_layer("mlp_layer_types", ("dense", "sparse"))(rng, c)


def ernie_moe_layers(rng: random.Random, c: Config) -> None:
    """ERNIE 4.5 MoE: the MoE layers' interval and first and last index (-1: the last)."""
    layers = c["num_hidden_layers"]
    c["moe_layer_interval"] = rng.randint(1, 2)
    c["moe_layer_start_index"] = rng.randint(0, layers - 1)
    c["moe_layer_end_index"] = rng.choice((-1, rng.randint(c["moe_layer_start_index"], layers - 1)))


def laguna_heads(rng: random.Random, c: Config) -> None:
    """Laguna: query heads per layer (multiples of the key/value heads), or one count for all."""
    if rng.random() < 0.5:
        kv = c["num_key_value_heads"]
        c["num_attention_heads_per_layer"] = [
            kv * rng.choice((1, 2, 4)) for _ in range(c["num_hidden_layers"])
        ]


def m3_layers(rng: random.Random, c: Config) -> None:
    """MiniMax-M3: sparse (indexed) layers and MoE layers by layer_types and mlp_layer_types, or
    by the checkpoints' sparse_attention_config and moe_layer_freq flags (keywords the config
    pops), whose sparse_* names override the flat index_* fields."""
    layers = c["num_hidden_layers"]
    if rng.random() < 0.5:
        per_layer("layer_types", ("full_attention", "minimax_m3_sparse"))(rng, c)
        per_layer("mlp_layer_types", ("dense", "sparse"))(rng, c)
    else:
        c["sparse_attention_config"] = {
            "sparse_attention_freq": [rng.randint(0, 1) for _ in range(layers)],
            "sparse_index_dim": rng.choice((16, 64)),
        }
        c["moe_layer_freq"] = [rng.randint(0, 1) for _ in range(layers)]


def dbrx_kv_heads(rng: random.Random, c: Config) -> None:
    """DBRX: attn_config.kv_n_heads divides the query heads."""
    choices = [h for h in (1, 2, 4, 8) if c["n_heads"] % h == 0]
    c.setdefault("attn_config", {})["kv_n_heads"] = rng.choice(choices)


def hunyuan_top_k(rng: random.Random, c: Config) -> None:
    """Hunyuan MoE: experts per token, one number or one per layer."""
    most = min(4, c["num_experts"])
    if rng.random() < 0.5:
        c["moe_topk"] = rng.randint(1, most)
    else:
        c["moe_topk"] = [rng.randint(1, most) for _ in range(c["num_hidden_layers"])]


VARIANT_FIELDS.update(
    {
        # granitemoe_swa: embedding_multiplier changes no shape (moved to prove it).
        "granitemoe_swa": [
            *MOE_BASE,
            TIE,
            HEAD_DIM_KEY,
            flag("attention_bias"),
            rint("num_local_experts", 1, 8),
            top_k("num_experts_per_tok", "num_local_experts"),
            pick("shared_intermediate_size", 0, 64, 160),
            windows(),
            pick("embedding_multiplier", 1.0, 12.0),
        ],
        # cohere2_moe: rms_norm_eps picks RMSNorm or a bias-free LayerNorm (one weight each).
        "cohere2_moe": [
            *MOE_BASE,
            TIE,
            HEAD_DIM,
            flag("attention_bias"),
            nullable("num_key_value_heads"),
            rint("num_experts", 1, 8),
            top_k("num_experts_per_tok", "num_experts"),
            pick("num_shared_experts", 0, 1, 2),
            pick("prefix_dense_intermediate_size", None, 96, 192),
            pick("sliding_window", None, 16),
            pick("rms_norm_eps", None, 1e-5),
            cohere2_moe_layers,
        ],
        "ernie4_5_moe": [
            *MOE_BASE,
            TIE,
            HEAD_DIM_KEY,
            pick("use_bias", True, False, None),
            rint("moe_num_experts", 1, 8),
            top_k("moe_k", "moe_num_experts"),
            pick("moe_num_shared_experts", 0, 1, 2),
            rint("moe_intermediate_size", 32, 256, 32),
            ernie_moe_layers,
            spelled({"moe_num_experts": "num_experts", "moe_k": "num_experts_per_tok"}),
        ],
        # afmoe: route_scale changes no shape (moved to prove it).
        "afmoe": [
            *MOE_BASE,
            TIE,
            HEAD_DIM,
            nullable("num_key_value_heads"),
            flag("attention_bias"),
            rint("num_experts", 1, 8),
            top_k("num_experts_per_tok", "num_experts"),
            pick("num_shared_experts", 1, 2),
            rint("moe_intermediate_size", 32, 256, 32),
            rint("num_dense_layers", 0, 3),
            pick("global_attn_every_n_layers", 1, 2, 4),
            windows(),
            pick("route_scale", 1.0, 2.5),
        ],
        # laguna: moe_routed_scaling_factor changes no shape (moved to prove it).
        "laguna": [
            *MOE_BASE,
            TIE,
            HEAD_DIM,
            flag("attention_bias"),
            pick("gating", True, False, "per-head", "per-element"),
            laguna_heads,
            rint("num_experts", 1, 8),
            top_k("num_experts_per_tok", "num_experts"),
            rint("moe_intermediate_size", 32, 256, 32),
            rint("shared_expert_intermediate_size", 32, 256, 32),
            one_of([], [per_layer("mlp_layer_types", ("dense", "sparse"))]),
            windows(),
            pick("moe_routed_scaling_factor", 1.0, 2.5),
        ],
        # minimax_m3_vl_text: routed_scaling_factor and rotary_dim change no shape (moved).
        "minimax_m3_vl_text": [
            *MOE_BASE,
            TIE,
            HEAD_DIM,
            rint("num_local_experts", 1, 8),
            top_k("num_experts_per_tok", "num_local_experts"),
            rint("dense_intermediate_size", 32, 256, 32),
            rint("shared_intermediate_size", 32, 256, 32),
            pick("index_n_heads", 1, 2, 4),
            pick("index_head_dim", 16, 32),
            m3_layers,
            pick("routed_scaling_factor", 1.0, 2.0),
            pick("rotary_dim", 8, 16),
            spelled({"num_local_experts": "num_experts"}),
        ],
        # dbrx: clip_qkv changes no shape (moved to prove it); tying is refused; hidden_size is
        # not spelled (its experts would keep d_model's default width, see families/dbrx.py).
        "dbrx": [
            VOCAB,
            rint("d_model", 64, 512, 32),
            rint("n_layers", 2, 6),
            heads("d_model", "n_heads", None),
            dbrx_kv_heads,
            sub("attn_config", [pick("clip_qkv", None, 8.0)]),
            sub(
                "ffn_config",
                [
                    rint("ffn_hidden_size", 32, 256, 32),
                    rint("moe_num_experts", 1, 8),
                    top_k("moe_top_k", "moe_num_experts"),
                ],
            ),
            spelled({"n_heads": "num_attention_heads", "n_layers": "num_hidden_layers"}),
        ],
        # jetmoe: num_attention_heads changes no shape (the config sets it to kv heads x top-k).
        "jetmoe": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            TIE,
            pick("num_key_value_heads", 1, 2, 4),
            pick("kv_channels", 16, 32),
            rint("num_local_experts", 1, 8),
            top_k("num_experts_per_tok", "num_local_experts"),
            pick("num_attention_heads", 4, 7),
            spelled({"kv_channels": "head_dim"}),
        ],
        # minimax: block_size and the alpha/beta factors change no shape (moved to prove it).
        "minimax": [
            *MOE_BASE,
            TIE,
            HEAD_DIM_NULL,
            rint("num_local_experts", 1, 8),
            top_k("num_experts_per_tok", "num_local_experts"),
            windows(("full_attention", "linear_attention")),
            pick("block_size", 4, 256),
            pick("linear_attn_alpha_factor", 1, 2),
            spelled({"num_local_experts": "num_experts"}),
        ],
        # hy_v4: num_key_value_heads, hc_magnitude and index_topk change no shape (moved).
        "hy_v4": [
            *MOE_BASE,
            TIE,
            NO_PAD,
            pick("q_lora_rank", 32, 64),
            pick("kv_lora_rank", 16, 32, 64),
            pick("qk_nope_head_dim", 16, 32),
            pick("qk_rope_head_dim", 8, 16),
            pick("v_head_dim", 16, 32, 48),
            flag("attention_bias"),
            rint("n_routed_experts", 1, 8),
            top_k("num_experts_per_tok", "n_routed_experts"),
            pick("n_shared_experts", 1, 2),
            rint("moe_intermediate_size", 32, 256, 32),
            one_of([], [per_layer("mlp_layer_types", ("dense", "sparse"))]),
            one_of([], [per_layer("indexer_types", ("full", "shared"))]),
            pick("index_n_heads", 2, 4),
            pick("index_head_dim", 16, 32),
            pick("hc_mult", 1, 2, 4),
            pick("hc_magnitude", 1.0, 2.0),
            pick("index_topk", 4, 2048),
            spelled({"n_routed_experts": "num_local_experts"}),
        ],
        # hunyuan_v1_moe: head_dim is always set (a null one does not build).
        "hunyuan_v1_moe": [
            *MOE_BASE,
            TIE,
            HEAD_DIM,
            flag("attention_bias"),
            rint("num_experts", 1, 8),
            hunyuan_top_k,
            spelled({"num_experts": "num_local_experts"}),
        ],
    }
)


# attention_more (cov10b): attention decoders with per-layer spans and MLP kinds.
SPAN_KINDS = ("sliding_attention", "full_attention")
MELLUM_LIKE = [
    *DECODER,
    HEAD_DIM,
    flag("attention_bias"),
    pick("sliding_window", 16, 64, 512),
    maybe(per_layer("layer_types", SPAN_KINDS)),
    maybe(per_layer("mlp_layer_types", ("dense", "sparse"))),
    rint("moe_intermediate_size", 32, 256, 32),
]


def dots3_layers(rng: random.Random, c: Config) -> None:
    """dots3: layer kinds listed or derived (use_dsa, use_sliding_window), and the sliding
    layers' MLA sizes as legacy swa_* keys or as an explicit per_layer_config (whose head_dim
    must be qk_nope + qk_rope)."""
    layers = c["num_hidden_layers"]
    if rng.random() < 0.5:
        per_layer("layer_types", ("indexed_attention", "sliding_attention", "full_attention"))(
            rng, c
        )
    else:
        c["use_sliding_window"] = rng.random() < 0.7
    if rng.random() < 0.5:
        c["use_dsa"] = rng.random() < 0.5
    heads = rng.choice((1, 2, 4))
    nope, rope = rng.choice((16, 32)), rng.choice((8, 16))
    sizes = {
        "num_attention_heads": heads,
        "num_key_value_heads": heads,
        "q_lora_rank": rng.choice((16, 32)),
        "kv_lora_rank": rng.choice((16, 48)),
        "qk_nope_head_dim": nope,
        "qk_rope_head_dim": rope,
        "head_dim": nope + rope,
        "v_head_dim": rng.choice((16, 24)),
    }
    if rng.random() < 0.5:
        c.update({f"swa_{k}": v for k, v in sizes.items()})
    else:
        kinds = c.get("layer_types") or []
        chosen = [i for i in range(layers) if not kinds or kinds[i] == "sliding_attention"]
        c["per_layer_config"] = {str(i): sizes for i in chosen[:2]} if kinds else {}


def dots3_mlps(rng: random.Random, c: Config) -> None:
    """dots3: mlp_layer_types, or first_k_dense_replace with an int or per-layer moe_layer_freq."""
    layers = c["num_hidden_layers"]
    if rng.random() < 0.4:
        per_layer("mlp_layer_types", ("dense", "sparse"))(rng, c)
        return
    c["first_k_dense_replace"] = rng.randint(0, 2)
    if rng.random() < 0.5:
        c["moe_layer_freq"] = rng.randint(1, 2)
    else:
        c["moe_layer_freq"] = [rng.randint(0, 1) for _ in range(layers)]


VARIANT_FIELDS.update(
    {
        "mellum": [
            *MELLUM_LIKE,
            rint("num_local_experts", 1, 8),
            top_k("num_experts_per_tok", "num_local_experts"),
            spelled({"num_local_experts": "num_experts"}),
        ],
        # aria_text: head_dim sometimes null (hidden_size // heads).
        "aria_text": [
            *DECODER,
            maybe(pick("head_dim", None, 16, 32, 64)),
            flag("attention_bias"),
            flag("mlp_bias"),
            rint("moe_num_experts", 1, 6),
            top_k("moe_topk", "moe_num_experts"),
            pick("moe_num_shared_experts", 1, 2, 3),
        ],
        # cohere_compass_text: Cohere 2's fields with an explicit layer_types half the time.
        "cohere_compass_text": [
            *DECODER,
            maybe(HEAD_DIM),
            flag("attention_bias"),
            pick("sliding_window", 16, 64),
            maybe(per_layer("layer_types", SPAN_KINDS)),
        ],
        # doge: is_moe stays false (paramcalc refuses DogeCDMoE); keep_window_size changes no
        # shape (moved to prove it).
        "doge": [
            *DECODER,
            nullable("num_key_value_heads"),
            maybe(HEAD_DIM),
            flag("attention_bias"),
            flag("mlp_bias"),
            pick("sliding_window", None, 16, 64),
            pick("keep_window_size", 16, 2048),
        ],
        # dots3_note_text: every head has its own K/V (kv heads = heads); n_group 1.
        "dots3_note_text": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(kv=None),
            lambda rng, c: c.update(num_key_value_heads=c["num_attention_heads"]),
            pick("q_lora_rank", 16, 32, 64),
            pick("kv_lora_rank", 16, 32),
            pick("qk_nope_head_dim", 16, 32),
            pick("qk_rope_head_dim", 8, 16),
            pick("v_head_dim", 16, 32),
            flag("attention_bias"),
            pick("index_n_heads", 2, 4),
            pick("index_head_dim", 16, 32),
            rint("n_routed_experts", 2, 6),
            top_k("num_experts_per_tok", "n_routed_experts"),
            pick("n_shared_experts", 1, 2),
            rint("moe_intermediate_size", 32, 128, 32),
            pick("shared_experts_intermediate_size", 32, 64),
            pick("sliding_window", None, 16),
            dots3_layers,
            dots3_mlps,
            flag("tie_word_embeddings"),
            NO_PAD,
            spelled({"n_routed_experts": "num_local_experts"}),
        ],
        # axk2: q_lora_rank is required; the MoE layers listed or derived; n_group/topk_group
        # change no shape.
        "axk2": [
            *[g for g in DSA if g is not mlp_layer_types],
            one_of(
                [mlp_layer_types],
                [rint("first_k_dense_replace", 0, 2), rint("moe_layer_freq", 1, 2)],
            ),
            pick("gated_norm_rank", 4, 8, 16),
            NO_PAD,
        ],
        # bert-generation: BERT's sizes without token types; the head stays tied (paramcalc
        # refuses an untied one).
        "bert-generation": [
            VOCAB,
            HIDDEN,
            heads(kv=None),
            LAYERS,
            INTERMEDIATE,
            rint("max_position_embeddings", 32, 512, 32),
            bert_decoder,
        ],
        # modernbert-decoder: the window is local_attention // 2; layer kinds listed or by
        # global_attn_every_n_layers.
        "modernbert-decoder": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(kv=None),
            *map(flag, ("attention_bias", "mlp_bias", "norm_bias", "decoder_bias")),
            flag("classifier_bias"),
            pick("local_attention", 8, 32, 128),
            one_of(
                [per_layer("layer_types", SPAN_KINDS)],
                [rint("global_attn_every_n_layers", 1, 3)],
            ),
            flag("tie_word_embeddings"),
            pick("pad_token_id", 0),  # an int (its config refuses null) inside the vocabulary
        ],
        # beam: n_group must divide the experts; it and topk_group change no shape.
        "beam": [
            *MELLUM_LIKE,
            pick("num_experts", 4, 8),
            top_k("num_experts_per_tok", "num_experts"),
            pick("n_group", 1, 2),
            pick("topk_group", 1),
        ],
    }
)


# -- gated linear recurrences (paramcalc/families/rnn.py) ----------------------------------------
def lru_width(rng: random.Random, c: Config) -> None:
    """RecurrentGemma: the RG-LRU width is null (hidden_size) or a multiple of the heads."""
    c["lru_width"] = rng.choice([None, c["num_attention_heads"] * rng.choice((8, 16, 24))])


VARIANT_FIELDS.update(
    {
        # recurrent_gemma: head_dim (recomputed from hidden_size), partial_rotary_factor,
        # logits_soft_cap and final_w_init_variance_scale change no shape (moved to prove it).
        "recurrent_gemma": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            rint("num_hidden_layers", 2, 7),
            heads(options=(1, 2, 4, 8)),
            nullable("num_key_value_heads"),
            lru_width,
            pick("attention_window_size", 4, 64, 2048),
            pick("conv1d_width", 2, 3, 4),
            pick(
                "block_types",
                ["recurrent", "recurrent", "attention"],
                ["attention", "recurrent"],
                ["recurrent"],
                ["attention"],
            ),
            flag("attention_bias"),
            TIE,
            pick("head_dim", 8, 64),
            pick("partial_rotary_factor", 0.5, 1.0),
            pick("logits_soft_cap", 30.0, 10.0),
        ],
        # xlstm: gate_soft_cap, chunk_size and the kernels change no shape (moved to prove it).
        "xlstm": [
            VOCAB,
            HIDDEN,
            one_of([LAYERS], [rint("num_blocks", 2, 6)]),
            heads(q="num_heads", kv=None),
            flag("use_bias"),
            TIE,
            pick("qk_dim_factor", 0.25, 0.5, 1.0),
            pick("v_dim_factor", 0.5, 1.0),
            pick("ffn_proj_factor", 1.5, 2.667),
            pick("ffn_round_up_to_multiple_of", 32, 64),
            pick("weight_mode", "single", "fused"),
            one_of([], [lambda rng, c: c.update(embedding_dim=c["hidden_size"])]),
            pick("gate_soft_cap", 15.0, 10.0),
            pick("chunk_size", 32, 64),
        ],
        # rwkv: context_length and rescale_every change no shape (moved to prove it).
        "rwkv": [
            VOCAB,
            HIDDEN,
            LAYERS,
            pick("attention_hidden_size", None, 64, 128),
            pick("intermediate_size", None, 96, 512),
            TIE,
            pick("context_length", 256, 1024),
            pick("rescale_every", 0, 6),
        ],
    }
)


# -- Gemma 3n's language model (paramcalc/families/gemma3n.py) -----------------------------------
def gemma3n_altup(rng: random.Random, c: Config) -> None:
    """Gemma 3n: 1 to 4 residual copies, the active one among them."""
    c["altup_num_inputs"] = rng.randint(1, 4)
    c["altup_active_idx"] = rng.randrange(c["altup_num_inputs"])


def gemma3n_kv_shared(rng: random.Random, c: Config) -> None:
    """Gemma 3n: up to all but one layer share K/V (transformers refuses a split that leaves a
    layer kind without an earlier producer; such draws are redrawn)."""
    c["num_kv_shared_layers"] = rng.randint(0, c["num_hidden_layers"] - 1)


VARIANT_FIELDS.update(
    {
        # gemma3n_text: activation_sparsity_pattern, altup_active_idx, altup_correct_scale and
        # altup_coef_clip change no shape (moved to prove it).
        "gemma3n_text": [
            VOCAB,
            HIDDEN,
            rint("num_hidden_layers", 2, 7),
            heads(),
            HEAD_DIM,
            one_of([INTERMEDIATE], [per_layer("intermediate_size", (64, 96, 160))]),
            one_of([], [per_layer("layer_types", ("sliding_attention", "full_attention"))]),
            gemma3n_kv_shared,
            pick("sliding_window", 4, 512),
            rint("vocab_size_per_layer_input", 128, 1024),
            pick("hidden_size_per_layer_input", 8, 16, 32),
            gemma3n_altup,
            pick("laurel_rank", 4, 16),
            flag("attention_bias"),
            TIE,
            one_of([], [per_layer("activation_sparsity_pattern", (0.0, 0.95))]),
            flag("altup_correct_scale"),
            pick("altup_coef_clip", 10.0, 120.0),
        ],
    }
)


# -- LFM3 (paramcalc/families/lfm3.py) -------------------------------------------------------------
VARIANT_FIELDS.update(
    {
        # lfm3: no shape-neutral field is moved (the token ids are nulled: the defaults lie
        # beyond a small vocabulary).
        "lfm3": [
            NO_PAD,
            pick("bos_token_id", None),
            pick("eos_token_id", None),
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            rint("num_hidden_layers", 2, 8),
            heads(),
            HEAD_DIM,
            one_of([], [per_layer("layer_types", ("conv", "full_attention", "sliding_attention"))]),
            pick("sliding_window", None, 4, 256),
            pick("conv_L_cache", 3, 7),
            flag("conv_bias"),
            flag("use_sandwich_norm"),
            flag("use_attention_gate"),
            flag("attention_bias"),
            TIE,
        ],
    }
)


# -- Gemma 4's language models (paramcalc/families/gemma4.py) --------------------------------------
def gemma4_full_layers(rng: random.Random, c: Config) -> None:
    """Gemma 4: the full layers' own head width and (with keys as values) key/value heads."""
    if rng.random() < 0.7:
        c["global_head_dim"] = rng.choice((16, 32, 64))
    c["attention_k_eq_v"] = rng.random() < 0.5
    c["num_global_key_value_heads"] = rng.choice(
        [None, *(h for h in (1, 2, 4) if c["num_attention_heads"] % h == 0)]
    )


def gemma4_experts(rng: random.Random, c: Config) -> None:
    """Gemma 4: experts beside the MLP, or none."""
    c["enable_moe_block"] = rng.random() < 0.5
    if c["enable_moe_block"]:
        c["num_experts"] = rng.randint(1, 8)
        c["top_k_experts"] = rng.randint(1, c["num_experts"])
        c["moe_intermediate_size"] = rng.choice((32, 64, 96))


#: Both Gemma 4 text configs: use_bidirectional_attention changes no shape (moved to prove it).
GEMMA4_VISION = [
    HIDDEN,
    INTERMEDIATE,
    LAYERS,
    heads(),
    HEAD_DIM,
    pick("patch_size", 8, 14, 16),
    rint("position_embedding_size", 16, 256, 16),
    flag("attention_bias"),
    flag("use_clipped_linears"),
    flag("standardize"),
]
GEMMA4_UNIFIED_VISION = [
    pick("patch_size", 2, 4),
    pick("pooling_kernel_size", 1, 2, 3),
    rint("mm_embed_dim", 32, 512, 32),
    rint("mm_posemb_size", 8, 128, 8),
    rint("output_proj_dims", 32, 512, 32),
]
GEMMA4_TEXT = [
    VOCAB,
    HIDDEN,
    INTERMEDIATE,
    rint("num_hidden_layers", 2, 7),
    heads(),
    HEAD_DIM,
    one_of([], [per_layer("layer_types", ("sliding_attention", "full_attention"))]),
    gemma3n_kv_shared,
    pick("sliding_window", 4, 512),
    gemma4_full_layers,
    flag("use_double_wide_mlp"),
    flag("attention_bias"),
    TIE,
    pick("use_bidirectional_attention", None, "vision", "all"),
]

VARIANT_FIELDS.update(
    {
        "gemma4_text": [
            *GEMMA4_TEXT,
            pick("hidden_size_per_layer_input", 0, 8, 16),
            rint("vocab_size_per_layer_input", 128, 1024),
            gemma4_experts,
        ],
        "gemma4_unified_text": GEMMA4_TEXT,
        # gemma4_unified: no encoder; the vision embedder and the audio projection appear with
        # their configs. The top-level tie_word_embeddings decides; text_config's moved too.
        "gemma4_unified": [
            sub("text_config", GEMMA4_TEXT),
            one_of(
                [pick("vision_config", None)],
                [sub("vision_config", GEMMA4_UNIFIED_VISION)],
                [sub("vision_config", GEMMA4_UNIFIED_VISION)],
            ),
            one_of(
                [pick("audio_config", None)],
                [sub("audio_config", [rint("audio_embed_dim", 16, 512, 16)])],
            ),
            flag("tie_word_embeddings"),
        ],
        # gemma4: the top-level tie_word_embeddings decides; text_config's is moved too. The
        # vision encoder's attention_bias, use_clipped_linears and standardize add only
        # buffers or nothing, moved too.
        "gemma4": [
            sub(
                "text_config",
                [
                    *GEMMA4_TEXT,
                    pick("hidden_size_per_layer_input", 0, 8, 16),
                    rint("vocab_size_per_layer_input", 128, 1024),
                    gemma4_experts,
                ],
            ),
            # mostly with the vision encoder, sometimes text only (vision_config null)
            one_of(
                [pick("vision_config", None)],
                [sub("vision_config", GEMMA4_VISION)],
                [sub("vision_config", GEMMA4_VISION)],
                [sub("vision_config", GEMMA4_VISION)],
            ),
            flag("tie_word_embeddings"),
        ],
        # zaya: rope parameters change no shape; the sliding window only the cache.
        "zaya": [
            VOCAB,
            HIDDEN,
            LAYERS,
            heads(),
            HEAD_DIM,
            rint("moe_intermediate_size", 32, 256, 32),
            rint("num_experts", 1, 8),
            pick("router_hidden_size", 16, 32, 64),
            pick("cca_time0", 1, 2, 3),
            pick("cca_time1", 1, 2, 3),
            one_of(
                [],
                [
                    per_layer("layer_types", ("hybrid", "hybrid_sliding")),
                    pick("sliding_window", 4, 64),
                ],
            ),
            flag("attention_bias"),
            flag("lm_head_bias"),
            TIE,
        ],
        # minimax: block_size and the residual alpha/beta factors change no shape (moved to
        # prove it).
        "minimax": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(),
            pick("head_dim", None, 16, 32),
            rint("num_local_experts", 1, 8),
            top_k("num_experts_per_tok", "num_local_experts"),
            one_of([], [per_layer("layer_types", ("full_attention", "linear_attention"))]),
            TIE,
            pick("block_size", 64, 256),
            pick("linear_attn_beta_factor", 1, 2.0),
            pick("mlp_alpha_factor", 1, 0.5),
        ],
    }
)


# -- multimodal models of issue #12 (paramcalc/families/multimodal_qwen3.py and the other
# multimodal_* modules of that batch) ----------------------------------------------------------
#: Qwen3-VL vision: every shape field, deepstack_visual_indexes sizing the deepstack mergers.
QWEN3_VL_VISION = [
    HIDDEN,
    heads("hidden_size", "num_heads", kv=None),
    rint("depth", 2, 4),
    INTERMEDIATE,
    pick("in_channels", 1, 3),
    pick("patch_size", 8, 14, 16),
    pick("temporal_patch_size", 1, 2),
    pick("spatial_merge_size", 1, 2),
    rint("out_hidden_size", 64, 512, 32),
    pick("num_position_embeddings", 64, 144, 256),
    pick("deepstack_visual_indexes", [], [0], [0, 1], [1, 0, 1]),
    spelled({"num_heads": "num_attention_heads", "depth": "num_hidden_layers"}),
]
#: Qwen3-VL text: a Qwen3 decoder without windows, head_dim always set.
QWEN3_VL_TEXT = [VOCAB, HIDDEN, INTERMEDIATE, LAYERS, heads(), HEAD_DIM, flag("attention_bias")]
#: Qwen3-VL-MoE text: head_dim null is hidden_size // heads.
QWEN3_VL_MOE_TEXT = [
    VOCAB,
    HIDDEN,
    INTERMEDIATE,
    LAYERS,
    heads(),
    HEAD_DIM_NULL,
    flag("attention_bias"),
    *QWEN_MOE,
    TIE,
    spelled({"num_experts": "num_local_experts"}),
]


def as_pairs(*keys: str) -> Gen:
    """Write drawn sides as [h, w] pairs, with even odds (InternVL accepts both)."""

    def gen(rng: random.Random, c: Config) -> None:
        if rng.random() < 0.5:
            for key in keys:
                c[key] = [c[key], c[key]]

    return gen


#: GLM-4V vision (GLM-4.5V's is the same).
GLM4V_VISION = [
    HIDDEN,
    heads("hidden_size", "num_heads", kv=None),
    rint("depth", 2, 4),
    flag("attention_bias"),
    pick("in_channels", 1, 3),
    image(),
    pick("temporal_patch_size", 1, 2),
    pick("spatial_merge_size", 1, 2),
    rint("out_hidden_size", 64, 512, 32),
    INTERMEDIATE,
    spelled({"num_heads": "num_attention_heads", "depth": "num_hidden_layers"}),
]
#: GLM-4.5V text: head_dim is read with getattr (hidden_size // heads when absent).
GLM4V_MOE_TEXT = [
    VOCAB,
    HIDDEN,
    INTERMEDIATE,
    LAYERS,
    heads(),
    maybe(HEAD_DIM),
    flag("attention_bias"),
    rint("n_routed_experts", 2, 8),
    top_k("num_experts_per_tok", "n_routed_experts"),
    rint("moe_intermediate_size", 32, 256, 32),
    pick("n_shared_experts", 1, 2),
    rint("first_k_dense_replace", 0, 3),
    maybe(TIE),
    spelled({"n_routed_experts": "num_local_experts"}),
]
#: InternVL vision: every shape field; the projector reads int(1 / downsample_ratio)^2 patches.
INTERNVL_VISION = [
    HIDDEN,
    INTERMEDIATE,
    LAYERS,
    heads(kv=None),
    flag("attention_bias"),
    flag("use_qk_norm"),
    pick("norm_type", "layer_norm", "rms_norm"),
    image(),
    as_pairs("image_size", "patch_size"),
    pick("num_channels", 1, 3),
    flag("use_mask_token"),
    flag("use_absolute_position_embeddings"),
    flag("use_mean_pooling"),
]


def granite_docling_widths(rng: random.Random, c: Config) -> None:
    """Granite-Docling: the connector writes the text width; a density router only with the
    fine path."""
    c["vision_config"]["out_hidden_size"] = c["text_config"]["hidden_size"]
    fine = c["vision_config"]["use_fine_route"]
    c["density_router_hidden_size"] = rng.choice((None, 32, 64)) if fine else None


#: A text model of another family than the default, named under model.language_model.
INTERNVL_TEXT = one_of(
    [sub("text_config", VARIANT_FIELDS["qwen2"])],
    [sub("text_config", [pick("model_type", "qwen3"), *VARIANT_FIELDS["qwen3"]])],
    [sub("text_config", [pick("model_type", "llama"), *VARIANT_FIELDS["llama"]])],
)
#: Granite Speech's conformer encoder, Q-Former projector and Granite text model.
GRANITE_SPEECH = [
    sub("text_config", VARIANT_FIELDS["granite"]),
    sub(
        "encoder_config",
        [
            rint("input_dim", 16, 160, 16),
            rint("num_layers", 1, 4),
            rint("hidden_dim", 32, 256, 32),
            pick("feedforward_mult", 1, 2, 4),
            pick("num_heads", 1, 2, 4),
            pick("dim_head", 8, 16, 32),
            rint("output_dim", 8, 64),
            pick("max_pos_emb", 16, 64, 512),
            pick("context_size", 8, 200),
            pick("conv_kernel_size", 3, 7, 15),
            pick("conv_expansion_factor", 1, 2),
        ],
    ),
    sub(
        "projector_config",
        [
            HIDDEN,
            INTERMEDIATE,
            rint("num_hidden_layers", 1, 4),
            heads(kv=None),
            pick("cross_attention_frequency", 1, 2, 3),
            rint("encoder_hidden_size", 32, 256, 32),
            flag("use_qformer_text_input"),
        ],
    ),
    pick("window_size", 5, 15),
    pick("downsample_rate", 1, 2, 5),
    TIE,
]


def concatenated_layers(rng: random.Random, c: Config) -> None:
    """Granite Speech Plus: half the time, encoder layers whose outputs the Q-Former reads
    beside the last one's, its encoder_hidden_size then hidden_dim x (len + 1)."""
    encoder = c["encoder_config"]
    if rng.random() < 0.5:
        return
    listed = sorted(rng.sample(range(encoder["num_layers"]), rng.randint(0, encoder["num_layers"])))
    encoder["cat_hidden_layers"] = listed
    c["projector_config"]["encoder_hidden_size"] = encoder["hidden_dim"] * (len(listed) + 1)


VARIANT_FIELDS.update(
    {
        "qwen3_vl": [
            sub("text_config", QWEN3_VL_TEXT),
            sub("vision_config", QWEN3_VL_VISION),
            TIE,
        ],
        # cohere_compass: Qwen3-VL's ViT over a CohereCompassTextConfig (rope_parameters per
        # layer type given with --set, as its defaults build no rotary embedding).
        "cohere_compass": [
            sub("text_config", VARIANT_FIELDS["cohere_compass_text"]),
            sub("vision_config", QWEN3_VL_VISION),
            TIE,
        ],
        "qwen3_vl_moe": [
            sub("text_config", QWEN3_VL_MOE_TEXT),
            sub("vision_config", QWEN3_VL_VISION),
            TIE,
        ],
        # llava_onevision: linear_1 reads the vision_feature_layer list side by side; the text
        # config's tie_word_embeddings ties too (LlavaOnevisionConfig.__post_init__).
        "llava_onevision": [
            one_of(
                [sub("text_config", VARIANT_FIELDS["qwen2"])],
                [sub("text_config", [pick("model_type", "llama"), *VARIANT_FIELDS["llama"]])],
            ),
            sub("vision_config", SIGLIP_VISION),
            pick("vision_feature_layer", -1, -2, [-2, -1], [-3, -2, -1]),
            pick("vision_feature_select_strategy", "default", "full"),
            flag("multimodal_projector_bias"),
            TIE,
        ],
        # aya_vision: alignment_intermediate_size is read with getattr (text width when absent).
        "aya_vision": [
            sub("text_config", VARIANT_FIELDS["cohere2"]),
            sub("vision_config", SIGLIP_VISION),
            pick("downsample_factor", 1, 2),
            pick("alignment_intermediate_size", None, 64, 256),
            TIE,
        ],
        "cohere2_vision": [
            sub("text_config", VARIANT_FIELDS["cohere2"]),
            sub("vision_config", SIGLIP_VISION),
            pick("downsample_factor", 1, 2),
            rint("alignment_intermediate_size", 64, 512, 32),
            TIE,
        ],
        # lfm2_vl: SigLIP 2's position table has num_patches rows whatever the image.
        # idefics2: the perceiver runs at the text width (__post_init__ forces its hidden_size);
        # the connector's gated MLP takes the text intermediate_size.
        "idefics2": [
            sub("text_config", VARIANT_FIELDS["mistral"]),
            sub("vision_config", CLIP_VISION),
            sub(
                "perceiver_config",
                [
                    rint("resampler_n_latents", 4, 32, 4),
                    rint("resampler_depth", 1, 3),
                    pick("resampler_n_heads", 2, 4, 8),
                    pick("resampler_head_dim", 16, 32),
                    pick("num_key_value_heads", 1, 2),
                ],
            ),
            TIE,
        ],
        # aria: the learned query table has max(projector_patch_to_query_dict.values()) rows.
        "aria": [
            sub("text_config", VARIANT_FIELDS["aria_text"]),
            sub("vision_config", CLIP_VISION),
            pick("projector_patch_to_query_dict", None, {"16": 8}, {"1225": 32, "4900": 64}),
            TIE,
        ],
        # deepseek_vl: SigLIP with its own defaults (the pooling head when vision_use_head).
        "deepseek_vl": [
            sub("text_config", VARIANT_FIELDS["llama"]),
            sub("vision_config", SIGLIP_VISION),
            TIE,
        ],
        # phi4_multimodal: a Phi-3 text model at the top level (pad_token_id within a small
        # vocabulary); the speech projections read the audio width x downsample_rate; the
        # conformer's conv module is built over hidden_size whatever its channel fields.
        "phi4_multimodal": [
            *DECODER,
            maybe(HEAD_DIM),
            WINDOW,
            pick("pad_token_id", None, 0),
            sub(
                "vision_config",
                [
                    HIDDEN,
                    INTERMEDIATE,
                    LAYERS,
                    heads(kv=None),
                    pick("num_channels", 1, 3),
                    image(),
                ],
            ),
            sub(
                "audio_config",
                [
                    HIDDEN,
                    INTERMEDIATE,
                    rint("num_blocks", 1, 4),
                    heads(kv=None),
                    maybe(pick("head_dim", 16, 32)),
                    rint("input_size", 16, 96, 8),
                    rint("nemo_conv_channels", 16, 128, 16),
                    pick("time_reduction", 2, 4, 6, 8),
                    rint("bias_max_distance", 8, 64, 8),
                    flag("bias_symmetric"),
                    pick("kernel_size", 1, 3, 5),
                    pick("depthwise_multiplier", 1, 2),
                    rint("depthwise_separable_out_channel", 32, 256, 32),
                    rint("ext_pw_out_channel", 32, 256, 32),
                    pick("downsample_rate", 1, 2),
                ],
            ),
        ],
        # granite_speech: queries = window_size // downsample_rate; the Q-Former's keys and
        # values read encoder_hidden_size features (not checked against the encoder's width);
        # cross-attention in layers 0, f, 2f...; the top-level tie_word_embeddings decides.
        "granite_speech": GRANITE_SPEECH,
        "granite_speech_plus": [*GRANITE_SPEECH, concatenated_layers],
        "lfm2_vl": [
            sub("text_config", VARIANT_FIELDS["lfm2"]),
            sub(
                "vision_config",
                [
                    HIDDEN,
                    INTERMEDIATE,
                    LAYERS,
                    heads(kv=None),
                    pick("num_channels", 1, 3),
                    pick("patch_size", 8, 14, 16),
                    pick("num_patches", 64, 144, 256),
                    flag("vision_use_head"),
                ],
            ),
            rint("projector_hidden_size", 64, 512, 32),
            flag("projector_bias"),
            flag("projector_use_layernorm"),
            pick("downsample_factor", 1, 2, 3),
            TIE,
            spelled({"tie_word_embeddings": "tie_embedding"}),
        ],
        # glm4v: a text config's tie_word_embeddings ties too (Glm4vConfig.__post_init__); the
        # vision blocks' gated MLP is out_hidden_size wide, the merger's intermediate_size.
        "glm4v": [
            sub("text_config", [VOCAB, HIDDEN, INTERMEDIATE, LAYERS, heads(), maybe(TIE)]),
            sub("vision_config", GLM4V_VISION),
            TIE,
        ],
        # glm4v_moe: head_dim is read with getattr (hidden_size // heads when absent).
        "glm4v_moe": [
            sub("text_config", GLM4V_MOE_TEXT),
            sub("vision_config", GLM4V_VISION),
            TIE,
        ],
        # glm46v: either GLM text model (the MoE one named by model_type); only the top-level
        # tie_word_embeddings ties.
        "glm46v": [
            one_of(
                [sub("text_config", [VOCAB, HIDDEN, INTERMEDIATE, LAYERS, heads(), maybe(TIE)])],
                [sub("text_config", [pick("model_type", "glm4v_moe_text"), *GLM4V_MOE_TEXT])],
            ),
            sub("vision_config", GLM4V_VISION),
            TIE,
        ],
        # glm_ocr: head_dim is read with getattr; the merger is out_hidden_size x in_channels
        # wide (intermediate_size is the vision blocks' MLP); image_size changes no shape.
        "glm_ocr": [
            sub(
                "text_config",
                [VOCAB, HIDDEN, INTERMEDIATE, LAYERS, heads(), maybe(HEAD_DIM), maybe(TIE)],
            ),
            sub("vision_config", GLM4V_VISION),
            TIE,
        ],
        # paddleocr_vl: a null text_config takes the text keys from the top level (and then
        # always ties); either level's tie_word_embeddings ties; no pooling head in the ViT.
        "paddleocr_vl": [
            one_of(
                [sub("text_config", VARIANT_FIELDS["ernie4_5"])],
                [pick("text_config", None), *VARIANT_FIELDS["ernie4_5"]],
            ),
            sub(
                "vision_config",
                [
                    HIDDEN,
                    INTERMEDIATE,
                    LAYERS,
                    heads(kv=None),
                    pick("num_channels", 1, 3),
                    image(),
                    pick("spatial_merge_size", 1, 2, 3),
                ],
            ),
            TIE,
        ],
        # qianfan_ocr: InternVL's fields; the text model is Qwen 3 unless text_config names one.
        "qianfan_ocr": [
            one_of(
                [sub("text_config", VARIANT_FIELDS["qwen3"])],
                [sub("text_config", [pick("model_type", "qwen2"), *VARIANT_FIELDS["qwen2"]])],
            ),
            sub("vision_config", INTERNVL_VISION),
            pick("downsample_ratio", 0.25, 0.5, 1.0),
            pick("vision_feature_layer", -1, -2),
            TIE,
        ],
        # exaone4_5: the ViT's fused qkv holds num_key_value_heads key and value heads; an old
        # "exaone4_5_text" text model_type reads as exaone4; only the top level ties.
        "exaone4_5": [
            sub(
                "text_config",
                [
                    pick("model_type", "exaone4", "exaone4_5_text"),
                    *VARIANT_FIELDS["exaone4"],
                    maybe(TIE),
                ],
            ),
            sub(
                "vision_config",
                [
                    *QWEN2_5_VL_VISION[:2],
                    heads("hidden_size", "num_heads", "num_key_value_heads"),
                    *QWEN2_5_VL_VISION[2:],
                    spelled({"num_heads": "num_attention_heads", "depth": "num_hidden_layers"}),
                ],
            ),
            TIE,
        ],
        # video_llama_3: the ViT has no position table (image size moves nothing); the text
        # config's tie_word_embeddings ties too (VideoLlama3Config.__post_init__).
        "video_llama_3": [
            one_of(
                [sub("text_config", VARIANT_FIELDS["qwen2"])],
                [sub("text_config", [pick("model_type", "llama"), *VARIANT_FIELDS["llama"]])],
            ),
            sub(
                "vision_config",
                [
                    HIDDEN,
                    INTERMEDIATE,
                    LAYERS,
                    heads(kv=None),
                    pick("num_channels", 1, 3),
                    pick("patch_size", 8, 14, 16),
                ],
            ),
            TIE,
        ],
        # granite_docling: out_hidden_size is the text width (validate_architecture); the
        # connector's positions are buffers; only the top level ties.
        "granite_docling": [
            sub(
                "text_config",
                [
                    *VARIANT_FIELDS["granite"][:6],
                    HEAD_DIM_KEY,
                    *LLAMA_BIAS_FLAGS,
                    pick("pad_token_id", None),  # the default 100256 lies past small vocabularies
                ],
            ),
            sub(
                "vision_config",
                [
                    HIDDEN,
                    INTERMEDIATE,
                    LAYERS,
                    heads(kv=None),
                    pick("num_channels", 1, 3),
                    image(sides=(4, 8)),
                    pick("scale_factor", 2, 4),
                    pick("deepstack_visual_indexes", None, [], [0], [1, 0]),
                    flag("use_fine_route"),
                ],
            ),
            granite_docling_widths,
            TIE,
        ],
        # hunyuan_vl: a null text_config takes the text keys from the top level (and then
        # always ties); either level ties; text head_dim is required; the vision head_dim is
        # read with getattr; text_hidden_size is forced to the text width.
        "hunyuan_vl": [
            one_of(
                [sub("text_config", VARIANT_FIELDS["hunyuan_v1_dense"])],
                [pick("text_config", None), *VARIANT_FIELDS["hunyuan_v1_dense"]],
            ),
            sub(
                "vision_config",
                [
                    HIDDEN,
                    INTERMEDIATE,
                    LAYERS,
                    heads(kv=None),
                    maybe(HEAD_DIM),
                    pick("num_channels", 1, 3),
                    pick("patch_size", 8, 16),
                    pick("max_image_size", 64, 128),
                    pick("spatial_merge_size", 1, 2),
                    spelled({"num_attention_heads": "attention_heads"}),
                ],
            ),
            TIE,
        ],
        # internvl: vision_feature_layer changes no shape (every layer is built).
        "internvl": [
            INTERNVL_TEXT,
            sub("vision_config", INTERNVL_VISION),
            pick("downsample_ratio", 0.25, 0.5, 1.0),
            pick("vision_feature_layer", -1, -2),
            TIE,
        ],
    }
)


def set_field(config: Config, dotted: str, value: Any) -> None:
    """Set `a.b=v` inside nested configs (text_config.hidden_size=64)."""
    *outer, key = dotted.split(".")
    for part in outer:
        config = config.setdefault(part, {})
    config[key] = value


def draw(rng: random.Random, model_type: str, sets: list[tuple[str, Any]]) -> Config:
    """One random config of a family, with the --set fields forced after the draw."""
    config: Config = {"model_type": model_type}
    for gen in VARIANT_FIELDS[model_type]:
        gen(rng, config)
    for key, value in sets:
        set_field(config, key, value)
    return config


# --- linear_hybrid (Qwen3.5, OLMo Hybrid) ------------------------------------------------------


def olmo_hybrid_linear(rng: random.Random, c: Config) -> None:
    """OLMo Hybrid DeltaNet sizes: derived from the attention heads (null) or drawn."""
    if rng.random() < 0.5:
        linear_heads(rng, c)
        c["linear_key_head_dim"] = rng.choice((None, 16, 32))
        c["linear_value_head_dim"] = rng.choice((None, 16, 48))


QWEN3_5_TEXT = [
    VOCAB,
    HIDDEN,
    LAYERS,
    heads(),
    HEAD_DIM,
    flag("attention_bias"),
    flag("tie_word_embeddings"),
    qwen3_next_pattern,
    pick("linear_conv_kernel_dim", 2, 3, 4),
    pick("linear_key_head_dim", 16, 32, 64),
    pick("linear_value_head_dim", 16, 32, 64),
    linear_heads,
]

#: Qwen3.5 (dense and MoE): Qwen3-VL's ViT, whose deepstack_visual_indexes Qwen3.5 ignores (no
#: deepstack mergers), on the Qwen3.5 text model; only the top-level tie_word_embeddings ties.
VARIANT_FIELDS.update(
    {
        "qwen3_5": [
            sub("text_config", [*QWEN3_5_TEXT, INTERMEDIATE]),
            sub("vision_config", QWEN3_VL_VISION),
            TIE,
        ],
        "qwen3_5_moe": [
            sub(
                "text_config",
                [
                    *QWEN3_5_TEXT,
                    rint("num_experts", 1, 6),
                    top_k("num_experts_per_tok", "num_experts"),
                    rint("moe_intermediate_size", 32, 256, 32),
                    rint("shared_expert_intermediate_size", 32, 256, 32),
                ],
            ),
            sub("vision_config", QWEN3_VL_VISION),
            TIE,
        ],
    }
)


#: LFM3-VL: any vision layer type but "conv" builds attention; only the top level ties.
# glmga: Glm46VConfig under another model_type.
VARIANT_FIELDS["glmga"] = VARIANT_FIELDS["glm46v"]
VARIANT_FIELDS["lfm3_vl"] = [
    sub("text_config", VARIANT_FIELDS["lfm3"]),
    sub(
        "vision_config",
        [
            HIDDEN,
            INTERMEDIATE,
            rint("num_hidden_layers", 2, 5),
            heads(),
            pick("in_channels", 1, 3),
            pick("patch_size", 8, 14, 16),
            pick("temporal_patch_size", 1, 2),
            pick("spatial_merge_size", 1, 2),
            pick("conv_kernel_size", 3, 5),
            one_of([], [per_layer("layer_types", ("conv", "full_attention", "sliding"))]),
        ],
    ),
    rint("projector_hidden_size", 64, 512, 32),
    flag("projector_bias"),
    TIE,
]


#: MiniCPM-V 4.6: merge_kernel_size, insert_layer_id and the top-level image_size change no
#: shape (the downsampling MLPs read 4 x the vision width); only the top level ties.
VARIANT_FIELDS["minicpmv4_6"] = [
    sub("text_config", [*QWEN3_5_TEXT, INTERMEDIATE]),
    sub(
        "vision_config",
        [
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(kv=None),
            pick("num_channels", 1, 3),
            image(),
            pick("window_kernel_size", [2, 2], [1, 2], [3, 1]),
        ],
    ),
    rint("merger_times", 1, 3),
    TIE,
]

#: MiniCPM-V 4.7: MiniCPM-V 4.6's modules and fields.
VARIANT_FIELDS["minicpmv4_7"] = VARIANT_FIELDS["minicpmv4_6"]
#: MiniCPM-OCR: the same (tied by default).
VARIANT_FIELDS["minicpm_ocr"] = VARIANT_FIELDS["minicpmv4_6"]

#: HyperCLOVA X Vision V2: Qwen2.5-VL's vision fields (an old "qwen2_5_vl" model_type too), a
#: HyperCLOVA X text model; only the top level ties.
VARIANT_FIELDS["hyperclovax_vision_v2"] = [
    sub("text_config", [*VARIANT_FIELDS["hyperclovax"], maybe(TIE)]),
    sub("vision_config", [maybe(pick("model_type", "qwen2_5_vl")), *QWEN2_5_VL_VISION]),
    TIE,
]


def qwen4_exp_layers(rng: random.Random, c: Config) -> None:
    """Qwen4-Exp: layer kinds by interval or a list (full_attention the legacy name of
    indexed_attention), the QSA indexer, and PLE on some linear layers (one-indexed, maybe
    unsorted and repeated) with n-gram sizes that divide ple_embed_dim."""
    layers = c["num_hidden_layers"]
    if rng.random() < 0.5:
        c["full_attention_interval"] = interval = rng.randint(1, 4)
        kinds = ["linear_attention" if (i + 1) % interval else "x" for i in range(layers)]
    else:
        kinds = [rng.choice(("linear_attention", "indexed_attention")) for _ in range(layers)]
        c["layer_types"] = [
            rng.choice(("indexed_attention", "full_attention")) if k != "linear_attention" else k
            for k in kinds
        ]
    c["indexer_n_heads"] = rng.choice((1, 2, 4))
    c["indexer_kv_heads"] = 1
    c["indexer_head_dim"] = c["head_dim"] + rng.choice((0, 16))
    c["indexer_compress_ratio"] = ratio = rng.choice((2, 4))
    c["indexer_budget"] = ratio * rng.choice((1, 4))
    linear = [i + 1 for i, k in enumerate(kinds) if k == "linear_attention"]
    ids = rng.sample(linear, rng.randint(min(1, len(linear)), min(3, len(linear))))
    c["ple_layer_ids"] = ids + ids[:1] if ids and rng.random() < 0.5 else ids
    c["eos_token_id"] = rng.choice((1, [2, 3]))
    c["ngram_size"] = rng.choice((2, 3, 4))
    c["heads_per_ngram"] = rng.choice((1, 2, 4))
    heads = (c["ngram_size"] - 1) * c["heads_per_ngram"]
    c["ple_embed_dim"] = heads * rng.choice((2, 4, 8))
    if c["hidden_size"] % heads == 0 and rng.random() < 0.5:
        c["ple_embed_dim"] = None
    c["ple_conv_kernel_size"] = rng.choice((2, 3, 4))
    c["ngram_vocab_size_base"] = rng.randint(50, 3000)
    c["make_ngram_vocab_size_divisible_by"] = rng.choice((1, 64, 128))


VARIANT_FIELDS.update(
    {
        "qwen3_5_text": [*QWEN3_5_TEXT, INTERMEDIATE],
        "qwen3_5_moe_text": [
            *QWEN3_5_TEXT,
            rint("num_experts", 1, 6),
            top_k("num_experts_per_tok", "num_experts"),
            rint("moe_intermediate_size", 32, 256, 32),
            rint("shared_expert_intermediate_size", 32, 256, 32),
        ],
        # qwen4_exp_text: seed, split_ngram_parts, indexer_budget and output_gate_type change
        # no shape (moved).
        "qwen4_exp_text": [
            VOCAB,
            HIDDEN,
            LAYERS,
            heads(),
            HEAD_DIM,
            flag("attention_bias"),
            flag("tie_word_embeddings"),
            pick("linear_conv_kernel_dim", 2, 3, 4),
            pick("linear_key_head_dim", 16, 32, 64),
            pick("linear_value_head_dim", 16, 32, 64),
            linear_heads,
            rint("num_experts", 1, 6),
            top_k("num_experts_per_tok", "num_experts"),
            rint("moe_intermediate_size", 32, 256, 32),
            rint("shared_expert_intermediate_size", 32, 256, 32),
            pick("hc_count", 2, 3, 4),
            pick("hc_lowrank", 8, 16, 40),
            qwen4_exp_layers,
            pick("seed", 1234, 7),
            pick("split_ngram_parts", 512, 4),
            pick("output_gate_type", None, "sigmoid"),
        ],
        "olmo_hybrid": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(options=(1, 2, 4, 8)),
            pick("num_key_value_heads", None, 1),
            maybe(HEAD_DIM),
            flag("attention_bias"),
            flag("tie_word_embeddings"),
            maybe(per_layer("layer_types", ("linear_attention", "full_attention"))),
            pick("linear_conv_kernel_dim", 2, 3, 4),
            olmo_hybrid_linear,
            # the default pad_token_id (100277) lies outside a small vocabulary
            pick("pad_token_id", None),
        ],
    }
)


# --- hybrid_parallel (Falcon-H1) ------------------------------------------------------------


def falcon_h1_ssm(rng: random.Random, c: Config) -> None:
    """Falcon-H1 Mamba-2: mamba_d_ssm given (or null: expand x hidden_size), heads tiling it,
    the head width given or "auto", groups dividing the heads."""
    c["mamba_expand"] = rng.choice((1, 2))
    c["mamba_n_heads"] = rng.choice((2, 4, 8))
    if rng.random() < 0.5:
        c["mamba_d_ssm"] = None
        inner = c["mamba_expand"] * c["hidden_size"]
    else:
        inner = c["mamba_n_heads"] * rng.choice((8, 16, 32))
        c["mamba_d_ssm"] = inner
    c["mamba_d_head"] = "auto" if rng.random() < 0.5 else inner // c["mamba_n_heads"]
    c["mamba_n_groups"] = rng.choice([g for g in (1, 2) if c["mamba_n_heads"] % g == 0])


VARIANT_FIELDS.update(
    {
        # falcon_h1: the muP multipliers change no shape (moved to prove it).
        "falcon_h1": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(),
            maybe(HEAD_DIM),
            flag("attention_bias"),
            flag("mlp_bias"),
            flag("tie_word_embeddings"),
            falcon_h1_ssm,
            pick("mamba_d_state", 8, 16, 32),
            pick("mamba_d_conv", 2, 3, 4),
            flag("mamba_conv_bias"),
            flag("mamba_proj_bias"),
            flag("mamba_rms_norm"),
            flag("projectors_bias"),
            pick("embedding_multiplier", 1.0, 5.0),
            pick("mlp_multipliers", None, [0.5, 2.0]),
            pick("ssm_multipliers", None, [1.0, 0.5, 2.0, 1.0, 0.25]),
        ],
    }
)


# --- kda_hybrid (Kimi Linear, Ling's bailing_hybrid) -----------------------------------------


def kimi_linear_layers(rng: random.Random, c: Config) -> None:
    """Kimi Linear: KDA sizes and layer kinds as fields or in the checkpoint's
    linear_attn_config (1-indexed full_attn_layers and kda_layers), or the default pattern."""
    sizes = {
        "linear_head_dim": rng.choice((8, 16, 32)),
        "linear_num_heads": rng.choice((1, 2, 4)),
        "linear_conv_kernel_dim": rng.choice((2, 3, 4)),
    }
    layers = c["num_hidden_layers"]
    way = rng.choice(("fields", "sub", "default"))
    if way == "sub":
        full = sorted(rng.sample(range(1, layers + 1), rng.randint(1, layers)))
        c["linear_attn_config"] = {
            "head_dim": sizes["linear_head_dim"],
            "num_heads": sizes["linear_num_heads"],
            "short_conv_kernel_size": sizes["linear_conv_kernel_dim"],
            "full_attn_layers": full,
            "kda_layers": [i for i in range(1, layers + 1) if i not in full],
        }
        return
    c.update(sizes)
    if way == "fields":
        per_layer("layer_types", ("linear_attention", "full_attention"))(rng, c)


def dense_layers(rng: random.Random, c: Config) -> None:
    """Kimi Linear and Ling: dense MLP layers as mlp_layer_types or first_k_dense_replace."""
    if rng.random() < 0.5:
        per_layer("mlp_layer_types", ("dense", "sparse"))(rng, c)
    else:
        c["first_k_dense_replace"] = rng.randint(0, c["num_hidden_layers"])


KDA_MOE = [
    rint("num_local_experts", 1, 6),
    top_k("num_experts_per_tok", "num_local_experts"),
    rint("moe_intermediate_size", 32, 256, 32),
    rint("n_shared_experts", 1, 2),
    dense_layers,
    # the router's group sizes change no shape
    pick("n_group", 1),
    pick("topk_group", 1),
]
MOE_SPELLINGS = spelled(
    {
        "num_local_experts": "num_experts",
        "num_experts_per_tok": "num_experts_per_token",
        "n_shared_experts": "num_shared_experts",
    }
)

VARIANT_FIELDS.update(
    {
        "kimi_linear": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            pick("num_attention_heads", 1, 2, 4),
            *MLA,
            flag("tie_word_embeddings"),
            kimi_linear_layers,
            *KDA_MOE,
            pick("pad_token_id", None),
            MOE_SPELLINGS,
        ],
        # bailing_hybrid: num_mtp_layers changes no shape (transformers builds no MTP layer).
        "bailing_hybrid": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            pick("num_attention_heads", 1, 2, 4),
            *MLA[1:],
            pick("head_dim", 8, 16, 32),
            pick("short_conv_kernel_size", 2, 3, 4),
            one_of(
                [rint("layer_group_size", 1, 4)],
                [per_layer("layer_types", ("linear_attention", "full_attention"))],
            ),
            flag("tie_word_embeddings"),
            *KDA_MOE,
            pick("num_mtp_layers", 0, 1),
            pick("pad_token_id", None),
            MOE_SPELLINGS,
        ],
    }
)


# --- recursive (HRM) -------------------------------------------------------------------------


def hrm_depth(rng: random.Random, c: Config) -> None:
    """HRM: the per-stack depth as num_hidden_layers alone, or as num_layers_per_stack beside
    the inflated num_hidden_layers a saved config writes."""
    c["H_cycles"], c["L_cycles"] = rng.randint(1, 3), rng.randint(1, 3)
    depth = rng.randint(1, 3)
    if rng.random() < 0.5:
        c["num_hidden_layers"] = depth
    else:
        c["num_layers_per_stack"] = depth
        c["num_hidden_layers"] = depth * c["H_cycles"] * (c["L_cycles"] + 1)


VARIANT_FIELDS.update(
    {
        # hrm_text: L_bp_cycles, embedding_scale and prefix_lm change no shape (moved to prove it).
        "hrm_text": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            hrm_depth,
            heads(kv=None),
            HEAD_DIM,
            flag("attention_bias"),
            flag("mlp_bias"),
            flag("tie_word_embeddings"),
            pick("L_bp_cycles", None, [1]),
            pick("embedding_scale", None, 2.0),
            flag("prefix_lm"),
        ],
    }
)


# -- Mistral Large 4 (paramcalc/families/mistral_mla.py) ------------------------------------
def kv_sources(rng: random.Random, c: Config) -> None:
    """Mistral Large 4: each layer its own latent or an earlier layer's that is its own source
    (kv_source_layers), or the default (every layer its own)."""
    if rng.random() < 0.3:
        return
    sources: list[int] = []
    for i in range(c["num_hidden_layers"]):
        owners = [j for j, s in enumerate(sources) if s == j]
        sources.append(rng.choice([i, *owners]) if owners else i)
    c["kv_source_layers"] = sources


MISTRAL_LARGE4_TEXT = [
    *DSA,
    glm_indexers,
    one_of(
        [per_layer("no_rope_layers", (0, 1))],
        [rint("no_rope_layer_interval", 1, 3)],
        [],
    ),
    kv_sources,
]
# mistral_large4: num_key_value_heads, head_dim and index_topk change no shape; the top-level
# tie_word_embeddings decides the head (the text config's is drawn as a decoy). DSA's
# q_lora_rank and mlp_bias are not fields of the text config (decoys).
VARIANT_FIELDS["mistral_large4"] = [
    sub("text_config", MISTRAL_LARGE4_TEXT),
    sub(
        "vision_config",
        [
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(kv=None),
            pick("num_channels", 1, 3),
            pick("patch_size", 8, 14, 16),
        ],
    ),
    pick("vision_feature_layer", -1, -2, [-2, -1]),
    pick("spatial_merge_size", 1, 2),
    flag("multimodal_projector_bias"),
    TIE,
]


# -- Kimi K2.5 (paramcalc/families/multimodal_kimi.py) --------------------------------------
# kimi_k25: the temporal table (pos_emb_time) is a buffer; the vision tower always reads 3
# channels; the text config's tie_word_embeddings is a decoy beside the top-level one.
VARIANT_FIELDS["kimi_k25"] = [
    sub("text_config", VARIANT_FIELDS["deepseek_v3"]),
    sub(
        "vision_config",
        [
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(kv=None),
            pick("patch_size", 8, 14, 16),
            rint("pos_emb_height", 2, 16),
            rint("pos_emb_width", 2, 16),
            pick("pos_emb_time", 1, 4),
            pick("merge_kernel_size", [2, 2], [1, 2], [3, 1]),
        ],
    ),
    rint("projection_hidden_size", 32, 512, 32),
    TIE,
]


# -- Ovis2 (paramcalc/families/multimodal_ovis.py) ------------------------------------------
def ovis2_sizes(rng: random.Random, c: Config) -> None:
    """Ovis2: the top-level hidden_size sizes the visual table (and an untied lm_head, with the
    top-level vocab_size): the text model's own when untied, else drawn apart."""
    c["tie_word_embeddings"] = rng.random() < 0.5
    text = c["text_config"]
    if c["tie_word_embeddings"]:
        c["hidden_size"] = rng.randrange(64, 513, 32)
        c["vocab_size"] = rng.randint(256, 4096)
    else:
        c["hidden_size"], c["vocab_size"] = text["hidden_size"], text["vocab_size"]


# ovis2: tokenize_function and hidden_act change no shape; the text config's
# tie_word_embeddings is a decoy beside the top-level one.
VARIANT_FIELDS["ovis2"] = [
    sub("text_config", VARIANT_FIELDS["qwen2"]),
    sub(
        "vision_config",
        [
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(kv=None),
            pick("num_channels", 1, 3),
            image(),
            flag("qkv_bias"),
            flag("mlp_bias"),
            rint("vocab_size", 64, 1024, 32),
            pick("hidden_stride", 1, 2, 3),
            pick("num_visual_indicator_tokens", 0, 5, 7),
            pick("tokenize_function", "softmax", "st_argmax"),
        ],
    ),
    ovis2_sizes,
]


# -- Chameleon (paramcalc/families/multimodal_vq.py) ----------------------------------------
# The model needs a vocabulary_map with an "<image>" token (it changes no shape). vq_config:
# GroupNorm(32) needs every level's channels divisible by 32; resolution / attn_resolutions
# decide which levels hold attention blocks.
def chameleon_levels(rng: random.Random, c: Config) -> None:
    """A channel multiplier per level and attention at some of the levels' sides."""
    levels = rng.randint(1, 4)
    c["channel_multiplier"] = [rng.choice((1, 2, 3)) for _ in range(levels)]
    sides = [c["resolution"] // 2**i for i in range(levels)]
    c["attn_resolutions"] = rng.choice((None, rng.sample(sides, rng.randint(1, levels))))


VARIANT_FIELDS["chameleon"] = [
    HIDDEN,
    LAYERS,
    heads(),
    INTERMEDIATE,
    rint("vocab_size", 256, 4096, 64),
    flag("attention_bias"),
    flag("mlp_bias"),
    flag("swin_norm"),
    TIE,
    pick("vocabulary_map", {"<image>": 3}),
    sub(
        "vq_config",
        [
            rint("embed_dim", 8, 64, 8),
            rint("num_embeddings", 16, 512, 16),
            flag("double_latent"),
            rint("latent_channels", 8, 64, 8),
            pick("resolution", 32, 64),
            pick("in_channels", 1, 3),
            pick("base_channels", 32, 64),
            rint("num_res_blocks", 1, 3),
            chameleon_levels,
            pick("attn_type", "vanilla", "vanilla", "none"),
        ],
    ),
]


# -- Emu3 (paramcalc/families/multimodal_vq.py) ---------------------------------------------
# The text config's pad_token_id (an int, 151643 by default) must index its table. vq_config:
# attn_resolutions lists level indices; the attention blocks are hidden_size wide.
def emu3_levels(rng: random.Random, c: Config) -> None:
    """A channel multiplier per level and attention at some of the levels."""
    levels = rng.randint(1, 3)
    c["channel_multiplier"] = [rng.choice((1, 2)) for _ in range(levels)]
    c["attn_resolutions"] = sorted(rng.sample(range(levels), rng.randint(0, levels)))


VARIANT_FIELDS["emu3"] = [
    sub(
        "text_config",
        [
            HIDDEN,
            LAYERS,
            heads(),
            INTERMEDIATE,
            rint("vocab_size", 256, 4096, 64),
            pick("pad_token_id", 0, 1),
            flag("attention_bias"),
            flag("mlp_bias"),
            maybe(HEAD_DIM),
        ],
    ),
    TIE,
    pick("vocabulary_map", {"<image>": 3, "<|extra_200|>": 4}),
    sub(
        "vq_config",
        [
            rint("codebook_size", 16, 512, 16),
            rint("embed_dim", 4, 16, 4),
            rint("latent_channels", 4, 16, 4),
            flag("double_latent"),
            pick("in_channels", 1, 3),
            pick("out_channels", 1, 3),
            pick("temporal_downsample_factor", 1, 2, 4),
            pick("base_channels", 32, 64),
            rint("num_res_blocks", 1, 2),
            emu3_levels,
            rint("hidden_size", 32, 128, 32),
            pick("num_attention_heads", 1, 2),
        ],
    ),
]


# -- Fuyu (paramcalc/families/multimodal_fuyu.py) -------------------------------------------
# image_size changes no shape; the text model is persimmon's, in text_config or (fuyu_flat)
# as the top-level keys FuyuConfig moves into a null text_config.
FUYU_TEXT_KEYS = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers")


def fuyu_flat(rng: random.Random, c: Config) -> None:
    """Half the time, move the drawn text sizes to the top level, as published configs are."""
    if rng.random() < 0.5:
        text = c.pop("text_config")
        text.pop("partial_rotary_factor", None)
        for key in (*FUYU_TEXT_KEYS, "num_attention_heads", "qk_layernorm"):
            c[key] = text[key]


VARIANT_FIELDS["fuyu"] = [
    sub("text_config", [*DENSE, flag("qk_layernorm")]),
    pick("patch_size", 4, 8, 30),
    pick("num_channels", 1, 3),
    pick("image_size", 32, 300),
    TIE,
    fuyu_flat,
]


# -- GOT-OCR2 (paramcalc/families/multimodal_got_ocr2.py) -----------------------------------
# got_ocr2: image_seq_length and hidden_act change no shape; the text config's
# tie_word_embeddings is a decoy beside the top-level one.
#: A SAM ViT encoder's fields (GOT-OCR2's vision config, SamVisionConfig).
SAM_VISION = [
    HIDDEN,
    rint("mlp_dim", 64, 512, 32),
    LAYERS,
    heads(kv=None),
    pick("num_channels", 1, 3),
    image(sides=(2, 4, 6, 8)),
    rint("output_channels", 16, 128, 16),
    flag("qkv_bias"),
    flag("use_abs_pos"),
    flag("use_rel_pos"),
    pick("window_size", 0, 2, 3, 4),
    subset("global_attn_indexes"),
]
VARIANT_FIELDS["got_ocr2"] = [
    sub("text_config", VARIANT_FIELDS["qwen2"]),
    sub("vision_config", SAM_VISION),
    pick("image_seq_length", 16, 64),
    TIE,
]
# pix2struct: the text d_kv, dense_act_fn and the vision relative_attention_* fields change no
# shape; the text config's tie_word_embeddings is a decoy beside the top-level one.
VARIANT_FIELDS["pix2struct"] = [
    sub(
        "text_config",
        [
            VOCAB,
            HIDDEN,
            heads(q="num_heads", kv=None),
            rint("num_layers", 1, 4),
            rint("d_ff", 64, 512, 32),
            rint("d_kv", 8, 64, 8),
            rint("relative_attention_num_buckets", 8, 64, 8),
            flag("tie_word_embeddings"),
        ],
    ),
    sub(
        "vision_config",
        [
            HIDDEN,
            rint("patch_embed_hidden_size", 48, 768, 48),
            rint("d_ff", 64, 512, 32),
            rint("d_kv", 8, 64, 8),
            LAYERS,
            heads(kv=None),
            rint("seq_len", 16, 512, 16),
            rint("relative_attention_num_buckets", 8, 64, 8),
        ],
    ),
    TIE,
]

#: DeepSeek-VL hybrid: DeepSeek-VL's fields and a SAM encoder (GOT-OCR2's fields, mlp_dim
#: null or set; mlp_ratio moves a null one); the aligner halves the text width.
VARIANT_FIELDS["deepseek_vl_hybrid"] = [
    *VARIANT_FIELDS["deepseek_vl"],
    sub(
        "high_res_vision_config",
        [*SAM_VISION, one_of([pick("mlp_dim", None), pick("mlp_ratio", 2.0, 3.5)], [])],
    ),
]

#: MiniMax-M3 VL: MiniMax-M3's text fields (either level ties), a ViT without a position table
#: (image_size moves nothing), projector_hidden_size.
VARIANT_FIELDS["minimax_m3_vl"] = [
    sub("text_config", VARIANT_FIELDS["minimax_m3_vl_text"]),
    sub(
        "vision_config",
        [
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(kv=None),
            pick("num_channels", 1, 3),
            pick("patch_size", 8, 14),
            pick("temporal_patch_size", 1, 2),
            pick("spatial_merge_size", 1, 2, 3),
            pick("image_size", 224, 448),
        ],
    ),
    rint("projector_hidden_size", 32, 256, 32),
    TIE,
]
# kosmos-2.5: Pix2Struct's encoder under its own field names; the top-level
# tie_word_embeddings is a decoy beside the text config's, and so is scale_embedding.
VARIANT_FIELDS["kosmos-2.5"] = [
    sub(
        "text_config",
        [
            VOCAB,
            rint("embed_dim", 64, 512, 32),
            heads(width="embed_dim", q="attention_heads", kv=None),
            rint("layers", 1, 4),
            rint("ffn_dim", 64, 512, 32),
            flag("tie_word_embeddings"),
            flag("scale_embedding"),
        ],
    ),
    sub(
        "vision_config",
        [
            HIDDEN,
            rint("patch_embed_hidden_size", 48, 768, 48),
            rint("intermediate_size", 64, 512, 32),
            rint("head_dim", 8, 64, 8),
            LAYERS,
            heads(kv=None),
            rint("max_num_patches", 16, 512, 16),
        ],
    ),
    rint("latent_query_num", 4, 64, 4),
    TIE,
]
# pp_chart2table: GotOcr2ForConditionalGeneration of a config class with GotOcr2Config's fields.
VARIANT_FIELDS["pp_chart2table"] = VARIANT_FIELDS["got_ocr2"]


def variants(
    model_type: str,
    n: int,
    seed: int,
    sets: list[tuple[str, Any]],
    prefix: str,
    note: str,
    tries: int = 50,
    auto_class: str | None = None,
) -> list[Config]:
    """N random valid fixtures of one family, named PREFIX-variant-K (K from 1)."""
    if model_type not in VARIANT_FIELDS:
        raise SystemExit(f"no variant table for {model_type!r}: {sorted(VARIANT_FIELDS)}")
    rng = random.Random(seed)
    results: list[Config] = []
    for k in range(1, n + 1):
        for _ in range(tries):
            config = draw(rng, model_type, sets)
            try:
                name = f"{prefix}-variant-{k}"
                results.append(fixture(name, config, auto_class, extra={"notes": note}))
                break
            except Exception as exc:  # transformers refused the config: draw another
                print(f"skipped a variant transformers refuses: {exc}", file=sys.stderr)
        else:
            raise SystemExit(f"{model_type}: no buildable variant in {tries} draws")
    report_unmoved([r["config"] for r in results], {key for key, _ in sets})
    return results


def report_unmoved(configs: list[Config], forced: set[str]) -> None:
    """Warn about any drawn field (not forced by --set) that took one value in every variant."""

    def flat(c: Config, prefix: str = "") -> dict[str, str]:
        out: dict[str, str] = {}
        for k, v in c.items():
            if isinstance(v, dict):
                out.update(flat(v, f"{prefix}{k}."))
            else:
                out[prefix + k] = json.dumps(v)
        return out

    flats = [flat(c) for c in configs]
    keys = sorted(set().union(*flats))
    same = [
        k
        for k in keys
        if k != "model_type"
        and k not in forced
        and len(flats) > 1
        and all(k in f for f in flats)
        and len({f[k] for f in flats}) == 1
    ]
    if same:
        print(f"fields that did not move: {', '.join(same)}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------


def parse_value(raw: str) -> Any:
    """Read a --set value as JSON, falling back to the plain string."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def stem(model_type: str) -> str:
    """A model_type as fixture names spell it (gpt_oss -> gpt-oss)."""
    return model_type.replace("_", "-")


# -- BART-like encoder-decoders (paramcalc/families/bart_like.py) -----------------------------


def bart_heads(rng: random.Random, c: Config) -> None:
    """Encoder and decoder head counts that divide d_model (BartAttention requires it)."""
    for key in ("encoder_attention_heads", "decoder_attention_heads"):
        c[key] = rng.choice([h for h in (1, 2, 4, 8) if c["d_model"] % h == 0])


BART_LIKE = [
    VOCAB,
    rint("d_model", 64, 512, 32),
    bart_heads,
    rint("encoder_layers", 1, 4),
    rint("decoder_layers", 1, 4),
    rint("encoder_ffn_dim", 64, 1024, 32),
    rint("decoder_ffn_dim", 64, 1024, 32),
    rint("max_position_embeddings", 32, 1024, 32),
    flag("tie_word_embeddings"),
    flag("scale_embedding"),
    pick("activation_function", "gelu", "relu"),
]
# pp_formulanet: GOT-OCR2's encoder and the projector's widths; an mBART decoder whose
# tie_word_embeddings is a decoy (the model declares no tied weights), without encoder fields
# (PPFormulaNetTextConfig removes them).
VARIANT_FIELDS["pp_formulanet"] = [
    sub(
        "text_config",
        [
            VOCAB,
            rint("d_model", 64, 512, 32),
            bart_heads,
            rint("decoder_layers", 1, 4),
            rint("decoder_ffn_dim", 64, 1024, 32),
            rint("max_position_embeddings", 32, 1024, 32),
            flag("tie_word_embeddings"),
            flag("scale_embedding"),
        ],
    ),
    sub(
        "vision_config",
        [
            *SAM_VISION,
            rint("post_conv_in_channels", 16, 128, 16),
            rint("post_conv_mid_channels", 16, 128, 16),
            rint("post_conv_out_channels", 16, 128, 16),
            rint("decoder_hidden_size", 32, 256, 32),
        ],
    ),
]
VARIANT_FIELDS.update(
    {
        key: BART_LIKE
        for key in (
            "bart",
            "mbart",
            "plbart",
            "mvp",
            "blenderbot",
            "blenderbot-small",
            "pegasus",
            "m2m_100",
        )
    }
)
VARIANT_FIELDS["marian"] = [
    *BART_LIKE,
    pick("decoder_vocab_size", None, 300, 1000),
    flag("share_encoder_decoder_embeddings"),
    # Marian pads with the last token (58100): a drawn vocabulary needs a pad id inside it
    pick("pad_token_id", 0),
    pick("decoder_start_token_id", 0),
]
VARIANT_FIELDS["led"] = [
    *(g for g in BART_LIKE if g is not BART_LIKE[7]),  # LED has per-stack position lengths
    rint("max_encoder_position_embeddings", 64, 2048, 64),
    rint("max_decoder_position_embeddings", 32, 1024, 32),
    pick("attention_window", 64, 128),
]
VARIANT_FIELDS["bigbird_pegasus"] = [
    *BART_LIKE,
    flag("use_bias"),
    pick("attention_type", "block_sparse", "original_full"),
    pick("block_size", 16, 32),
    pick("pad_token_id", 0, 1),
]
VARIANT_FIELDS["switch_transformers"] = [
    VOCAB,
    rint("d_model", 64, 256, 32),
    pick("num_heads", 1, 2, 4),
    pick("d_kv", 16, 32),
    rint("d_ff", 64, 512, 32),
    rint("num_layers", 1, 6),
    pick("num_decoder_layers", None, 1, 2, 5),
    pick("num_sparse_encoder_layers", 0, 1, 2, 3),
    pick("num_sparse_decoder_layers", 0, 1, 2),
    pick("num_experts", 2, 3, 4),
    flag("router_bias"),
    pick("relative_attention_num_buckets", 8, 32),
    flag("tie_word_embeddings"),
]
VARIANT_FIELDS["nllb-moe"] = [
    *BART_LIKE[:7],
    flag("tie_word_embeddings"),
    pick("num_experts", 2, 3, 4),
    pick("encoder_sparse_step", 0, 1, 2, 3),
    pick("decoder_sparse_step", 0, 1, 2),
    flag("router_bias"),
]
T5GEMMA_MODULE = [
    VOCAB,
    HIDDEN,
    INTERMEDIATE,
    LAYERS,
    heads(),
    HEAD_DIM,
    flag("attention_bias"),
    pick("sliding_window", 16, 512),
    pick("pad_token_id", 0),
]
VARIANT_FIELDS["t5gemma"] = [
    sub("encoder", T5GEMMA_MODULE),
    sub("decoder", T5GEMMA_MODULE),
    flag("tie_word_embeddings"),
]
# -- BLT (blt.py) ------------------------------------------------------------------------------
# Each sub-config is drawn on its own (a model transformers builds but could not run when the
# widths and cross_attn_k of its parts disagree); blt_parts then makes half of them agree, as
# a runnable model must, and ties only where the byte table and lm_head have one shape.
# local_attention_window_len, the patcher's sliding_window and patch_size change no shape.
BLT_LOCAL = [
    VOCAB,
    HIDDEN,
    rint("num_hidden_layers", 1, 4),
    heads(),
    pick("intermediate_size", 96, 256),
    pick("cross_attn_all_layers", True, False, None),
    pick("cross_attn_k", 1, 2, 3),
]
BLT_STACK = [HIDDEN, LAYERS, heads(), INTERMEDIATE]


def blt_parts(rng: random.Random, c: Config) -> None:
    """Make the parts of a BLT agree (half the time) and tie only equal shapes."""
    enc, dec = c["encoder_config"], c["decoder_config"]
    if rng.random() < 0.5:
        enc["cross_attn_k"] = dec["cross_attn_k"] = c["cross_attn_k"]
        dec["hidden_size_global"] = enc["hidden_size_global"] = c["global_config"]["hidden_size"]
    else:
        dec["hidden_size_global"] = rng.randrange(64, 513, 32)
    if c["tie_word_embeddings"]:
        enc["vocab_size"] = c["vocab_size"]
        for key in ("hidden_size", "num_attention_heads", "num_key_value_heads"):
            dec[key] = enc[key]


VARIANT_FIELDS["blt"] = [
    VOCAB,
    pick("cross_attn_k", 1, 2, 3),
    pick("encoder_hash_byte_group_size", None, [3, 4], [2, 3, 5, 7]),
    rint("encoder_hash_byte_group_vocab", 16, 1024),
    pick("encoder_hash_byte_group_nb_functions", 1, 2, 3),
    flag("patch_in_forward"),
    flag("tie_word_embeddings"),
    pick("local_attention_window_len", None, 64, 128),
    pick("patch_size", 2, 4, 6),
    # only the encoder's config class takes a null intermediate_size (8/3 of its width)
    sub("encoder_config", [*BLT_LOCAL, pick("intermediate_size", None, 128)]),
    sub("decoder_config", BLT_LOCAL),
    sub("global_config", BLT_STACK),
    sub("patcher_config", [VOCAB, *BLT_STACK, pick("sliding_window", None, 32)]),
    blt_parts,
]
# -- Long-input and n-gram encoder-decoders (seq2seq_long.py, prophetnet.py) -----------------
# longt5: local_radius, global_block_size and relative_attention_max_distance change no shape;
# tie_word_embeddings neither (LongT5Config always ties).
VARIANT_FIELDS["longt5"] = [
    VOCAB,
    rint("d_model", 64, 512, 32),
    pick("num_heads", 1, 2, 4, 8),
    pick("d_kv", 16, 32, 64),
    rint("d_ff", 64, 1024, 32),
    rint("num_layers", 2, 6),
    pick("num_decoder_layers", None, 2, 3, 5),
    pick("relative_attention_num_buckets", 8, 32),
    pick("relative_attention_max_distance", 64, 128),
    pick("feed_forward_proj", "relu", "gelu", "gated-gelu", "gated-silu"),
    pick("encoder_attention_type", "local", "transient-global"),
    pick("local_radius", 1, 8, 127),
    pick("global_block_size", 4, 16),
    flag("tie_word_embeddings"),
    spelled(
        {
            "d_model": "hidden_size",
            "num_heads": "num_attention_heads",
            "num_layers": "num_hidden_layers",
            "d_kv": "head_dim",
        }
    ),
]
# pegasus_x: block_size, stagger_local_blocks, max_position_embeddings and scale_embedding change
# no shape.
VARIANT_FIELDS["pegasus_x"] = [
    *BART_LIKE,
    rint("num_global_tokens", 1, 64),
    pick("block_size", 16, 64, 512),
    flag("stagger_local_blocks"),
]


def prophetnet_heads(rng: random.Random, c: Config) -> None:
    """ProphetNet: encoder and decoder head counts that divide hidden_size."""
    for key in ("num_encoder_attention_heads", "num_decoder_attention_heads"):
        c[key] = rng.choice([h for h in (1, 2, 4, 8) if c["hidden_size"] % h == 0])


# prophetnet: relative_max_distance and disable_ngram_loss change no shape.
VARIANT_FIELDS["prophetnet"] = [
    VOCAB,
    HIDDEN,
    prophetnet_heads,
    rint("num_encoder_layers", 1, 4),
    rint("num_decoder_layers", 1, 4),
    rint("encoder_ffn_dim", 64, 1024, 32),
    rint("decoder_ffn_dim", 64, 1024, 32),
    rint("max_position_embeddings", 32, 512, 32),
    pick("ngram", 1, 2, 3),
    pick("num_buckets", 8, 32),
    pick("relative_max_distance", 64, 128),
    flag("add_cross_attention"),
    flag("tie_word_embeddings"),
    flag("disable_ngram_loss"),
]
# -- EncoderDecoderModel (paramcalc/families/encoder_decoder.py) -----------------------------
#: The encoders paramcalc joins (encoder_decoder.ENCODERS): AutoModel builds their bare model.
#: Left out, as paramcalc refuses them by key: MobileBERT, a contact head or further tables
#: (ESM, LUKE, Reformer's axial positions), a stack of its own
#: (CANINE, Funnel), a norm other than the decoders' LayerNorm (EuroBERT, UltraBERT, NeoMME);
#: PerceiverConfig has no hidden_size, which EncoderDecoderModel reads.
ED_ENCODERS = (
    "bert",
    "roberta",
    "xlm-roberta",
    "camembert",
    "data2vec-text",
    "roberta-prelayernorm",
    "xlm-roberta-xl",
    "megatron-bert",
    "distilbert",
    "ernie",
    "ibert",
    "big_bird",
    "mra",
    "yoso",
    "splinter",
    "electra",
    "rembert",
    "longformer",
    "layoutlm",
    "roformer",
    "mpnet",
    "squeezebert",
    "xlm",
    "flaubert",
    "roc_bert",
    "gte",
    "nomic_bert",
    "jina_embeddings_v3",
    "modernbert",
    "fnet",
    "albert",
    "convbert",
    "tapas",
    "esmc",
    "clip_text_model",
    "deberta",
    "deberta-v2",
    "nystromformer",
    "xmod",
)
#: The decoders: the model_types whose causal-LM class reads add_cross_attention.
ED_DECODERS = (
    "bert",
    "roberta",
    "xlm-roberta",
    "camembert",
    "data2vec-text",
    "roberta-prelayernorm",
    "xlm-roberta-xl",
    "electra",
    "ernie",
    "big_bird",
    "megatron-bert",
    "rembert",
    "roc_bert",
    "roformer",
    "xmod",
    "gpt2",
    "gpt_bigcode",
    "xglm",
    "bert-generation",
)
#: Keys a side's own table draws that the pair sets itself.
ED_ROLE_KEYS = ("is_decoder", "add_cross_attention")
#: Values a side keeps whatever its table draws: ModernBERT's LayerNorm with a bias, as the
#: decoders'; XMOD with a language, as paramcalc's xmod record does not count the adapter
#: LayerNorm of a model without languages.
ED_SIDE_FIXES: dict[str, Config] = {
    "modernbert": {"norm_bias": True},
    "xmod": {"languages": ["en_XX", "de_DE"]},
}
#: The width and head keys of each decoder: either spelling GPT-2 accepts, and XGLM's.
ED_WIDTHS = (
    ("n_embd", "n_head"),
    ("hidden_size", "num_attention_heads"),
    ("d_model", "attention_heads"),
)


def encoder_decoder_pair(rng: random.Random, c: Config) -> None:
    """EncoderDecoderModel: a bare encoder and a causal-LM decoder of random types and sizes,
    each drawn from its own family's table; often one width (no enc_to_dec_proj), then at
    times cross_attention_hidden_size spelled out (no shape moves)."""
    encoder: Config = {"model_type": rng.choice(ED_ENCODERS)}
    for gen in VARIANT_FIELDS[encoder["model_type"]]:
        gen(rng, encoder)
    for key in ED_ROLE_KEYS:
        encoder.pop(key, None)
    decoder: Config = {"model_type": rng.choice(ED_DECODERS)}
    for gen in VARIANT_FIELDS[decoder["model_type"]]:
        gen(rng, decoder)
    for side in (encoder, decoder):
        side.update(ED_SIDE_FIXES.get(side["model_type"], {}))
    # a decoder mostly reads the encoder (is_decoder alone changes no shape)
    cross = rng.random() < 0.8
    decoder["add_cross_attention"] = cross
    if decoder["model_type"] != "gpt2":
        decoder["is_decoder"] = cross or rng.random() < 0.5
    width = encoder.get("hidden_size", encoder.get("d_model", encoder.get("emb_dim")))
    if rng.random() < 0.4 and isinstance(width, int):
        width_key, heads_key = next(k for k in ED_WIDTHS if k[0] in decoder)
        decoder[width_key] = width
        decoder[heads_key] = rng.choice([h for h in (1, 2, 4) if width % h == 0])
        if rng.random() < 0.5:
            decoder["cross_attention_hidden_size"] = width
    c["encoder"], c["decoder"] = encoder, decoder


# tie_encoder_decoder is no longer read by transformers 5.23: it changes nothing.
VARIANT_FIELDS["encoder-decoder"] = [encoder_decoder_pair, flag("tie_encoder_decoder")]
# -- BERT-like encoders (paramcalc/families/encoders_bert_like.py) ---------------------------
BERT_ENCODER = [g for g in BERT if g is not bert_decoder]
VARIANT_FIELDS.update(
    {
        "ernie": [*BERT_ENCODER, pick("task_type_vocab_size", 2, 3)],
        "ibert": [*BERT_ENCODER, flag("quant_mode")],
        "big_bird": [
            *BERT_ENCODER,
            flag("use_bias"),
            pick("attention_type", "original_full", "block_sparse"),
        ],
        "mra": [*BERT_ENCODER, pick("block_per_row", 2, 4)],
        "yoso": [*BERT_ENCODER, pick("num_hash", 8, 64)],
        "splinter": BERT_ENCODER,
    }
)
# -- Rotary encoders (paramcalc/families/encoders_rotary.py) ---------------------------------
ROTARY_BERT = [VOCAB, HIDDEN, heads(kv=None), LAYERS, INTERMEDIATE]
VARIANT_FIELDS.update(
    {
        # gte, jina: head_dim is no config field, but the attention reads it with getattr
        "gte": [*ROTARY_BERT, HEAD_DIM_KEY, pick("type_vocab_size", 0, 1, 2)],
        "nomic_bert": [*ROTARY_BERT, HEAD_DIM_NULL, pick("type_vocab_size", 1, 2, 4)],
        "jina_embeddings_v3": [*ROTARY_BERT, HEAD_DIM_KEY, pick("type_vocab_size", 1, 2)],
        "eurobert": [
            *DECODER,
            HEAD_DIM_NULL,
            nullable("num_key_value_heads"),
            NO_PAD,
            *LLAMA_BIAS_FLAGS,
        ],
        "modernbert": [
            *ROTARY_BERT,
            NO_PAD,
            flag("norm_bias"),
            flag("attention_bias"),
            flag("mlp_bias"),
            pick("local_attention", 16, 64, 128),
            one_of(
                [pick("global_attn_every_n_layers", 1, 2, 3)],
                [per_layer("layer_types", ["sliding_attention", "full_attention"])],
            ),
            flag("tie_word_embeddings"),
            flag("classifier_bias"),  # the masked-LM head's dense layer and decoder
            flag("decoder_bias"),
        ],
    }
)
# -- Encoders with an embedding projection (paramcalc/families/encoders_factorized.py) -------


def albert_sharing(rng: random.Random, c: Config) -> None:
    """ALBERT: a group count dividing the depth, or one group of several inner layers."""
    layers = c["num_hidden_layers"]
    if rng.random() < 0.5:
        c["num_hidden_groups"] = rng.choice([g for g in range(1, layers + 1) if layers % g == 0])
        c["inner_group_num"] = 1
    else:
        c["num_hidden_groups"] = 1
        c["inner_group_num"] = rng.randint(1, 3)


BERT_POSITIONS = [rint("max_position_embeddings", 32, 512, 32), pick("type_vocab_size", 1, 2, 4)]
VARIANT_FIELDS.update(
    {
        "fnet": [VOCAB, HIDDEN, LAYERS, INTERMEDIATE, *BERT_POSITIONS],
        "albert": [
            VOCAB,
            HIDDEN,
            heads(kv=None),
            LAYERS,
            INTERMEDIATE,
            *BERT_POSITIONS,
            rint("embedding_size", 16, 256, 16),
            albert_sharing,
        ],
    }
)
VARIANT_FIELDS["fsmt"] = [
    *(g for g in BART_LIKE[1:]),
    rint("src_vocab_size", 256, 4096),
    rint("tgt_vocab_size", 256, 4096),
    pick("pad_token_id", 0, 1, 5),
    flag("tie_word_embeddings"),
]


# --- Reformer (paramcalc/families/encoders_reformer.py) -----------------------------------------
def reformer_positions(rng: random.Random, c: Config) -> None:
    """Reformer: axial factors of 2 or 3 axes whose widths (one per leading axis) sum to
    hidden_size, or a plain table of max_position_embeddings."""
    c["axial_pos_embds"] = rng.random() < 0.7
    c["max_position_embeddings"] = rng.randrange(64, 1025, 64)
    axes = rng.choice((2, 2, 3))
    c["axial_pos_shape"] = [rng.choice((4, 8, 16, 32)) for _ in range(axes)]
    factors = rng.randint(1, axes)
    cuts = sorted(rng.sample(range(1, c["hidden_size"] // 16), factors - 1))
    bounds = [0, *(16 * cut for cut in cuts), c["hidden_size"]]
    c["axial_pos_embds_dim"] = [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


def reformer_layers(rng: random.Random, c: Config) -> None:
    """Reformer: 2-6 layer kinds, and at times a num_hidden_layers of its own, which wins."""
    c["attn_layers"] = [rng.choice(("lsh", "local")) for _ in range(rng.randint(2, 6))]
    if rng.random() < 0.4:
        c["num_hidden_layers"] = rng.choice((1, 2, 3, 12))


#: Reformer: num_hidden_layers, when written, wins over len(attn_layers) (drawn apart; a depth
#: beyond a mixed list is refused and redrawn). num_hashes,
#: num_buckets, the chunk lengths, is_decoder and tie_word_embeddings (no head in the bare
#: model) change no shape.
VARIANT_FIELDS["reformer"] = [
    VOCAB,
    HIDDEN,
    rint("num_attention_heads", 1, 8),
    pick("attention_head_size", 16, 32, 48, 64),
    reformer_layers,
    rint("feed_forward_size", 64, 1024, 32),
    reformer_positions,
    pick("num_hashes", 1, 2, 4),
    pick("num_buckets", None, 8, [4, 8]),
    pick("lsh_attn_chunk_length", 16, 32, 64),
    pick("local_attn_chunk_length", 16, 32, 64),
    flag("is_decoder"),
    flag("tie_word_embeddings"),
]


# --- encoders_v2, encoders_v2_more, encoders_xlm (BERT-like encoders in the v2 form) ------------
def squeezebert_groups(rng: random.Random, c: Config) -> None:
    """SqueezeBERT: embedding_size is hidden_size; each Conv1d's groups divide the widths."""
    c["embedding_size"] = c["hidden_size"]
    for key in ("q", "k", "v", "post_attention", "intermediate", "output"):
        c[f"{key}_groups"] = rng.choice((1, 2, 4, 8))


#: XLM's and FlauBERT's sizes under their own names.
XLM_ENCODER = [
    VOCAB,
    rint("emb_dim", 64, 512, 32),
    heads("emb_dim", "n_heads", kv=None),
    rint("n_layers", 2, 6),
    rint("max_position_embeddings", 32, 512, 32),
    pick("n_langs", 1, 2, 5),
    flag("use_lang_emb"),
]
#: BERT's sizes for the encoders without token types.
BERT_NO_TYPES = [
    VOCAB,
    HIDDEN,
    heads(kv=None),
    LAYERS,
    INTERMEDIATE,
    rint("max_position_embeddings", 32, 512, 32),
]
VARIANT_FIELDS.update(
    {
        "electra": [*BERT, pick("embedding_size", 32, 64, 128, 256)],
        "rembert": [
            *BERT,
            pick("input_embedding_size", 32, 64, 128, 256),
            rint("output_embedding_size", 32, 256, 32),
        ],
        "longformer": [*BERT_ENCODER, pick("attention_window", 4, 16, 64, 512)],
        "layoutlm": [*BERT_ENCODER, rint("max_2d_position_embeddings", 16, 1024, 16)],
        "roformer": [*BERT, pick("embedding_size", None, 32, 64, 128), flag("rotary_value")],
        "esm": [
            *BERT_NO_TYPES,
            bert_decoder,
            pick("position_embedding_type", "absolute", "rotary"),
            pick("emb_layer_norm_before", None, True, False),
        ],
        "squeezebert": [*BERT_ENCODER, squeezebert_groups],
        "roc_bert": [
            *BERT,
            flag("enable_pronunciation"),
            flag("enable_shape"),
            flag("concat_input"),
            rint("pronunciation_embed_dim", 16, 256, 16),
            rint("pronunciation_vocab_size", 8, 1024),
            rint("shape_embed_dim", 16, 256, 16),
            rint("shape_vocab_size", 8, 1024),
        ],
        "xlm": XLM_ENCODER,
        "flaubert": [*XLM_ENCODER, flag("pre_norm")],
        "mpnet": [
            *BERT_NO_TYPES,
            pick("relative_attention_num_buckets", 8, 32, 64),
        ],
    }
)

# cpmant: heads of dim_head whatever the width; the token table grows by prompt_types x
# prompt_length rows (either may be 0); position_bias_max_distance and tie_word_embeddings
# (the head is never tied) change nothing.
VARIANT_FIELDS["cpmant"] = [
    VOCAB,
    HIDDEN,
    heads(kv=None, options=(1, 2, 3, 4, 8)),
    pick("dim_head", 16, 24, 32, 64),
    rint("dim_ff", 64, 1024, 32),
    LAYERS,
    rint("position_bias_num_buckets", 8, 128, 8),
    rint("position_bias_max_distance", 16, 512, 16),
    rint("prompt_types", 0, 8),
    rint("prompt_length", 0, 16),
    rint("segment_types", 1, 8),
    flag("tie_word_embeddings"),
]


def xlnet_head(rng: random.Random, c: Config) -> None:
    """XLNet: d_head left null (d_model // n_head) or written out as that value (the only one
    XLNetConfig.validate_architecture accepts)."""
    if rng.random() < 0.5:
        c["d_head"] = c["d_model"] // c["n_head"]


# xlnet: attn_type moves the relative positions (FLOPs), mem_len / reuse_len / use_mems_eval
# the memory; ff_activation, bi_data, clamp_len and same_length change no shape, nor does
# tie_word_embeddings (lm_loss keeps its bias); the attribute_map spellings are exercised.
VARIANT_FIELDS["xlnet"] = [
    VOCAB,
    rint("d_model", 64, 512, 32),
    heads("d_model", "n_head", None),
    xlnet_head,
    rint("n_layer", 2, 6),
    rint("d_inner", 64, 1024, 32),
    pick("attn_type", "bi", "uni"),
    pick("mem_len", None, 0, 16, 512),
    pick("reuse_len", None, 0, 8),
    flag("use_mems_eval"),
    pick("ff_activation", "gelu", "relu"),
    flag("bi_data"),
    pick("clamp_len", -1, 32),
    flag("same_length"),
    TIE,
    spelled(
        {
            "vocab_size": "n_token",
            "d_model": "hidden_size",
            "n_head": "num_attention_heads",
            "n_layer": "num_hidden_layers",
        }
    ),
]


def assistant_kv_shared(rng: random.Random, c: Config) -> None:
    """A Gemma 4 assistant: some but not all layers share K/V (a null or 0 count means all,
    which transformers 5.23 cannot build; a split leaving a kind unproduced is redrawn)."""
    c["num_kv_shared_layers"] = rng.randint(1, c["num_hidden_layers"] - 1)


# gemma4_unified_assistant: the top-level tie_word_embeddings decides (text_config's is moved to
# prove it changes nothing), as does centroid_intermediate_top_k.
VARIANT_FIELDS["gemma4_unified_assistant"] = [
    sub("text_config", [*GEMMA4_TEXT, assistant_kv_shared]),
    rint("backbone_hidden_size", 32, 256, 32),
    flag("use_ordered_embeddings"),
    pick("num_centroids", 4, 8, 16),
    rint("centroid_intermediate_top_k", 1, 4),
    TIE,
]


def inkling_layers(rng: random.Random, c: Config) -> None:
    """Inkling: sliding/full layers by layer_types, local_layer_ids or the default (every
    sixth full); dense/MoE layers by mlp_layer_types, the dense_mlp_idx keyword or all MoE."""
    one_of(
        [],
        [per_layer("layer_types", ("hybrid", "hybrid_sliding"))],
        [subset("local_layer_ids")],
    )(rng, c)
    one_of(
        [],
        [per_layer("mlp_layer_types", ("dense", "sparse"))],
        [rint("dense_mlp_idx", 0, c["num_hidden_layers"])],
    )(rng, c)


def inkling_widths(rng: random.Random, c: Config) -> None:
    """Inkling: dense and expert widths as intermediate_size and moe_intermediate_size, or (the
    checkpoints' spelling) dense_intermediate_size and intermediate_size for the experts."""
    c["moe_intermediate_size"] = rng.randrange(16, 257, 16)
    if rng.random() < 0.5:
        c["dense_intermediate_size"] = rng.randrange(64, 1025, 32)


VARIANT_FIELDS.update(
    {
        # inkling_text: unpadded_vocab_size, logits_mup_width_multiplier, route_scale and the
        # MTP fields change no shape (no MTP layer is built).
        "inkling_text": [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(options=(1, 2, 4, 8)),
            heads("hidden_size", "swa_num_attention_heads", "swa_num_key_value_heads"),
            pick("head_dim", 8, 16, 32, 48),
            pick("swa_head_dim", 8, 16, 32, 48),
            rint("sliding_window_size", 4, 64),
            rint("rel_extent", 4, 128),
            rint("d_rel", 2, 32),
            rint("conv_kernel_size", 2, 5),
            inkling_layers,
            inkling_widths,
            rint("n_routed_experts", 2, 8),
            top_k("num_experts_per_tok", "n_routed_experts"),
            rint("n_shared_experts", 1, 3),
            spelled(
                {
                    "sliding_window_size": "sliding_window",
                    "n_routed_experts": "num_local_experts",
                    "conv_kernel_size": "sconv_kernel_size",
                }
            ),
        ],
        # inkling2_text: n_layers_per_attn_res_block (moved to prove it), the softcaps, the
        # clip thresholds and scoring_func change no shape.
        "inkling2_text": [
            VOCAB,
            HIDDEN,
            LAYERS,
            heads(),
            heads("hidden_size", "swa_num_attention_heads", "swa_num_key_value_heads"),
            pick("head_dim", 8, 16, 32, 48),
            pick("swa_head_dim", 8, 16, 32, 48),
            rint("sliding_window_size", 4, 64),
            rint("rel_extent", 4, 128),
            rint("d_rel", 2, 32),
            rint("conv_kernel_size", 2, 5),
            one_of([], [per_layer("layer_types", ("hybrid", "hybrid_sliding"))]),
            rint("moe_intermediate_size", 16, 256, 16),
            rint("n_routed_experts", 2, 8),
            top_k("num_experts_per_tok", "n_routed_experts"),
            rint("n_layers_per_attn_res_block", 1, 4),
            pick("eos_token_id", None, 2),
            spelled(
                {
                    "sliding_window_size": "sliding_window",
                    "n_routed_experts": "num_local_experts",
                    "conv_kernel_size": "sconv_kernel_size",
                    "moe_intermediate_size": "intermediate_size",
                }
            ),
        ],
    }
)


# --- encoders_conv (encoders with convolutions in their layers) -------------------------------
def convbert_heads(rng: random.Random, c: Config) -> None:
    """ConvBERT: a head_ratio leaving heads of an even width, an odd kernel, groups dividing
    both MLP widths."""
    hidden, width = c["hidden_size"], c["intermediate_size"]
    c["num_attention_heads"] = rng.choice((1, 2, 4, 6, 8, 12))
    c["head_ratio"] = rng.choice(
        [r for r in (1, 2, 3, 4) if hidden % (2 * max(c["num_attention_heads"] // r, 1)) == 0]
    )
    c["conv_kernel_size"] = rng.choice((1, 3, 5, 9))
    c["num_groups"] = rng.choice([g for g in (1, 2, 4) if hidden % g == 0 and width % g == 0])


VARIANT_FIELDS["convbert"] = [*BERT, convbert_heads, pick("embedding_size", 32, 64, 128, 256)]


# --- encoders_tables (BERT-like encoders with embedding tables of their own) -------------------
def tapas_tables(rng: random.Random, c: Config) -> None:
    """TAPAS: one to eight token-type tables of 1-300 rows."""
    c["type_vocab_sizes"] = [rng.randint(1, 300) for _ in range(rng.randint(1, 8))]


VARIANT_FIELDS.update(
    {
        "tapas": [*BERT_NO_TYPES, bert_decoder, tapas_tables],
        "luke": [
            *BERT_ENCODER,
            rint("entity_vocab_size", 16, 4096),
            pick("entity_emb_size", 32, 64, 128, 256),
            flag("use_entity_aware_attention"),
            flag("tie_word_embeddings"),  # LukeForMaskedLM's bias and entity decoder ties
        ],
    }
)


# --- encoders_canine ---------------------------------------------------------------------------
def canine_hashes(rng: random.Random, c: Config) -> None:
    """CANINE: hash functions dividing the width, at most its 16 primes."""
    c["num_hash_functions"] = rng.choice(
        [n for n in (1, 2, 3, 4, 8, 16) if c["hidden_size"] % n == 0]
    )


# canine: hashed tables (functions x buckets), the molecule stack's depth, the two convolutions'
# kernels; local_transformer_stride, max_position_embeddings (the position table has
# num_hash_buckets rows), hidden_act and add_cross_attention (no CANINE layer has one) change
# no shape.
VARIANT_FIELDS["canine"] = [
    HIDDEN,
    heads(kv=None),
    LAYERS,
    INTERMEDIATE,
    canine_hashes,
    rint("num_hash_buckets", 16, 4096),
    pick("type_vocab_size", 1, 2, 16),
    rint("downsampling_rate", 1, 6),
    rint("upsampling_kernel_size", 1, 6),
    pick("local_transformer_stride", 4, 16, 128),
    rint("max_position_embeddings", 32, 2048, 32),
    pick("hidden_act", "gelu", "relu"),
    bert_decoder,
]


# --- encoders_funnel ---------------------------------------------------------------------------
def funnel_blocks(rng: random.Random, c: Config) -> None:
    """Funnel: one to four blocks of one to three layers, each repeated up to twice."""
    blocks = rng.randint(1, 4)
    c["block_sizes"] = [rng.randint(1, 3) for _ in range(blocks)]
    if rng.random() < 0.5:
        c["block_repeats"] = [rng.randint(1, 2) for _ in range(blocks)]


def funnel_class(rng: random.Random, c: Config) -> None:
    """Funnel: architectures that make AutoModel build FunnelBaseModel (no decoder) or
    FunnelModel (named, or as the default for a class of neither name). AutoModel needs
    one: with none, transformers 5.23's _get_model_class iterates None and fails."""
    c["architectures"] = rng.choice(
        [
            ["FunnelBaseModel"],
            ["FunnelModel"],
            ["FunnelForMaskedLM"],
            ["FunnelModel", "FunnelBaseModel"],
        ]
    )


# funnel: the blocks and their repeats, the decoder's depth, the width, heads and their width
# (d_head, free of d_model / n_head), the FFN, the vocabulary, and architectures (which class
# AutoModel builds); attention_type, pooling_type, separate_cls, truncate_seq, pool_q_only and
# hidden_act change no shape.
VARIANT_FIELDS["funnel"] = [
    VOCAB,
    rint("d_model", 32, 256, 32),
    rint("n_head", 1, 6),
    pick("d_head", 8, 16, 24, 32),
    rint("d_inner", 32, 512, 32),
    funnel_blocks,
    rint("num_decoder_layers", 0, 3),
    pick("attention_type", "relative_shift", "factorized"),
    pick("pooling_type", "mean", "max"),
    flag("separate_cls"),
    flag("truncate_seq"),
    flag("pool_q_only"),
    pick("hidden_act", "gelu_new", "relu"),
    funnel_class,
]


# --- encoders_perceiver ------------------------------------------------------------------------
def perceiver_widths(rng: random.Random, c: Config) -> None:
    """Perceiver: heads dividing d_latents (and the decoder's 8 dividing d_model), query/key
    and value widths of their own or none (then derived from the widths)."""
    c["num_self_attention_heads"] = rng.choice([h for h in (1, 2, 4, 8) if c["d_latents"] % h == 0])
    c["num_cross_attention_heads"] = rng.choice(
        [h for h in (1, 2, 4, 8) if c["d_latents"] % h == 0]
    )
    c["qk_channels"] = rng.choice([None, 32, 64, 128])
    # v_channels other than d_latents builds, but the self-attends' residual cannot add it
    c["v_channels"] = rng.choice([None, c["d_latents"]])


# perceiver: the latents (count and width), the inputs' width, the self-attends and their
# repeats (num_blocks), the heads, the attention widths and which width the cross-attention's
# query/key take without qk_channels, the MLPs' widening, and for the masked-LM model the
# vocabulary and max_position_embeddings; hidden_act and use_query_residual change no shape.
VARIANT_FIELDS["perceiver"] = [
    rint("num_latents", 4, 64),
    rint("d_latents", 32, 256, 32),
    rint("d_model", 32, 256, 32),
    rint("num_blocks", 1, 3),
    rint("num_self_attends_per_block", 1, 4),
    perceiver_widths,
    pick("cross_attention_shape_for_attention", "q", "kv"),
    rint("self_attention_widening_factor", 1, 4),
    rint("cross_attention_widening_factor", 1, 4),
    VOCAB,
    rint("max_position_embeddings", 16, 512, 16),
    pick("hidden_act", "gelu", "relu"),
    flag("use_query_residual"),
]


# --- encoders_llama_like (Llama decoders run bidirectionally) ----------------------------------
def esmc_heads(rng: random.Random, c: Config) -> None:
    """ESMC: heads dividing the width, no grouped-query attention, head_dim implied or given
    as hidden_size / heads."""
    c["num_attention_heads"] = rng.choice([h for h in (1, 2, 4, 8) if c["hidden_size"] % h == 0])
    c["num_key_value_heads"] = rng.choice((None, c["num_attention_heads"]))
    c["head_dim"] = rng.choice((None, c["hidden_size"] // c["num_attention_heads"]))


VARIANT_FIELDS.update(
    {
        "esmc": [
            VOCAB,
            HIDDEN,
            LAYERS,
            INTERMEDIATE,
            esmc_heads,
            flag("attention_bias"),
            flag("mlp_bias"),
            flag("tie_word_embeddings"),  # EsmcForMaskedLM never ties, whatever it says
        ],
        "ultrabert": [
            VOCAB,
            HIDDEN,
            LAYERS,
            INTERMEDIATE,
            heads(),
            pick("head_dim", None, 16, 32),
            flag("attention_bias"),
            flag("mlp_bias"),
            pick("sliding_window", 4, 16, 128),
            maybe(per_layer("layer_types", ["sliding_attention", "full_attention"])),
            rint("prediction_head_size", 16, 512, 16),  # UltrabertForMaskedLM's head
            flag("tie_word_embeddings"),
        ],
    }
)


# --- encoders_neomme ----------------------------------------------------------------------------
def neomme_layers(rng: random.Random, c: Config) -> None:
    """NeoMME: GQA heads, head_dim a multiple of 8 (both rotary factors rotate a multiple of
    4), layer kinds with a global layer, per-layer windows half the time."""
    c["num_attention_heads"] = rng.choice((2, 4, 8))
    c["num_key_value_heads"] = rng.choice(
        [h for h in (1, 2, 4) if c["num_attention_heads"] % h == 0]
    )
    c["head_dim"] = rng.choice((16, 32, 48))
    layers = c["num_hidden_layers"]
    if rng.random() < 0.5:
        kinds = [rng.choice(("sliding_attention", "full_attention")) for _ in range(layers)]
        kinds[rng.randrange(layers)] = "full_attention"
        c["layer_types"] = kinds
    if rng.random() < 0.5:
        c["per_layer_config"] = {
            str(i): {"sliding_window": rng.choice((2, 8, 64))}
            for i in range(layers)
            if rng.random() < 0.5
        }


VARIANT_FIELDS["neomme"] = [
    VOCAB,
    HIDDEN,
    rint("num_hidden_layers", 2, 8),
    INTERMEDIATE,
    rint("embedding_rank", 16, 256, 16),
    neomme_layers,
    flag("attention_bias"),
    flag("mlp_bias"),
    pick("sliding_window", 4, 16, 256),
    pick("patch_size", 2, 8, 16),
    flag("tie_word_embeddings"),  # NeoMMEForMaskedLM's lm_head and unembedding_projection
]


def longcat_depth(rng: random.Random, c: Config) -> None:
    """LongCat-Flash's depth: num_layers decoder layers, or num_hidden_layers sublayers (two per
    decoder layer; the config's setter halves it, an odd count rounding down)."""
    if rng.random() < 0.5:
        c["num_layers"] = rng.randint(1, 3)
    else:
        c["num_hidden_layers"] = rng.randint(2, 6)


def longcat_qk_head(rng: random.Random, c: Config) -> None:
    """qk_head_dim: null (the config derives nope + rope) or written as that sum."""
    c["qk_head_dim"] = rng.choice([None, c["qk_nope_head_dim"] + c["qk_rope_head_dim"]])


def longcat_top_k(rng: random.Random, c: Config) -> None:
    """Experts per token: at most the routed plus the zero experts the router scores."""
    c["moe_topk"] = rng.randint(1, min(4, c["n_routed_experts"] + c["zero_expert_num"]))


V4_KINDS = ("sliding_attention", "compressed_sparse_attention", "heavily_compressed_attention")


def v4_layer_types(rng: random.Random, c: Config) -> None:
    """DeepSeek-V4's attention kinds: the default pattern, a listed layer_types, or the legacy
    per-layer compress_ratios (0, 4, 128)."""
    choice = rng.randrange(3)
    if choice == 1:
        per_layer("layer_types", V4_KINDS)(rng, c)
    elif choice == 2:
        c["compress_ratios"] = [rng.choice((0, 4, 128)) for _ in range(c["num_hidden_layers"])]


def v4_rates(rng: random.Random, c: Config) -> None:
    """Compression rates: the defaults, a compress_rates mapping, or the legacy scalars."""
    csa, hca = rng.choice((2, 4)), rng.choice((4, 8))
    choice = rng.randrange(3)
    if choice == 1:
        c["compress_rates"] = {V4_KINDS[1]: csa, V4_KINDS[2]: hca}
    elif choice == 2:
        c["compress_rate_csa"], c["compress_rate_hca"] = csa, hca


def v4_mlp_types(rng: random.Random, c: Config) -> None:
    """hash_moe or moe per layer (no shape changes): listed, by num_hash_layers, or default."""
    choice = rng.randrange(3)
    if choice == 1:
        per_layer("mlp_layer_types", ("hash_moe", "moe"))(rng, c)
    elif choice == 2:
        c["num_hash_layers"] = rng.randint(0, c["num_hidden_layers"])


VARIANT_FIELDS.update(
    {
        # deepseek_v4: num_key_value_heads, n_shared_experts, the hash_moe layers,
        # partial_rotary_factor and hc_sinkhorn_iters change no shape (moved to prove it).
        "deepseek_v4": [
            VOCAB,
            HIDDEN,
            LAYERS,
            heads(),
            pick("head_dim", 16, 32, 64),
            pick("q_lora_rank", 16, 32, 64),
            rint("moe_intermediate_size", 32, 256, 32),
            rint("n_routed_experts", 1, 8),
            top_k("num_experts_per_tok", "n_routed_experts"),
            pick("n_shared_experts", 1, 2),
            flag("mlp_bias"),
            v4_layer_types,
            v4_rates,
            v4_mlp_types,
            pick("hc_mult", 1, 2, 4),
            pick("hc_sinkhorn_iters", 2, 20),
            rint("sliding_window", 4, 16),
            pick("o_groups", 1, 2, 4, 8),
            pick("o_lora_rank", 16, 32, 64),
            pick("index_n_heads", 1, 2, 4),
            pick("index_head_dim", 16, 32),
            pick("index_topk", 2, 512),
            pick("partial_rotary_factor", None, 0.5),
            TIE,
            spelled(
                {
                    "n_routed_experts": "num_local_experts",
                    "moe_intermediate_size": "intermediate_size",
                }
            ),
        ],
        # longcat_flash: num_key_value_heads, head_dim and routed_scaling_factor change no
        # shape (moved to prove it); qk_head_dim is written null or as nope + rope (another
        # value builds a q_b_proj its forward cannot split, which paramcalc refuses).
        "longcat_flash": [
            VOCAB,
            HIDDEN,
            longcat_depth,
            heads(),
            pick("head_dim", 16, 64),
            pick("q_lora_rank", 32, 64),
            pick("kv_lora_rank", 16, 32, 64),
            pick("qk_nope_head_dim", 16, 32),
            pick("qk_rope_head_dim", 8, 16),
            pick("v_head_dim", 16, 32, 48),
            longcat_qk_head,
            flag("attention_bias"),
            rint("ffn_hidden_size", 32, 512, 32),
            rint("n_routed_experts", 1, 8),
            rint("zero_expert_num", 0, 4),
            longcat_top_k,
            rint("expert_ffn_hidden_size", 32, 256, 32),
            flag("router_bias"),
            pick("routed_scaling_factor", 1.0, 6.0),
            TIE,
            spelled(
                {
                    "n_routed_experts": "num_local_experts",
                    "moe_topk": "num_experts_per_tok",
                    "ffn_hidden_size": "intermediate_size",
                    "expert_ffn_hidden_size": "moe_intermediate_size",
                }
            ),
        ],
    }
)


def mobilebert_embedding(rng: random.Random, c: Config) -> None:
    """MobileBERT: an embedding_size below hidden_size, which the masked-LM head's
    cls.predictions.dense (hidden_size - embedding_size rows) needs."""
    c["embedding_size"] = rng.choice([e for e in (32, 64, 128) if e < c["hidden_size"]])


# --- encoders_deberta, encoders_extra_parts (DeBERTa, DeBERTa-v2, Nystromformer, X-MOD) -------
#: DeBERTa's sizes and relative attention; type_vocab_size 0 builds no table. pos_att_type is
#: drawn in both spellings (a `|` string, a list) and with p2p, which builds nothing.
DEBERTA = [
    *BERT_NO_TYPES,
    pick("type_vocab_size", 0, 1, 2),
    pick("relative_attention", True, True, False),
    pick("max_relative_positions", -1, 16, 64),
    flag("position_biased_input"),
    pick("pos_att_type", None, "c2p", "p2c", "c2p|p2c", ["p2c", "c2p"], "P2C|p2p"),
    flag("talking_head"),  # DeBERTa-v2 does not read it
    maybe(pick("embedding_size", 32, 128)),  # read with getattr: absent is hidden_size
]
#: X-MOD's adapters; adapter_reuse_layer_norm and ln_before_adapter only move a norm's use.
XMOD = [
    *BERT,
    flag("pre_norm"),
    pick("adapter_reduction_factor", 1, 2, 4, 16),
    flag("adapter_layer_norm"),
    flag("adapter_reuse_layer_norm"),
    flag("ln_before_adapter"),
    pick("languages", ["en_XX"], ["en_XX", "de_DE"], ["de_DE", "en_XX", "fr_XX", "de_DE"], []),
]
VARIANT_FIELDS.update(
    {
        "deberta": DEBERTA,
        "deberta-v2": [
            *DEBERTA,
            pick("position_buckets", -1, 8, 32),
            flag("share_att_key"),
            pick("norm_rel_ebd", "none", "layer_norm", "Layer_Norm|none"),
            pick("conv_kernel_size", 0, 1, 3, 5),
            pick("conv_groups", 1, 2, 4),
        ],
        # num_landmarks and segment_means_seq_len size no tensor; add_cross_attention builds
        # no module in Nystromformer
        "nystromformer": [
            *BERT_ENCODER,
            pick("conv_kernel_size", 1, 4, 33, 65),
            pick("num_landmarks", 16, 64),
            pick("segment_means_seq_len", 64, 128),
            flag("add_cross_attention"),
        ],
        "xmod": XMOD,
        "mobilebert": [
            *BERT_ENCODER,
            mobilebert_embedding,
            flag("trigram_input"),
            pick("use_bottleneck", True, True, False),
            pick("intra_bottleneck_size", 32, 64, 128),
            flag("use_bottleneck_attention"),
            flag("key_query_shared_bottleneck"),
            pick("num_feedforward_networks", 1, 2, 4),
            pick("normalization_type", "no_norm", "layer_norm"),
            flag("classifier_activation"),
        ],
    }
)


# -- Text towers (paramcalc/families/encoders_text_towers.py) ---------------------------------
# CLIP / TIPSv2 text: projection_dim (CLIPModel's) and TIPSv2's scale_sqrt_depth size nothing;
# Molmo 2 text: norm_after and rope_scaling_layers move no tensor.
CLIP_TEXT = [VOCAB, HIDDEN, heads(kv=None), LAYERS, INTERMEDIATE]
VARIANT_FIELDS.update(
    {
        "clip_text_model": [
            *CLIP_TEXT,
            rint("max_position_embeddings", 16, 128),
            pick("projection_dim", 32, 512),
        ],
        "tipsv2_text_model": [
            *CLIP_TEXT,
            rint("max_position_embeddings", 16, 128),
            flag("scale_sqrt_depth"),
        ],
        "molmo2_text": [
            *DECODER,
            HEAD_DIM,
            rint("additional_vocab_size", 0, 256),
            pick("qk_norm_type", "qwen3", "olmo"),
            one_of([flag("attention_bias")], [flag("qkv_bias")]),
            flag("norm_after"),
        ],
    }
)


# -- Vision-language encoders (paramcalc/families/encoders_vision_language.py) -----------------
# image_token_id and classifier_pooling size nothing; the text model's classifier_bias,
# decoder_bias and prediction_head_size size the masked-LM head; a vision_config mapping
# without vision_use_head keeps SigLIP's pooling head (UltraVBERT drops it only when null).
SIGLIP_VISION_UNSAID = [g for g in SIGLIP_VISION if g is not SIGLIP_VISION[-1]]
VARIANT_FIELDS.update(
    {
        "modernvbert": [
            sub("text_config", VARIANT_FIELDS["modernbert"]),
            sub("vision_config", SIGLIP_VISION),
            pick("pixel_shuffle_factor", 1, 2, 4),
            flag("tie_word_embeddings"),
            pick("classifier_bias", True),
        ],
        "ultravbert": [
            sub("text_config", VARIANT_FIELDS["ultrabert"]),
            one_of(
                [sub("vision_config", SIGLIP_VISION)],
                [sub("vision_config", SIGLIP_VISION_UNSAID)],
            ),
            pick("pixel_shuffle_factor", 1, 2, 4),
            flag("tie_word_embeddings"),
        ],
    }
)


# -- T5Gemma 2 (paramcalc/families/t5gemma2.py) -------------------------------------------------
# Both stacks share hidden_size and vocab_size (validate_architecture); mm_tokens_per_image and
# query_pre_attn_scalar size nothing.
T5GEMMA2_STACK = [
    INTERMEDIATE,
    LAYERS,
    heads(),
    HEAD_DIM,
    flag("attention_bias"),
    pick("sliding_window", 16, 512),
    one_of(
        [],
        [rint("sliding_window_pattern", 1, 4)],
        [per_layer("layer_types", ["sliding_attention", "full_attention"])],
    ),
    pick("query_pre_attn_scalar", 64),
]


def t5gemma2_sizes(rng: random.Random, c: Config) -> None:
    """One width and one vocabulary for both stacks, then each stack's own fields."""
    shared = {"hidden_size": rng.randrange(64, 513, 32), "vocab_size": rng.randint(256, 4096)}
    encoder = c.setdefault("encoder", {})
    for inner in (encoder.setdefault("text_config", {}), c.setdefault("decoder", {})):
        inner.update(shared)
        for g in T5GEMMA2_STACK:
            g(rng, inner)
    vision = encoder.setdefault("vision_config", {})
    for g in SIGLIP_VISION:
        g(rng, vision)
    encoder["mm_tokens_per_image"] = rng.choice((4, 16))


VARIANT_FIELDS["t5gemma2"] = [t5gemma2_sizes, flag("tie_word_embeddings")]
# -- Whisper-encoder audio LMs (paramcalc/families/multimodal_audio.py) ------------------------


def whisper_encoder_fields(whisper_keys: bool) -> list[Gen]:
    """Every shape field of a Whisper-style encoder config, under the keys its class declares
    (Qwen2-Audio's d_model...; Voxtral's hidden_size...); scale_embedding and
    activation_function change no shape."""
    width, layers, heads_key, ffn = (
        ("d_model", "encoder_layers", "encoder_attention_heads", "encoder_ffn_dim")
        if whisper_keys
        else ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size")
    )
    return [
        rint(width, 64, 384, 32),
        rint(layers, 1, 4),
        heads(width, heads_key, None),
        rint(ffn, 64, 768, 32),
        rint("num_mel_bins", 16, 128, 16),
        rint("max_source_positions", 16, 1500, 4),
        flag("scale_embedding"),
        pick("activation_function", "gelu", "relu"),
    ]


#: Qwen2.5-Omni's thinker: a Qwen2 text model (head_dim read when set, its own
#: tie_word_embeddings ignored), the Whisper-keyed audio encoder with its projection to
#: output_dim, Qwen2.5-VL's vision fields; n_window and the token ids size no tensor.
VARIANT_FIELDS["qwen2_5_omni_thinker"] = [
    sub("text_config", [*VARIANT_FIELDS["qwen2"], TIE]),
    sub(
        "audio_config",
        [*whisper_encoder_fields(whisper_keys=True), rint("output_dim", 64, 512, 32)],
    ),
    sub("vision_config", QWEN2_5_VL_VISION),
    TIE,
]

#: Qwen3-Omni's and Qwen3-ASR's audio encoders: Whisper's keys, a Conv2d front-end of
#: downsample_hidden_size channels, a projection to output_dim; n_window and n_window_infer
#: size no tensor.
CONV2D_AUDIO = [
    *whisper_encoder_fields(whisper_keys=True),
    rint("output_dim", 64, 512, 32),
    rint("downsample_hidden_size", 8, 64, 8),
    pick("n_window", 25, 50),
]
VARIANT_FIELDS.update(
    {
        # the text model's head_dim is read when set and hidden_size // heads otherwise; its
        # tie_word_embeddings is ignored (the thinker's decides)
        "qwen3_omni_moe_thinker": [
            sub(
                "text_config",
                [
                    VOCAB,
                    HIDDEN,
                    INTERMEDIATE,
                    LAYERS,
                    heads(),
                    maybe(HEAD_DIM),
                    flag("attention_bias"),
                    *QWEN_MOE,
                    TIE,
                ],
            ),
            sub("audio_config", CONV2D_AUDIO),
            sub("vision_config", QWEN3_VL_VISION),
            TIE,
        ],
        # the text model is AutoModel of text_config (Qwen 3 by default, or another
        # Llama-named family); a given text_config is read without Qwen3-ASR's init_kwargs
        "qwen3_asr": [
            one_of(
                [sub("text_config", VARIANT_FIELDS["qwen3"])],
                [sub("text_config", [pick("model_type", "llama"), *VARIANT_FIELDS["llama"]])],
            ),
            sub("audio_config", [*CONV2D_AUDIO, pick("max_position_embeddings", 13, 64)]),
            TIE,
        ],
    }
)

#: Text models the audio LMs accept: their default family, or another Llama-named one.
AUDIO_TEXT = {
    "qwen2": one_of(
        [sub("text_config", VARIANT_FIELDS["qwen2"])],
        [sub("text_config", [pick("model_type", "llama"), *VARIANT_FIELDS["llama"]])],
    ),
    "llama": one_of(
        [sub("text_config", VARIANT_FIELDS["llama"])],
        [sub("text_config", [pick("model_type", "qwen2"), *VARIANT_FIELDS["qwen2"]])],
    ),
}
VARIANT_FIELDS.update(
    {
        # no class ties the head: tie_word_embeddings (top level and text) must change nothing
        "qwen2_audio": [
            AUDIO_TEXT["qwen2"],
            sub("audio_config", whisper_encoder_fields(whisper_keys=True)),
            TIE,
        ],
        # linear_1 reads the encoder's intermediate_size; projector_hidden_act sizes nothing
        "voxtral": [
            AUDIO_TEXT["llama"],
            sub("audio_config", whisper_encoder_fields(whisper_keys=False)),
            pick("projector_hidden_act", "gelu", "silu", "relu", "gelu_new"),
            TIE,
        ],
        # projector_bias biases both projector layers
        "audioflamingo3": [
            AUDIO_TEXT["qwen2"],
            sub("audio_config", whisper_encoder_fields(whisper_keys=False)),
            flag("projector_bias"),
            TIE,
        ],
        # the audio_config's model_type must be given; rope and audio_frame_step size no tensor
        "musicflamingo": [
            AUDIO_TEXT["qwen2"],
            sub(
                "audio_config",
                [
                    pick("model_type", "audioflamingo3_encoder", "musicflamingo_encoder"),
                    *whisper_encoder_fields(whisper_keys=False),
                ],
            ),
            flag("projector_bias"),
            pick("audio_frame_step", 0.01, 0.04),
            TIE,
        ],
        # num_key_value_heads is another name of the encoder's num_attention_heads; sliding
        # windows and rope size no tensor; linear_1 reads downsample_factor frames
        "voxtral_realtime": [
            sub(
                "text_config",
                [
                    VOCAB,
                    HIDDEN,
                    INTERMEDIATE,
                    LAYERS,
                    heads(),
                    pick("head_dim", None, 16, 32),
                    pick("sliding_window", None, 16, 512),
                ],
            ),
            sub(
                "audio_config",
                [
                    rint("hidden_size", 64, 384, 32),
                    rint("num_hidden_layers", 1, 4),
                    pick("num_attention_heads", 1, 2, 4, 8),
                    pick("head_dim", 8, 16, 64),
                    rint("intermediate_size", 64, 768, 32),
                    rint("num_mel_bins", 16, 128, 16),
                    pick("sliding_window", 16, 750),
                ],
            ),
            pick("downsample_factor", 1, 2, 4),
            TIE,
        ],
        # the top-level tie_word_embeddings ties; max_position_embeddings sizes no tensor (rotary)
        "glmasr": [
            AUDIO_TEXT["llama"],
            sub(
                "audio_config",
                [
                    rint("hidden_size", 64, 384, 32),
                    rint("num_hidden_layers", 1, 4),
                    heads(options=(1, 2, 4, 8)),
                    rint("intermediate_size", 64, 768, 32),
                    rint("num_mel_bins", 16, 128, 16),
                    pick("max_position_embeddings", 64, 1500),
                    pick("hidden_act", "gelu", "silu"),
                ],
            ),
            TIE,
        ],
    }
)


#: BLIP-2's text models: OPT (its default, a causal LM) or T5 (an encoder-decoder LM).
BLIP_TEXT = one_of(
    [sub("text_config", VARIANT_FIELDS["opt"])],
    [sub("text_config", [pick("model_type", "t5"), *VARIANT_FIELDS["t5"]])],
)
#: Blip2VisionConfig: qkv_bias adds the fused qkv's bias (q and v learned, k zero but stored).
BLIP_VISION = [
    HIDDEN,
    INTERMEDIATE,
    LAYERS,
    heads(kv=None),
    image(),
    flag("qkv_bias"),
]
#: Blip2QFormerConfig: cross-attention in layers 0, f, 2f...; use_qformer_text_input adds the
#: text path's MLP; encoder_hidden_size is overwritten with the vision width (moved to check
#: that it changes nothing), as is image_text_hidden_size (no tensor of this class).
BLIP_QFORMER = [
    HIDDEN,
    INTERMEDIATE,
    rint("num_hidden_layers", 1, 4),
    heads(kv=None),
    pick("cross_attention_frequency", 1, 2, 3),
    rint("encoder_hidden_size", 32, 256, 32),
    flag("use_qformer_text_input"),
]
VARIANT_FIELDS["blip-2"] = [
    BLIP_TEXT,
    sub("vision_config", BLIP_VISION),
    sub("qformer_config", BLIP_QFORMER),
    rint("num_query_tokens", 1, 40),
    rint("image_text_hidden_size", 32, 256, 32),
]

#: InstructBLIP's: BLIP-2's, or a Llama-named causal LM (Vicuna's checkpoints).
INSTRUCTBLIP_TEXT = one_of(
    [sub("text_config", VARIANT_FIELDS["opt"])],
    [sub("text_config", [pick("model_type", "t5"), *VARIANT_FIELDS["t5"]])],
    [sub("text_config", [pick("model_type", "llama"), *VARIANT_FIELDS["llama"]])],
)
#: InstructBlipQFormerConfig: BLIP-2's fields (always both MLPs, no use_qformer_text_input)
#: and the tables of its text embeddings.
INSTRUCTBLIP = [
    INSTRUCTBLIP_TEXT,
    sub("vision_config", BLIP_VISION),
    sub(
        "qformer_config",
        [
            *BLIP_QFORMER[:-1],
            VOCAB,
            rint("max_position_embeddings", 16, 512, 16),
        ],
    ),
    rint("num_query_tokens", 1, 40),
]
VARIANT_FIELDS["instructblip"] = INSTRUCTBLIP
VARIANT_FIELDS["instructblipvideo"] = INSTRUCTBLIP


def blip_ties(rng: random.Random, c: Config) -> None:
    """BLIP: the decoder is tied to the word embeddings unless both the top-level and the
    text_config's tie_word_embeddings are false (then decoder.bias is untied from the head's
    bias, which paramcalc refuses): draw one of the tied combinations."""
    top, text = rng.choice([(True, True), (True, False), (False, True)])
    c["tie_word_embeddings"] = top
    c.setdefault("text_config", {})["tie_word_embeddings"] = text


#: BlipForConditionalGeneration: is_decoder adds every layer's cross-attention, whose keys and
#: values read the vision width (BlipConfig.__post_init__ overwrites encoder_hidden_size, moved
#: to check that); projection_dim and image_text_hidden_size size no tensor of this class.
VARIANT_FIELDS["blip"] = [
    sub(
        "text_config",
        [
            VOCAB,
            HIDDEN,
            INTERMEDIATE,
            LAYERS,
            heads(kv=None),
            rint("max_position_embeddings", 16, 512, 16),
            flag("is_decoder"),
            rint("encoder_hidden_size", 32, 256, 32),
            rint("projection_dim", 32, 256, 32),
        ],
    ),
    sub("vision_config", [HIDDEN, INTERMEDIATE, LAYERS, heads(kv=None), image()]),
    rint("projection_dim", 32, 256, 32),
    rint("image_text_hidden_size", 32, 256, 32),
    blip_ties,
]


def kosmos_ties(rng: random.Random, c: Config) -> None:
    """Kosmos-2: the head is tied unless both tie_word_embeddings flags are false."""
    top, text = rng.choice([(True, True), (True, False), (False, True), (False, False)])
    c["tie_word_embeddings"] = top
    c.setdefault("text_config", {})["tie_word_embeddings"] = text


#: Kosmos2ForConditionalGeneration: a CLIP vision model, latent_query_num learned queries
#: cross-attending to it (x_attn at the text width) and an XGLM-like text model with sub-LN
#: norms (inner_attn_ln, ffn_layernorm); positions are sinusoidal buffers, so
#: max_position_embeddings sizes no tensor.
VARIANT_FIELDS["kosmos-2"] = [
    sub(
        "text_config",
        [
            VOCAB,
            rint("embed_dim", 64, 512, 32),
            heads("embed_dim", "attention_heads", None),
            rint("layers", 1, 4),
            rint("ffn_dim", 64, 1024, 32),
            rint("max_position_embeddings", 32, 512, 32),
            flag("scale_embedding"),
        ],
    ),
    sub("vision_config", CLIP_VISION),
    rint("latent_query_num", 1, 64),
    kosmos_ties,
]


#: GitForCausalLM: BERT's post-norm layers over the text and image tokens (no token types),
#: a CLIP image encoder, a linear + LayerNorm projection, num_image_with_embedding per-frame
#: embeddings of the vision width, and a biased output head (tie_word_embeddings ties its
#: weight only).
VARIANT_FIELDS["git"] = [
    VOCAB,
    HIDDEN,
    INTERMEDIATE,
    LAYERS,
    heads(kv=None),
    rint("max_position_embeddings", 16, 1024, 16),
    pick("num_image_with_embedding", None, 1, 3, 6),
    TIE,
    sub("vision_config", CLIP_VISION),
]


def main() -> int:
    """Write fixtures, refresh them, draw variants, or check the classifier on models.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "configs", nargs="*", type=Path, help="config.json files (fixtures with --refresh)"
    )
    ap.add_argument("--model-type", help="start from this family's default config")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=JSON",
        help="set a field (a.b=v inside text_config and the like), also in variants",
    )
    ap.add_argument(
        "--name",
        help="fixture name, or the variants' prefix (default: the config "
        "file's stem; defaults-MODEL-TYPE or MODEL-TYPE for --model-type)",
    )
    ap.add_argument("--notes", help="a notes field for the fixtures written")
    ap.add_argument(
        "--auto-class",
        help="transformers class to build (AutoModel, "
        "AutoModelForCausalLM, ..., or a model class); default: from the model_type",
    )
    ap.add_argument("--out", type=Path, help="folder for NAME.json fixtures (default: stdout)")
    ap.add_argument(
        "--refresh",
        action="store_true",
        help="recount the given fixture files in place; fail if a count changes",
    )
    ap.add_argument("--variants", type=int, metavar="N", help="draw N random valid variants")
    ap.add_argument("--seed", type=int, default=0, help="random seed for --variants")
    ap.add_argument("--check-models", type=Path, metavar="MODELS_JSON")
    ap.add_argument(
        "--tensors-out",
        type=Path,
        metavar="JSON",
        help="with --check-models: write name -> {towers, tensors}",
    )
    args = ap.parse_args()
    if args.check_models:
        return check_models(args.check_models, args.tensors_out)
    if args.refresh:
        for path in args.configs:
            refresh(path, args.out)
        return 0
    sets = [(k, parse_value(raw)) for k, _, raw in (p.partition("=") for p in args.set)]
    if args.variants:
        if not args.model_type:
            raise SystemExit("--variants needs --model-type")
        forced = " ".join(f"--set {p}" for p in args.set)
        built = f" --auto-class {args.auto_class}" if args.auto_class else ""
        note = (
            f"random valid variant: make_reference.py --model-type {args.model_type} "
            f"--variants {args.variants} --seed {args.seed}{built} {forced}"
        ).strip()
        if args.notes:
            note = f"{args.notes}; {note}"
        for result in variants(
            args.model_type,
            args.variants,
            args.seed,
            sets,
            args.name or stem(args.model_type),
            note,
            auto_class=args.auto_class,
        ):
            write(result, args.out)
        return 0
    jobs: list[tuple[str, Config]] = []
    for path in args.configs:
        jobs.append((args.name or path.stem, json.loads(path.read_text())))
    if args.model_type:
        jobs.append(
            (args.name or f"defaults-{stem(args.model_type)}", {"model_type": args.model_type})
        )
    for name, config in jobs:
        for key, value in sets:
            set_field(config, key, value)
        extra = {"notes": args.notes} if args.notes else None
        write(fixture(name, config, args.auto_class, extra), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
