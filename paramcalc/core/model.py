"""A whole model (its towers) and the same with its provenance, as files and families give it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag

from paramcalc.core.audio import AudioTower
from paramcalc.core.conformer import Conformer
from paramcalc.core.patches import LinearPatches
from paramcalc.core.spec import TextTower
from paramcalc.core.types import Count, Spec
from paramcalc.core.vision import Projector, VisionTower
from paramcalc.core.vqvae import VQTokenizer
from paramcalc.core.vqvae_emu3 import Emu3Tokenizer

#: What feeds images to a language model that has no image encoder.
ImageTokenizer = Annotated[VQTokenizer | Emu3Tokenizer | LinearPatches, Field(discriminator="kind")]


def audio_kind(value: Any) -> str | None:
    """The kind of an audio encoder, as written or built; a mapping without one is Whisper's."""
    if isinstance(value, dict):
        return str(value.get("kind", "audio"))
    return getattr(value, "kind", None)


class Model(Spec):
    """A whole model: its towers, and whose tensor naming it follows."""

    text: TextTower
    """The language model."""
    vision: VisionTower | None = None
    """An image encoder."""
    video: VisionTower | None = None
    """A second image encoder (Video-LLaVA's video_tower for video frames, DeepSeek-VL hybrid's
    high-resolution SAM encoder); vision tower."""
    audio: (
        Annotated[
            Annotated[AudioTower, Tag("audio")] | Annotated[Conformer, Tag("conformer")],
            Discriminator(audio_kind),
        ]
        | None
    ) = None
    """A speech or audio encoder: Whisper-style (`kind: audio`, the default) or a conformer."""
    projector: Projector | None = None
    """What feeds the encoders' outputs to the language model."""
    image_tokenizer: ImageTokenizer | None = None
    """What turns images into the language model's inputs without an image encoder: a VQ-VAE
    whose codebook indices are tokens of its vocabulary (Chameleon's and Emu3's vqmodel) or a
    linear projection of flattened patches (Fuyu's vision_embed_tokens); vision tower."""
    naming: Annotated[str, Field(max_length=64)] | None = None
    """The transformers model_type whose parameter names to use (default: Llama's names)."""

    @property
    def hidden_size(self) -> int:
        """The language model's width."""
        return self.text.hidden_size


class ModelFile(Model):
    """A v2 architecture with its provenance: what a nested paramcalc file or a family gives."""

    name: str | None = None
    """Model name shown in outputs."""
    source: str | None = None
    """Where the hyperparameters come from (a paper, a model card, a config.json)."""
    notes: tuple[Annotated[str, Field(max_length=500)], ...] = ()
    """Remarks shown with the count: what a checkpoint may store beyond its parameters."""
    expected_total: Count | Annotated[str, Field(max_length=64)] | None = None
    """Total parameter count this file should give: an integer or a figure with a unit."""
    tolerance: Annotated[str, Field(max_length=64)] | float | int | None = None
    """Allowed relative difference for `paramcalc check`."""
    head: Literal["mlm", "pooler", "none"] | None = None
    """The head of an encoder family's model that was asked for: its masked-LM head, the bare
    model's pooler, or neither (None: what the family's AutoModel builds)."""

    def to_model(self) -> Model:
        """The architecture without its provenance."""
        return Model(
            text=self.text,
            vision=self.vision,
            video=self.video,
            audio=self.audio,
            projector=self.projector,
            image_tokenizer=self.image_tokenizer,
            naming=self.naming,
        )

    @property
    def tie_word_embeddings(self) -> bool:
        """Whether the language model's head is tied to its embedding."""
        return self.text.tie_word_embeddings
