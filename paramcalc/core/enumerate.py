"""Turn a v2 model into its tensor records, named as the family's transformers model names them.

Layers of one kind share a `Block` (its names hold `{i}`), so a 100-layer count enumerates each
kind once. Tied tensors appear once: a tied head is a record whose weight is not its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial

from paramcalc.core.audio import AudioTower
from paramcalc.core.conformer import Conformer
from paramcalc.core.context import Context
from paramcalc.core.hyper import sublayer_hyper, tower_hyper
from paramcalc.core.model import Model
from paramcalc.core.names import (
    AUDIO_NAMES,
    DEFAULT_NAMES,
    ENCODER_DECODER_NAMES,
    POST_NORM_NAMES,
    VISION_NAMES,
    Naming,
    join,
    naming_for,
    stack_role,
)
from paramcalc.core.records import (
    Block,
    Conv,
    Embedding,
    Group,
    Linear,
    Param,
    Record,
    Stream,
    Tensor,
    Tower,
    renamed,
)
from paramcalc.core.spec import Block as BlockSpec
from paramcalc.core.spec import NormSite, Stack, TextTower
from paramcalc.core.vision import VisionTower

#: Where a speech encoder and its layers sit when the family names them nowhere else.
CONFORMER_NAMES = {"encoder": "audio_tower", "encoder.layers": "audio_tower.encoders"}
#: A resolver from role to module path.
NameOf = Callable[[str], str]
#: The role a mixer's records are named under, by mixer kind.
MIXER_ROLES = {
    "attention": "attention",
    "mla": "attention",
    "mamba": "mamba",
    "mamba2": "mamba",
    "gated_deltanet": "linear_attention",
    "short_conv": "conv",
    "kda": "linear_attention",
    "rg_lru": "recurrent",
    "rwkv": "time_mix",
    "mlstm": "mlstm",
    "lightning": "lightning",
    "cca": "attention",
    "conv_relative": "attention",
    "two_stream": "attention",
    "funnel_relative": "attention",
    "perceiver": "attention",
    "compressed": "attention",
}


@dataclass(frozen=True, slots=True)
class Enumeration:
    """Every parameter record of a model: the embeddings, the blocks, then norms and heads."""

    front: tuple[Record, ...]
    blocks: tuple[Block, ...]
    back: tuple[Record, ...]

    def layer_order(self) -> list[tuple[Block, int]]:
        """Each (block, layer index) pair, stack by stack in model order."""
        stacks = list(dict.fromkeys(b.stack for b in self.blocks))
        pairs = [(b, i) for b in self.blocks for i in b.layers]
        return sorted(pairs, key=lambda pair: (stacks.index(pair[0].stack), pair[1]))

    def records(self) -> Iterator[Record]:
        """Every record with its full name, layer by layer."""
        yield from self.front
        for block, index in self.layer_order():
            yield from block.at(index)
        yield from self.back

    def tensors(self) -> Iterator[Tensor]:
        """Every stored parameter (name and shape), tied tensors once."""
        for record in self.records():
            yield from record.tensors()

    def every_record(self) -> Iterator[tuple[Record, int]]:
        """Each distinct record with how many layers hold it: a fold needs no per-layer names."""
        for r in self.front + self.back:
            yield r, 1
        for block in self.blocks:
            for r in block.records:
                yield r, len(block.layers)

    def every_run(self) -> Iterator[tuple[Record, int, int]]:
        """Each distinct record with how many times a forward pass applies it (a stack run
        several times, HRM's, applies its layers' records once per run) and the tokens per
        row it runs over (CANINE's molecule stack and strided convolution: the stride)."""
        for r in self.front + self.back:
            yield r, 1, r.downsampling if isinstance(r, Conv) else 1
        for block in self.blocks:
            for r in block.records:
                yield r, len(block.layers) * block.runs, block.downsampling


def enumerate_model(model: Model) -> Enumeration:
    """Every parameter record of `model`, tower by tower."""
    naming = naming_for(model.naming)
    parts = [text_tower(model.text, naming)]
    if model.vision is not None:
        parts.append(vision_tower(model.vision, naming.towers.get("vision", Naming())))
    if model.video is not None:
        parts.append(vision_tower(model.video, naming.towers.get("video", Naming()), "video"))
    if isinstance(model.audio, AudioTower):
        audio = naming.towers.get("audio", Naming())
        parts.append(vision_tower(model.audio, audio, "audio", AUDIO_NAMES))
    elif model.audio is not None:
        parts.append(audio_tower(model.audio, naming.towers.get("audio", Naming())))
    if model.projector is not None:
        projector = naming.towers.get("projector", Naming())
        records = [
            renamed(r, projector.resolve(r.name, "", {}))
            for part in model.projector.parts
            for r in part.records()
        ]
        parts.append(Enumeration((), (), tuple(records)))
    if model.image_tokenizer is not None:
        tokenizer = naming.towers.get("vision", Naming())
        root = tokenizer.resolve("image_tokenizer", "", {"image_tokenizer": "vqmodel"})
        records = [renamed(r, join(root, r.name)) for r in model.image_tokenizer.records()]
        parts.append(Enumeration(tuple(records), (), ()))
    if len(parts) == 1:
        return parts[0]
    return Enumeration(
        tuple(r for p in parts for r in p.front),
        tuple(b for p in parts for b in p.blocks),
        tuple(r for p in parts for r in p.back),
    )


def vision_tower(
    tower: VisionTower | AudioTower,
    naming: Naming,
    label: str = "vision",
    defaults: Mapping[str, str] = VISION_NAMES,
) -> Enumeration:
    """Front-end, encoder blocks, final norm and pooling head of an image (or audio) encoder;
    its stacks are labelled `label` (a video encoder beside the image one: `video`)."""
    ctx = tower.context()

    def name(role: str) -> str:
        return naming.resolve(role, label, defaults)

    front = [renamed(r, name(r.name)) for r in tower.embedding_records(ctx)]
    back = [renamed(r, name(r.name)) for r in tower.back_records(ctx)]
    blocks = []
    for stack in tower.stacks:
        prefix = join(name(f"{stack.name}.layers"), "{i}")
        stack_label = label if stack is tower.stack else f"{label}.{stack.name}"
        for key, (spec, layers) in stack.layer_blocks().items():
            records = block_records(spec, ctx, naming, label, defaults)
            named = tuple(renamed(r, join(prefix, r.name)) for r in records)
            blocks.append(Block(stack_label, key or spec.kind, layers, named))
    return Enumeration(tuple(front), tuple(blocks), tuple(back))


def audio_tower(tower: Conformer, naming: Naming) -> Enumeration:
    """Subsampling, shared tables, blocks and projections of a speech encoder, under the naming's
    `encoder` and `encoder.layers` paths."""
    root = naming.resolve("encoder", "", CONFORMER_NAMES)
    layers = join(naming.resolve("encoder.layers", "", CONFORMER_NAMES), "{i}")
    front = tuple(renamed(r, join(root, r.name)) for r in tower.front_records())
    records = tuple(renamed(r, join(layers, r.name)) for r in tower.layer_records())
    back = tuple(renamed(r, join(root, r.name)) for r in tower.back_records())
    block = Block("audio", tower.layout.kind, tuple(range(tower.num_hidden_layers)), records)
    return Enumeration(front, (block,), back)


def tower_defaults(tower: TextTower) -> Mapping[str, str]:
    """The default names for a tower's shape (an encoder-decoder nests its stacks)."""
    return {**DEFAULT_NAMES, **ENCODER_DECODER_NAMES} if tower.is_encoder_decoder else DEFAULT_NAMES


def text_tower(tower: TextTower, naming: Naming) -> Enumeration:
    """Embeddings, every stack's blocks, final norms and the head of a language model."""
    defaults = tower_defaults(tower)

    # a head module registered before the base model lends a tied token table its name
    # (XLM-RoBERTa's masked-LM classes list it as lm_head.decoder.weight)
    # (in a composite model, EncoderDecoderModel, its decoder's class decides)
    decoder = naming.stacks.get("decoder")
    lent = (decoder or naming).head_first and tower.lm_head and tower.tie_word_embeddings

    def lend(role: str) -> str:
        return "lm_head" if lent and role == "embed_tokens" else role

    def root(role: str) -> str:
        return naming.rooted(lend(role), defaults)

    def composite(role: str) -> str:
        assert decoder is not None
        return stack_role(decoder, "decoder", lend(role))

    # a composite model: the tower's own roles are its decoder's
    name = composite if decoder is not None else root
    ctx = Context(tower.hidden_size, tower.norm_type, Tower.TEXT)
    front = list(embeddings(tower, ctx, name))
    blocks: list[Block] = []
    back: list[Record] = []
    encoder = tower.stack("encoder") if tower.is_encoder_decoder else None
    source_width = encoder.width(tower.hidden_size) if encoder else None
    if encoder is not None and encoder.output_projection:
        back.append(output_projection(root("encoder.output_projection"), encoder, tower, ctx))
        source_width = tower.hidden_size
    for stack in tower.stacks:
        width = stack.width(tower.hidden_size)
        if stack is encoder:
            stack_ctx = replace(ctx, hidden=width, stream=Stream.SOURCE)
        elif stack.patch_size:
            stack_ctx = replace(ctx, hidden=width, stream=Stream.PATCHES)
        else:
            stack_ctx = replace(ctx, hidden=width, source_hidden=source_width)
        own = naming.stacks.get(stack.name)
        sname, block_naming, key, block_defaults = (
            (partial(stack_role, own, stack.name), own, "decoder", DEFAULT_NAMES)
            if own is not None
            else (name, naming, stack.name, defaults)
        )
        layers_path = sname(f"{stack.name}.layers")
        # no path below the model's own: the family keeps a module list per sub-layer (XLM's
        # attentions, ffns) and each of its roles holds the index itself
        # or a single layer that is a module of its own (Perceiver's encoder.cross_attention)
        bare = layers_path == block_naming.prefix or stack.name in block_naming.single_layers
        prefix = layers_path if bare else join(layers_path, "{i}")
        front += stack_embeddings(tower, stack, stack_ctx, sname)
        if stack.input_conv is not None:
            role = f"{stack.name}.input_conv"
            front += [renamed(r, sname(r.name)) for r in stack.input_conv.records(role, stack_ctx)]
        for kind, (spec, layers) in stack.layer_blocks().items():
            records = block_records(spec, stack_ctx, block_naming, key, block_defaults)
            named = tuple(renamed(r, join(prefix, r.name)) for r in records)
            blocks.append(
                Block(
                    stack.name,
                    kind or spec.kind,
                    layers,
                    named,
                    stack.runs,
                    stack.sublayers,
                    stack.downsampling,
                )
            )
        back += shared_bias(stack, sname) + relative_positions(stack, stack_ctx, sname)
        if stack.final_norm:
            # Reformer's reversible stack: the final norm reads both streams concatenated
            norm_width = 2 * width if stack.reversible else width
            back += ctx.norm(sname(f"{stack.name}.final_norm"), norm_width, stack.final_norm_type)
        if stack.pooler:
            path = sname(f"{stack.name}.pooler")
            back.append(Linear(path, width, width, True, Group.OUTPUT, stream=Stream.SEQUENCE))
    if tower.hyper_head:
        back += tower_hyper(name("hyper_head"), tower.hyper_head, ctx)
    return Enumeration(tuple(front), tuple(blocks), tuple(back + heads(tower, ctx, name)))


def output_projection(path: str, encoder: Stack, tower: TextTower, ctx: Context) -> Linear:
    """EncoderDecoderModel's enc_to_dec_proj: every encoder token, encoder width -> the
    decoder's; it feeds only the cross-attention (attention)."""
    width = encoder.width(tower.hidden_size)
    return Linear(path, width, tower.hidden_size, True, Group.ATTENTION, ctx.tower, Stream.SOURCE)


def embeddings(tower: TextTower, ctx: Context, name: NameOf) -> list[Record]:
    """Token, position and token-type tables, width projections and the embedding norm."""
    e, hidden, width = Group.EMBEDDING, tower.hidden_size, tower.token_width
    # ELECTRA, RemBERT, ALBERT, FNet: every table and the norm at the token width, then one
    # projection in
    project_in = tower.embedding_projection in ("in", "in_no_bias")
    # DeBERTa: the tables at the token width, then an unbiased projection before the norm
    before_norm = tower.embedding_projection == "in_before_norm"
    tables = width if project_in or before_norm else hidden
    rows = tower.vocab_size + tower.extra_token_rows
    records: list[Record] = [Embedding(name("embed_tokens"), rows, width, e)]
    if not tower.token_table:  # PerceiverModel reads embeddings it is given
        records = []
    if tower.hash_embeddings is not None:  # CANINE: hashed tables take the token table's place
        records = tower.hash_embeddings.records(name("hash_embeddings"), ctx)
    if tower.position_embeddings:
        records.append(Embedding(name("embed_positions"), tower.position_embeddings, tables, e))
    for axis in "xyhw" if tower.box_position_embeddings else "":
        rows = tower.box_position_embeddings
        records.append(Embedding(name(f"embed_{axis}_positions"), rows, tables, e))
    if tower.type_vocab_size:
        records.append(Embedding(name("token_type_embeddings"), tower.type_vocab_size, tables, e))
    for i, rows in enumerate(tower.type_vocab_sizes):
        records.append(Embedding(f"{name('token_type_embeddings')}_{i}", rows, tables, e))
    if tower.embedding_projection == "in_out" and not tower.input_mapping and width != hidden:
        # OPT: project_in (embedding width -> hidden) and project_out (hidden -> embedding width).
        records.append(Linear(name("project_in"), width, hidden, False, e))
        records.append(Linear(name("project_out"), hidden, width, False, e))
    if tower.initial_state:
        records.append(Param(name("initial_state"), (hidden,), e))
    records += input_tables(tower, name)
    if before_norm and width != hidden:
        records.append(Linear(name("embedding_projection"), width, hidden, False, e))
    if tower.embedding_norm:
        records += ctx.norm(name("embedding_norm"), hidden if before_norm else tables)
    if project_in:
        biased = tower.embedding_projection == "in"
        records.append(Linear(name("embedding_projection"), width, hidden, biased, e))
    for extra in tower.extras:
        records += [renamed(r, name(r.name)) for r in extra.records(ctx, tower.num_layers)]
    return records


def input_tables(tower: TextTower, name: NameOf) -> list[Record]:
    """RoCBERT: tables beside the token table, and the mapping of their concatenation."""
    e = Group.EMBEDDING
    records: list[Record] = [
        Embedding(name(t.role), t.rows, t.width, e) for t in tower.input_tables
    ]
    if tower.input_mapping:
        tokens = tower.token_width * (3 if tower.trigram_input else 1)
        joined = tokens + sum(t.width for t in tower.input_tables if t.concatenated)
        records.append(Linear(name("input_mapping"), joined, tower.hidden_size, True, e))
    return records


def stack_embeddings(tower: TextTower, stack: Stack, ctx: Context, name: NameOf) -> list[Record]:
    """The tables and the norm a stack keeps for itself (BART's encoder and decoder each have
    their positions and layernorm_embedding; untied, their own token tables too)."""
    e, hidden = Group.EMBEDDING, stack.width(tower.hidden_size)
    # the stack's own tables at their own width, then a projection in (an ELECTRA encoder)
    projection = stack.embedding_projection
    tables = (stack.embedding_size or hidden) if projection != "none" else hidden
    records: list[Record] = []
    if stack.token_embeddings:
        own = name(f"{stack.name}.embed_tokens")
        token_width = stack.embedding_size or (
            tables if stack.hidden_size or projection != "none" else tower.token_width
        )
        records.append(Embedding(own, stack.token_embeddings, token_width, e))
    if stack.position_embeddings:
        positions = name(f"{stack.name}.embed_positions")
        columns = stack.position_width or tables
        records.append(Embedding(positions, stack.position_embeddings, columns, e))
    for axis in "xyhw" if stack.box_position_embeddings else "":
        box = name(f"{stack.name}.embed_{axis}_positions")
        records.append(Embedding(box, stack.box_position_embeddings, tables, e))
    types = name(f"{stack.name}.token_type_embeddings")
    if stack.type_vocab_size:
        records.append(Embedding(types, stack.type_vocab_size, tables, e))
    for i, rows in enumerate(stack.type_vocab_sizes):
        records.append(Embedding(f"{types}_{i}", rows, tables, e))
    for t in stack.input_tables:
        records.append(Embedding(name(f"{stack.name}.{t.role}"), t.rows, t.width, e))
    if stack.input_mapping:
        tokens = (stack.embedding_size or tables) * (3 if stack.trigram_input else 1)
        joined = tokens + sum(t.width for t in stack.input_tables if t.concatenated)
        mapping = name(f"{stack.name}.input_mapping")
        records.append(Linear(mapping, joined, hidden, True, e, ctx.tower, ctx.stream))
    projected = name(f"{stack.name}.embedding_projection")
    if projection == "in_before_norm" and tables != hidden:
        records.append(Linear(projected, tables, hidden, False, e, ctx.tower, ctx.stream))
    if stack.learned_tokens:
        records.append(
            Embedding(name(f"{stack.name}.learned_tokens"), stack.learned_tokens, hidden, e)
        )
    if stack.learned_queries:
        queries = name(f"{stack.name}.learned_queries")
        records.append(Param(queries, (stack.learned_queries, hidden), e, ctx.tower))
    if stack.embedding_norm:
        width = hidden if projection == "in_before_norm" else tables
        records += ctx.norm(name(f"{stack.name}.embedding_norm"), width)
    if projection in ("in", "in_no_bias"):
        biased = projection == "in"
        records.append(Linear(projected, tables, hidden, biased, e, ctx.tower, ctx.stream))
    return records


def shared_bias(stack: Stack, name: NameOf) -> list[Record]:
    """MPNet: one nn.Embedding(num_buckets, n_heads) for the whole stack (attention)."""
    heads = stack.bias_heads() if stack.relative_attention_bias else None
    if not heads:
        return []
    table = name(f"{stack.name}.relative_attention_bias")
    return [Embedding(table, stack.relative_attention_bias, heads, Group.ATTENTION)]


def relative_positions(stack: Stack, ctx: Context, name: NameOf) -> list[Record]:
    """DeBERTa: the relative position table the layers share, its norm, and v2's convolution
    over the first layer's input with its LayerNorm."""
    a, hidden, role = Group.ATTENTION, ctx.hidden, stack.name
    records: list[Record] = []
    if stack.relative_positions:
        table = name(f"{role}.relative_positions")
        records.append(Embedding(table, stack.relative_positions, hidden, a, ctx.tower))
    if stack.relative_positions_norm:
        records += ctx.norm(name(f"{role}.relative_positions_norm"), hidden)
    if stack.conv is not None:
        kernel, groups = (stack.conv.kernel,), stack.conv.groups
        conv = name(f"{role}.conv")
        records.append(Conv(conv, hidden, hidden, kernel, groups, True, a, ctx.tower, ctx.stream))
        records += ctx.norm(name(f"{role}.conv_norm"), hidden)
    return records


def head_transform(tower: TextTower, ctx: Context, name: NameOf) -> list[Record]:
    """The dense layers (one, or UltraBERT's two) and the norm before the LM head."""
    transform, hidden = tower.head_transform, tower.hidden_size
    if not tower.lm_head or transform is None:
        return []
    out, inputs = transform.width or hidden, transform.intermediate_size or hidden
    records: list[Record] = []
    if transform.intermediate_size:
        records.append(
            Linear(name("head_intermediate"), hidden, inputs, transform.bias, Group.OUTPUT)
        )
    records.append(Linear(name("head_transform"), inputs, out, transform.bias, Group.OUTPUT))
    if transform.norm:
        records += ctx.norm(name("head_transform_norm"), out)
    return records


def heads(tower: TextTower, ctx: Context, name: NameOf) -> list[Record]:
    """The head transform, the language-model head (a tied one keeps only its bias) and the
    pooler."""
    records, width = head_transform(tower, ctx, name), tower.head_width
    if tower.lm_head and tower.unembedding_projection:
        # NeoMME: hidden @ W, W stored (hidden, token width) as embedding_projection's
        unembed = Linear(
            name("unembedding_projection"),
            tower.token_width,
            tower.hidden_size,
            False,
            Group.EMBEDDING,
            tied=tower.tie_word_embeddings,
        )
        records.append(unembed)
    if tower.lm_head:
        records.append(
            Linear(
                name("lm_head"),
                width,
                tower.head_vocab_size or tower.vocab_size,
                tower.lm_head_bias,
                Group.OUTPUT,
                tied=tower.tie_word_embeddings,
            )
        )
    if tower.lm_head and tower.head_remainder:
        rest = tower.hidden_size - tower.token_width
        remainder = Linear(
            name("head_remainder"), rest, tower.vocab_size, False, Group.OUTPUT, transposed=True
        )
        records.append(remainder)
    if tower.lm_head and tower.head_bias:
        records.append(Param(name("head_bias"), (tower.vocab_size,), Group.OUTPUT))
    if tower.pooler:
        records.append(
            Linear(
                name("pooler"),
                tower.hidden_size,
                tower.hidden_size,
                True,
                Group.OUTPUT,
                stream=Stream.SEQUENCE,
            )
        )
    if tower.contact_head:
        maps = sum(
            len(layers) * getattr(block.mixer, "num_attention_heads", 0)
            for _, block, layers in tower.block_uses()
        )
        head = Linear(name("contact_head"), maps, 1, True, Group.OUTPUT, stream=Stream.NONE)
        records.append(head)
    return records


def block_records(
    block: BlockSpec, ctx: Context, naming: Naming, stack: str, defaults: Mapping[str, str]
) -> list[Record]:
    """One layer's records, named relative to the layer (`self_attn.q_proj`)."""
    hidden, sites, streams = ctx.hidden, set(block.norms), block.hyper_connections
    mixing = block.hyper_mixing
    roles: list[Record] = sublayer_hyper("mixer_hc", streams, ctx, mixing)
    if "input" in sites:
        roles += site_norm(block, "input", ctx)
    for mixer in (m for m in (block.mixer, block.parallel_mixer) if m is not None):
        role = MIXER_ROLES[mixer.kind]
        roles += [renamed(r, f"{role}.{r.name}") for r in mixer.records(ctx)]
    if "post_mixer" in sites:
        roles += site_norm(block, "post_mixer", ctx)
    if block.cross_attention is not None:
        if "pre_cross" in sites:
            roles += site_norm(block, "pre_cross", ctx)
        roles += [
            renamed(r, f"cross_attention.{r.name}")
            for r in block.cross_attention.records(ctx, cross=True)
        ]
        if "post_cross" in sites:
            roles += site_norm(block, "post_cross", ctx)
    roles += sublayer_hyper("ffn_hc", streams, ctx, mixing)
    if "pre_ffn" in sites:
        roles += site_norm(block, "pre_ffn", ctx)
    if block.ffn is not None:
        roles += [renamed(r, f"ffn.{r.name}") for r in block.ffn.records(ctx)]
    if "post_ffn" in sites:
        roles += site_norm(block, "post_ffn", ctx)
    roles += [Param(name, (hidden,), Group.FEEDFORWARD, ctx.tower) for name in block.scales]
    roles += [Param(name, (1,), Group.FEEDFORWARD, ctx.tower) for name in block.gates]
    for extra in block.extras:
        roles += extra.records(ctx)
    if "post_mixer" in sites:
        defaults = {**defaults, **POST_NORM_NAMES}
    if block.shared is not None:
        # Zamba: the layer's own mixer and norms form a layer `wrapped` inside it, after the
        # shared block and its projection
        roles = [*block.shared.records(ctx), *(renamed(r, f"wrapped.{r.name}") for r in roles)]
    return [stored(r, naming, stack, defaults) for r in naming.fuse(roles)]


def site_norm(block: BlockSpec, site: NormSite, ctx: Context) -> list[Record]:
    """The norm at one site of a block (`input_norm`...), with its low-rank gate if it has one."""
    role, hidden, gate = f"{site}_norm", ctx.hidden, block.norm_gate
    if gate is None or site not in gate.sites:
        return list(ctx.norm(role, hidden))
    f = Group.FEEDFORWARD
    return [
        *ctx.norm(f"{role}.norm", hidden),
        Linear(f"{role}.mlp.fc1", hidden, gate.rank, False, f, ctx.tower, ctx.stream),
        Linear(f"{role}.mlp.fc2", gate.rank, hidden, False, f, ctx.tower, ctx.stream),
    ]


def stored(record: Record, naming: Naming, stack: str, defaults: Mapping[str, str]) -> Record:
    """A role-named record under the family's module path, in the family's layout."""
    named = renamed(record, naming.resolve(record.name, stack, defaults))
    if isinstance(named, Linear) and named.weight_name in naming.expert_weights and named.experts:
        named = replace(named, weight_name=naming.expert_weights[named.weight_name])
    if isinstance(named, Linear):
        module = naming.expert_modules.get(named.weight_name) if named.experts else None
        if module:
            return replace(named, expert_module=module)
        transposed = naming.experts_transposed if named.experts else naming.conv1d
        if transposed:
            return replace(named, transposed=True)
    return named
