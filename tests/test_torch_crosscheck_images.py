"""paramcalc's per-image FLOPs against the image-feature path of real transformers models.

Each case builds a small random-weight vision-language model on the CPU, runs one image of
the config's image size through its vision tower and projector (the path `forward` takes for
`pixel_values`) under `torch.utils.flop_counter.FlopCounterMode`, and compares the total with
paramcalc's vision tower plus projector figure for the same config.json. Attention runs
eagerly: torch 2.13's FlopCounterMode has no formula for the CPU SDPA kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from paramcalc.calculator import count  # noqa: E402
from paramcalc.image_flops import ImageFlops, image_flops  # noqa: E402
from paramcalc.sources import hf  # noqa: E402

pytestmark = pytest.mark.torch

IMAGE, PATCH = 32, 8
VISION = dict(
    hidden_size=32,
    intermediate_size=48,
    num_hidden_layers=2,
    num_attention_heads=4,
    image_size=IMAGE,
    patch_size=PATCH,
)
TEXT = dict(
    vocab_size=128,
    hidden_size=64,
    num_hidden_layers=1,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=16,
    intermediate_size=96,
)


def features(model: Any, pixels: Any, **kwargs: Any) -> Any:
    """The model's image features: vision tower, feature selection and projector."""
    return model.model.get_image_features(pixel_values=pixels, **kwargs)


def mistral3_features(model: Any, pixels: Any) -> Any:
    """Mistral 3: Pixtral over the image at its own size, the patch merger and the MLP."""
    sizes = torch.tensor([pixels.shape[-2:]])
    return features(model, pixels, image_sizes=sizes, vision_feature_layer=-1)


def lighton_features(model: Any, pixels: Any) -> Any:
    """LightOnOCR: Pixtral at the image's own size, then the vision projection."""
    return features(model, pixels, image_sizes=torch.tensor([pixels.shape[-2:]]))


def llama4_features(model: Any, pixels: Any) -> Any:
    """Llama 4: the vision model (its pixel-shuffle adapter included), then the projector."""
    hidden = model.get_image_features(pixel_values=pixels).last_hidden_state
    return model.multi_modal_projector(hidden)


@dataclass
class Case:
    """A model class, its config, and how one image runs through it."""

    model_class: str
    config: dict[str, Any]
    run: Callable[[Any, Any], Any] = features
    frames: bool = False
    """pixel_values carries a per-sample image axis (Idefics3, SmolVLM)."""
    size: int | None = None
    """The image side asked for, for a tower of dynamic resolution (Pixtral)."""


def idefics(model_type: str, model_class: str) -> Case:
    """Idefics3 / SmolVLM: a 4 x 4 patch grid, pixel-shuffled by 2 into 4 rows."""
    vision = {**VISION, "model_type": f"{model_type}_vision"}
    config = dict(
        model_type=model_type,
        vision_config=vision,
        text_config={**TEXT, "model_type": "llama"},
        scale_factor=2,
    )
    return Case(model_class, config, frames=True)


CASES = {
    "llava": Case(
        "LlavaForConditionalGeneration",
        dict(
            model_type="llava",
            vision_config={**VISION, "model_type": "clip_vision_model", "projection_dim": 32},
            text_config={**TEXT, "model_type": "llama"},
        ),
    ),
    "llava-full-two-layers": Case(
        "LlavaForConditionalGeneration",
        dict(
            model_type="llava",
            vision_config={**VISION, "model_type": "clip_vision_model", "projection_dim": 32},
            text_config={**TEXT, "model_type": "llama"},
            vision_feature_layer=[-1, -2],
            vision_feature_select_strategy="full",
        ),
    ),
    "gemma3": Case(
        "Gemma3ForConditionalGeneration",
        dict(
            model_type="gemma3",
            vision_config={**VISION, "model_type": "siglip_vision_model", "patch_size": 4},
            text_config={**TEXT, "model_type": "gemma3_text"},
            mm_tokens_per_image=16,
        ),
    ),
    "gemma3-pool-drops-a-side": Case(
        "Gemma3ForConditionalGeneration",
        dict(
            model_type="gemma3",
            # a 9 x 9 grid pooled by a 2 x 2 kernel: the last row and column are dropped
            vision_config={
                **VISION,
                "model_type": "siglip_vision_model",
                "image_size": 36,
                "patch_size": 4,
            },
            text_config={**TEXT, "model_type": "gemma3_text"},
            mm_tokens_per_image=16,
        ),
    ),
    "paligemma": Case(
        "PaliGemmaForConditionalGeneration",
        dict(
            model_type="paligemma",
            vision_config={
                **VISION,
                "model_type": "siglip_vision_model",
                "vision_use_head": False,
            },
            text_config={**TEXT, "model_type": "gemma"},
            projection_dim=64,
        ),
    ),
    "idefics3": idefics("idefics3", "Idefics3ForConditionalGeneration"),
    "smolvlm": idefics("smolvlm", "SmolVLMForConditionalGeneration"),
    "internvl": Case(
        "InternVLForConditionalGeneration",
        dict(
            model_type="internvl",
            vision_config={**VISION, "model_type": "internvl_vision", "use_qk_norm": True},
            text_config={**TEXT, "model_type": "qwen2"},
        ),
        lambda model, pixels: features(
            model, pixels, vision_feature_layer=-1, vision_feature_select_strategy="default"
        ),
    ),
    "mistral3-merge-drops-a-side": Case(
        "Mistral3ForConditionalGeneration",
        dict(
            model_type="mistral3",
            # a 5 x 5 grid: the 2 x 2 unfold drops the last row and column of patches
            vision_config={**VISION, "model_type": "pixtral"},
            text_config={**TEXT, "model_type": "mistral"},
            spatial_merge_size=2,
        ),
        mistral3_features,
        size=40,
    ),
    "lighton-ocr": Case(
        "LightOnOcrForConditionalGeneration",
        dict(
            model_type="lighton_ocr",
            vision_config={**VISION, "model_type": "pixtral"},
            text_config={**TEXT, "model_type": "qwen3"},
        ),
        lighton_features,
        size=40,
    ),
    "vipllava": Case(
        "VipLlavaForConditionalGeneration",
        dict(
            model_type="vipllava",
            vision_config={**VISION, "model_type": "clip_vision_model", "projection_dim": 32},
            text_config={**TEXT, "model_type": "llama"},
            vision_feature_layers=[-1, 0],
        ),
        lambda model, pixels: features(model, pixels, vision_feature_layer=[-1, 0]),
    ),
    "llama4": Case(
        "Llama4ForConditionalGeneration",
        dict(
            model_type="llama4",
            vision_config={
                **VISION,
                "model_type": "llama4_vision_model",
                # the adapter's fc1 reads the shuffled width, 4 x hidden_size
                "intermediate_size": 128,
                "projector_input_dim": 48,
                "projector_output_dim": 48,
                "vision_output_dim": 48,
            },
            text_config={
                **TEXT,
                "model_type": "llama4_text",
                "intermediate_size_mlp": 96,
                "num_local_experts": 2,
            },
        ),
        llama4_features,
    ),
}


def flop_count(case: Case) -> tuple[int, dict[str, Any]]:
    """FlopCounterMode's total for one image through the case's image path, and its config."""
    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model(**case.config)
    config._attn_implementation = "eager"
    for sub in ("vision_config", "text_config"):
        getattr(config, sub)._attn_implementation = "eager"
    model = getattr(transformers, case.model_class)(config).float().eval()
    side = case.size or config.vision_config.image_size  # InternVL keeps an [h, w] pair
    side = side[0] if isinstance(side, list | tuple) else side
    shape = (config.vision_config.num_channels, side, side)
    pixels = torch.randn(1, 1, *shape) if case.frames else torch.randn(1, *shape)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        case.run(model, pixels)
    return counter.get_total_flops(), model.config.to_dict()


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_image_costs_what_flop_counter_counts(case: str) -> None:
    """The vision tower and projector over one image cost FlopCounterMode's total."""
    expected, config = flop_count(CASES[case])
    size = CASES[case].size
    figure = image_flops(count(hf.from_config(config, "config.json")).model, size)
    assert isinstance(figure, ImageFlops)
    vision = CASES[case].config["vision_config"]
    assert figure.patches == ((size or vision["image_size"]) // vision["patch_size"]) ** 2
    assert figure.total == expected
