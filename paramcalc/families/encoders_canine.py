"""CANINE, a character-level encoder, as `AutoModel` builds it (CanineModel with its pooler).

CanineModel embeds each Unicode code point through num_hash_functions hashed tables (one per
hash function, hidden_size / num_hash_functions wide, concatenated) plus a position table of
num_hash_buckets rows and a token-type table. Three stacks of BERT's post-norm layers follow:
one layer of local attention over the characters (chunks of local_transformer_stride
characters, each computed on its own), then `chars_to_molecules` (a Conv1d with kernel and
stride downsampling_rate, an activation and a LayerNorm) and num_hidden_layers layers over the
seq // downsampling_rate molecules, then `projection` (a Conv1d of upsampling_kernel_size over
the characters' encoding joined with the repeated molecules, padded to keep one row per
character, and a LayerNorm) and one layer of full attention over the characters. The pooler
reads the first molecule.

FLOPs follow FlopCounterMode exactly: the molecule stack and the strided convolution are
charged for seq // downsampling_rate rows (the convolution's last output, dropped for the
[CLS] molecule, included), the local layer for the pairs inside its chunks; the KV cache
figure keeps each layer's K/V of the rows it runs over. The two
convolutions are feedforward (neither a block's mixer nor a norm); their norms are norm.
The table holds CanineConfig's defaults in transformers 5.23.0; the build follows
`modeling_canine.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import BERT, table_rows
from paramcalc.families.encoders_v2 import bert_attention, bert_block

#: CanineTokenizer's UNICODE_VOCAB_SIZE: the ids are Unicode code points, which the hashed
#: tables read; there is no table of this many rows.
CODE_POINTS = 1114112
#: CanineEmbeddings hashes with one of 16 primes per hash function (_PRIMES).
MAX_HASH_FUNCTIONS = 16


def hash_embeddings(c: HFConfig) -> dict[str, Any]:
    """CanineEmbeddings' tables: as many as hash functions, each a shard of hidden_size."""
    hashes, hidden = c.integer("num_hash_functions"), c.integer("hidden_size")
    if hashes > MAX_HASH_FUNCTIONS:
        raise c.error("num_hash_functions", f"{hashes} exceeds the {MAX_HASH_FUNCTIONS} primes")
    if hidden % hashes:
        # the tables build, hidden_size // hashes wide, but embedding refuses to run
        raise c.error("num_hash_functions", f"{hashes} must divide hidden_size={hidden}")
    return {"num_hashes": hashes, "num_buckets": c.integer("num_hash_buckets")}


def stack(
    c: HFConfig, name: str, layers: int, mixer: dict[str, Any], conv: dict[str, Any] | None
) -> dict[str, Any]:
    """A CanineEncoder of BERT layers, with the convolution that makes its input."""
    return {
        "name": name,
        "num_hidden_layers": layers,
        "block": bert_block(c, mixer, cross=False),
        "final_norm": False,
        "input_conv": conv,
    }


def canine(c: HFConfig) -> dict[str, Any]:
    """CanineModel: hashed embeddings, a local character layer, the molecule stack between
    two convolutions, a final character layer and the pooler."""
    hidden, rate = c.integer("hidden_size"), c.integer("downsampling_rate")
    mixer = bert_attention(c)
    # CanineLayer has no cross-attention, whatever add_cross_attention says
    local = mixer | {"local_chunk": c.integer("local_transformer_stride")}
    down = {"input_width": hidden, "kernel": rate, "stride": rate}
    up = {"input_width": 2 * hidden, "kernel": c.integer("upsampling_kernel_size")}
    deep = c.integer("num_hidden_layers")
    text = {
        "vocab_size": CODE_POINTS,
        "hash_embeddings": hash_embeddings(c),
        "hidden_size": hidden,
        # char_position_embeddings has num_hash_buckets rows, whatever max_position_embeddings
        "position_embeddings": c.integer("num_hash_buckets"),
        "type_vocab_size": table_rows(c, "type_vocab_size"),
        "embedding_norm": True,
        "norm_type": "layernorm",
        "stacks": [
            stack(c, "initial_chars", 1, local, None),
            stack(c, "molecules", deep, mixer, down),
            stack(c, "final_chars", 1, mixer, up),
        ],
        "lm_head": False,
        "pooler": True,
    }
    return {"text": text}


#: CanineModel: char_embeddings, three CanineEncoders with BERT's layer names, the two
#: convolutions between them, the pooler.
CANINE = Naming(
    {
        **BERT.names,
        "hash_embeddings": "char_embeddings.HashBucketCodepointEmbedder",
        "embed_positions": "char_embeddings.char_position_embeddings",
        "token_type_embeddings": "char_embeddings.token_type_embeddings",
        "embedding_norm": "char_embeddings.LayerNorm",
        "initial_chars.layers": "initial_char_encoder.layer",
        "molecules.input_conv": "chars_to_molecules",
        "molecules.input_conv.norm": "chars_to_molecules.LayerNorm",
        "molecules.layers": "encoder.layer",
        "final_chars.input_conv": "projection",
        "final_chars.input_conv.norm": "projection.LayerNorm",
        "final_chars.layers": "final_char_encoder.layer",
    },
    BERT.leaves,
)

FAMILIES = (
    Family(
        "canine",
        {
            "hidden_size": 768,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
            "intermediate_size": 3072,
            "type_vocab_size": 16,
            "downsampling_rate": 4,
            "upsampling_kernel_size": 4,
            "num_hash_functions": 8,
            "num_hash_buckets": 16384,
            "local_transformer_stride": 128,
        },
        (canine,),
        naming=CANINE,
    ),
)
