"""Per-image FLOPs of vision towers and projectors, without torch: closed forms written out
for tiny configs, the layouts' refusals, and the flops report's per-image section.

The torch cross-check (tests/test_torch_crosscheck_images.py) pins the same figures to
FlopCounterMode on the real models.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import DATA
from paramcalc.calculator import count
from paramcalc.cli import main
from paramcalc.errors import InputError
from paramcalc.flops import Approximations
from paramcalc.image_flops import DYNAMIC, UNCHECKED, ImageFlops, NoImageFlops, image_flops
from paramcalc.sources import hf

#: A ViT of width 32, 2 layers of 4 heads and a 48-wide MLP, over 32-pixel images of 8-pixel
#: patches (a 4 x 4 grid); a 64-wide Llama below it.
WIDTH, LAYERS, MLP, IMAGE, PATCH, TEXT_WIDTH = 32, 2, 48, 32, 8, 64
VISION = dict(
    hidden_size=WIDTH,
    intermediate_size=MLP,
    num_hidden_layers=LAYERS,
    num_attention_heads=4,
    image_size=IMAGE,
    patch_size=PATCH,
)
TEXT = dict(
    model_type="llama",
    vocab_size=128,
    hidden_size=TEXT_WIDTH,
    num_hidden_layers=1,
    num_attention_heads=4,
    num_key_value_heads=2,
    intermediate_size=96,
)


def figure(config: dict[str, Any]) -> ImageFlops | NoImageFlops | None:
    """paramcalc's per-image figure for a config.json."""
    return image_flops(count(hf.from_config(config, "config.json")).model)


def vit_layers(rows: int) -> int:
    """2mnk of a ViT's layers over `rows` rows: q, k, v, o and fc1, fc2, then the score and
    weighted-sum products of every pair of rows over the full width."""
    projections = 2 * rows * (4 * WIDTH * WIDTH + 2 * WIDTH * MLP)
    pairs = 2 * 2 * rows * rows * WIDTH
    return LAYERS * (projections + pairs)


def test_llava_one_image_is_the_closed_form() -> None:
    """CLIP: a 3 x 8 x 8 convolution per patch, 17 rows (16 patches and the class token)
    through each layer; the projector over the 16 patches the default strategy keeps."""
    config = dict(
        model_type="llava",
        vision_config={**VISION, "model_type": "clip_vision_model"},
        text_config=TEXT,
    )
    patches = (IMAGE // PATCH) ** 2
    patch_embedding = 2 * patches * WIDTH * 3 * PATCH * PATCH
    projector = 2 * patches * (WIDTH * TEXT_WIDTH + TEXT_WIDTH * TEXT_WIDTH)
    assert figure(config) == ImageFlops(
        IMAGE, patches, patches + 1, patches, patch_embedding + vit_layers(patches + 1), projector
    )
    full = figure({**config, "vision_feature_select_strategy": "full"})
    assert isinstance(full, ImageFlops)
    assert (full.projector_rows, full.image_tokens) == (patches + 1, patches + 1)


def test_siglip_pooling_head_is_one_query_against_the_patches() -> None:
    """Gemma 3 with SigLIP's head: the probe's query, the patches' keys and values, one pair
    per patch over the full width, out_proj and the MLP on the probe; the projector over the
    2 x 2-pooled grid (an 8 x 8 grid of 4-pixel patches pooled to 4 x 4)."""
    vision = {**VISION, "model_type": "siglip_vision_model", "patch_size": 4}
    text = {**TEXT, "model_type": "gemma3_text", "head_dim": 16}
    config = dict(model_type="gemma3", vision_config=vision, text_config=text)
    patches = 64
    head = 2 * (WIDTH * WIDTH + patches * 2 * WIDTH * WIDTH + 2 * patches * WIDTH)
    head += 2 * (WIDTH * WIDTH + 2 * WIDTH * MLP)
    patch_embedding = 2 * patches * WIDTH * 3 * 4 * 4
    got = figure({**config, "mm_tokens_per_image": 16})
    assert isinstance(got, ImageFlops)
    assert got.vision == patch_embedding + vit_layers(patches) + head
    assert (got.projector_rows, got.projector) == (16, 2 * 16 * WIDTH * TEXT_WIDTH)


def idefics3(**vision: Any) -> dict[str, Any]:
    """An Idefics3 config with the tiny ViT."""
    return dict(
        model_type="idefics3",
        vision_config={**VISION, "model_type": "idefics3_vision", **vision},
        text_config=TEXT,
        scale_factor=2,
    )


def test_pixel_shuffle_merges_a_square_of_patches_into_one_row() -> None:
    """Idefics3's connector reads 2 x 2 patches per row: 4 rows of 4 x 32 features."""
    got = figure(idefics3())
    assert isinstance(got, ImageFlops)
    assert (got.encoder_rows, got.projector_rows) == (16, 4)
    assert got.projector == 2 * 4 * (4 * WIDTH) * TEXT_WIDTH


def test_a_grid_the_layout_cannot_split_has_no_figure() -> None:
    """A 3 x 3 grid cannot be pixel-shuffled by 2 (the model fails): no number, a reason."""
    got = figure(idefics3(image_size=24))
    assert isinstance(got, NoImageFlops)
    assert "pixel shuffle by 2" in got.reason and "9-patch grid" in got.reason


def test_dynamic_resolution_and_unchecked_layouts_have_no_figure() -> None:
    """Pixtral (Mistral 3) has no image size; LLaVA-NeXT's tiling is not laid out."""
    mistral3 = json.loads((DATA / "hf" / "defaults-mistral3.json").read_text())["config"]
    assert figure(mistral3) == NoImageFlops(DYNAMIC)
    qwen2_vl = json.loads((DATA / "hf" / "defaults-qwen2-vl.json").read_text())["config"]
    assert figure(qwen2_vl) == NoImageFlops(DYNAMIC)
    llava_next = json.loads((DATA / "hf" / "defaults-llava-next.json").read_text())["config"]
    assert figure(llava_next) == NoImageFlops(UNCHECKED)
    assert figure(TEXT) is None


@pytest.mark.parametrize("ratio", [0, 1.5, "half"])
def test_a_shuffle_ratio_out_of_range_names_its_key(ratio: Any) -> None:
    """Llama 4's pixel_shuffle_ratio must be in (0, 1]."""
    config = json.loads((DATA / "hf" / "defaults-llama4.json").read_text())["config"]
    config["vision_config"] = {"pixel_shuffle_ratio": ratio}
    with pytest.raises(InputError, match="pixel_shuffle_ratio"):
        hf.from_config(config, "config.json")


def test_a_ratio_without_a_whole_side_is_not_laid_out() -> None:
    """InternVL's downsample_ratio 0.3: int(1 / 0.3) is no pixel-shuffle side."""
    config = json.loads((DATA / "hf" / "defaults-internvl.json").read_text())["config"]
    assert figure({**config, "downsample_ratio": 0.3}) == NoImageFlops(UNCHECKED)


def test_an_image_size_for_a_dynamic_tower() -> None:
    """Pixtral at 40 pixels: a 5 x 5 grid of gated-MLP layers (gate, up, down) with no class
    token; the merger's 2 x 2 unfold drops the last row and column, 4 rows remain; a tower
    laid out for one image size gives no figure at another."""
    config = dict(
        model_type="mistral3",
        vision_config={**VISION, "model_type": "pixtral"},
        text_config={**TEXT, "model_type": "mistral"},
        spatial_merge_size=2,
    )
    counted = count(hf.from_config(config, "config.json"))
    assert image_flops(counted.model) == NoImageFlops(DYNAMIC)
    got = image_flops(counted.model, 40)
    rows = 25
    projections = 2 * rows * (4 * WIDTH * WIDTH + 3 * WIDTH * MLP)
    layers = LAYERS * (projections + 2 * 2 * rows * rows * WIDTH)
    merger = 2 * 4 * (4 * WIDTH * WIDTH + WIDTH * TEXT_WIDTH + TEXT_WIDTH * TEXT_WIDTH)
    patch_embedding = 2 * rows * WIDTH * 3 * PATCH * PATCH
    assert got == ImageFlops(40, rows, rows, 4, patch_embedding + layers, merger)
    llava = dict(
        model_type="llava",
        vision_config={**VISION, "model_type": "clip_vision_model"},
        text_config=TEXT,
    )
    other = image_flops(count(hf.from_config(llava, "config.json")).model, 64)
    assert isinstance(other, NoImageFlops) and f"image_size={IMAGE}" in other.reason


def test_approximations_count_the_text_towers_parameters() -> None:
    """2N of LLaVA 1.5 is twice the text tower the reference counts, not the whole model."""
    reference = json.loads((DATA / "hf" / "defaults-llava.json").read_text())
    counted = count(hf.from_config(reference["config"], "config.json"))
    approx = Approximations.of(counted, 128)
    assert approx.two_n == 2 * reference["towers"]["text"]["total"]
    assert approx.six_n == 6 * reference["towers"]["text"]["total"]


def test_flops_report_shows_one_image(tmp_path: Path) -> None:
    """`paramcalc flops` adds `per_image` to its JSON, and a section to its table, markdown
    and CSV; a text model has none."""
    runner = CliRunner()
    source = tmp_path / "config.json"
    source.write_text(json.dumps(idefics3()))
    result = runner.invoke(main, ["flops", str(source), "-f", "json"], catch_exceptions=False)
    got = json.loads(result.stdout)["per_image"]
    expected = figure(idefics3())
    assert isinstance(expected, ImageFlops)
    assert got == {
        "computed": True,
        "image_size": IMAGE,
        "patches": 16,
        "encoder_rows": 16,
        "projector_rows": 4,
        "vision_flops": expected.vision,
        "projector_flops": 2 * 4 * (4 * WIDTH) * TEXT_WIDTH,
        "flops": expected.vision + 2 * 4 * (4 * WIDTH) * TEXT_WIDTH,
        "image_tokens": 4,
    }
    for fmt, marker in (("table", "per image"), ("markdown", "per image"), ("csv", "per_image")):
        shown = runner.invoke(main, ["flops", str(source), "-f", fmt], catch_exceptions=False)
        assert marker in shown.stdout and f"{expected.vision:,}".replace(",", "") in (
            shown.stdout.replace(",", "")
        )
    sized = runner.invoke(
        main, ["flops", str(source), "--image-size", "64", "-f", "json"], catch_exceptions=False
    )
    assert json.loads(sized.stdout)["per_image"]["computed"] is False
    source.write_text(json.dumps(TEXT))
    text = runner.invoke(main, ["flops", str(source), "-f", "json"], catch_exceptions=False)
    assert "per_image" not in json.loads(text.stdout)
