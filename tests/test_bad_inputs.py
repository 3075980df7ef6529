"""Every way an input can be wrong, through the real CLI: exit 2, one line, nothing on stdout.

Each file in `tests/bad_inputs/` is one case; `CASES` says which command reads it and which
fragments its one-line message must hold (the field and the bad value, or the line and column
of a syntax error). Cases that are not files (a folder, a missing file, an oversize file, a
pipe, `--set`, preset names) follow below.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paramcalc.cli import main
from paramcalc.errors import InputError
from paramcalc.sources.files import MAX_FILE_BYTES, parse_yaml

BAD = Path(__file__).parent / "bad_inputs"

#: file (relative to bad_inputs) -> fragments its error line must contain.
CASES: dict[str, tuple[str, ...]] = {
    # -- paramcalc YAML / JSON files --------------------------------------------------------
    "empty.yaml": ("file is empty",),
    "only-comments.yaml": ("holds no fields",),
    "yaml-syntax.yaml": ("invalid YAML at line 3, column 20",),
    "json-syntax.json": ("invalid JSON at line 5, column 1",),
    "top-level-list.yaml": ("top level must be a mapping", "got a list"),
    "top-level-string.json": ("top level must be a mapping", "'llama-2-7b'"),
    "unknown-field.yaml": ("num_hiden_layers: unknown field", "did you mean 'num_hidden_layers'"),
    "duplicate-key.yaml": ("line 5, column 1", "duplicate key 'hidden_size'"),
    "duplicate-key.json": ("duplicate key 'hidden_size'",),
    "string-size.yaml": ("hidden_size:", "valid integer", "'64'"),
    "float-size.yaml": ("hidden_size:", "valid integer", "64.0"),
    "boolean-layers.yaml": ("num_hidden_layers:", "valid integer", "True"),
    "zero-layers.yaml": ("num_hidden_layers:", "greater than 0", "got 0"),
    "negative-vocab.yaml": ("vocab_size:", "greater than 0", "-1000"),
    "heads-do-not-divide.yaml": ("num_attention_heads: 5 does not divide hidden_size=64",),
    "kv-heads-do-not-divide.yaml": ("num_key_value_heads: 3 must divide num_attention_heads=4",),
    "kv-heads-exceed-heads.yaml": ("num_key_value_heads: 8 exceeds num_attention_heads=4",),
    "experts-per-token-too-many.yaml": ("num_experts_per_tok: 9", "num_experts=8"),
    "layer-types-length.yaml": ("layer_types: has 3 entries", "num_hidden_layers=2"),
    "unknown-base-preset.yaml": ("base: unknown preset 'llama-2-7'", "llama-2-7b"),
    "binary.yaml": ("binary file",),
    "latin-1.yaml": ("not UTF-8 text (byte 9)",),
    "huge-integer.json": ("too many digits",),
    "wrong-suffix.txt": (
        "unsupported file type '.txt'",
        ".yaml, .yml and .json",
        ".safetensors and .safetensors.index.json",
    ),
    # -- safety -------------------------------------------------------------------------------
    "python-object.yaml": ("line 1, column 1", "python/object/apply:os.system"),
    "python-name-tag.yaml": ("line 5, column 7", "python/name:os.system"),
    "billion-laughs.yaml": ("aliases expand the document",),
    "recursive-alias.yaml": ("alias refers to the node that contains it",),
    "deep-nesting.yaml": ("nested too deeply",),
    "deep-nesting.json": ("nested too deeply",),
    "merge-key-twice.yaml": ("line 5, column 3", "duplicate merge key '<<'"),
    "layer-types-mappings.yaml": ("layer_types.0:", "{'a': 1}"),
    # -- Hugging Face config.json -----------------------------------------------------------
    "hf-json-syntax.json": ("invalid JSON at line 3, column 2",),
    "hf-not-an-object/config.json": ("top level must be a mapping", "got a list"),
    "hf-missing-model-type/config.json": ("model_type: no model_type", "llama"),
    "hf-unknown-model-type.json": (
        "model_type: unsupported model_type 'lama'",
        "did you mean 'llama'",
    ),
    "hf-string-size.json": ("hidden_size: must be an integer, got '4096'",),
    "hf-boolean-layers.json": ("num_hidden_layers: must be an integer, got True",),
    "hf-zero-vocab.json": ("vocab_size: must be at least 1, got 0",),
    "hf-heads-do-not-divide.json": ("num_attention_heads: 30 does not divide hidden_size=4096",),
    "hf-experts-per-token-too-many.json": ("num_experts_per_tok: 9", "num_experts=8"),
    # -- `paramcalc check` files ------------------------------------------------------------
    "check-expected-total-text.yaml": ("expected_total:", "'about 7 billion'"),
    "check-expected-total-negative.yaml": ("expected_total:", "-6738415616"),
    "check-tolerance-text.yaml": ("tolerance:", "'lots'"),
    "check-tolerance-too-big.yaml": ("tolerance: must be between 0 and 100%", "'150%'"),
}


def run(*args: str) -> Result:
    """Run paramcalc; anything but a clean exit propagates as an exception."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def assert_one_error(result: Result, *fragments: str) -> str:
    """Exit 2, empty stdout, one `paramcalc: error:` line holding every fragment."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("paramcalc: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def test_every_bad_input_file_has_a_case() -> None:
    """The table and the folder list the same files: none is left untested."""
    on_disk = {p.relative_to(BAD).as_posix() for p in BAD.rglob("*") if p.is_file()}
    assert on_disk == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_exits_2_naming_file_field_and_value(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each bad file: one line naming the file and what is wrong; nothing written anywhere."""
    monkeypatch.chdir(tmp_path)  # a `!!python/object` that ran would leave a file here
    command = "check" if name.startswith("check-") else "count"
    path = BAD / name
    line = assert_one_error(run(command, str(path)), *CASES[name])
    assert str(path) in line
    assert list(tmp_path.iterdir()) == []


def test_folder_without_config_json(tmp_path: Path) -> None:
    """A folder is read as a Hugging Face model folder; without config.json it is an error."""
    folder = tmp_path / "model.yaml"
    folder.mkdir()
    assert_one_error(run("count", str(folder)), str(folder), "folder holds no config.json")


def test_missing_file() -> None:
    """A path that does not exist names itself."""
    assert_one_error(run("count", "no/such/file.yaml"), "no/such/file.yaml", "no such file")


def test_empty_source() -> None:
    """An empty SOURCE is not read as the current folder."""
    assert_one_error(run("count", ""), "'': empty source")


def test_control_characters_in_a_name_stay_on_one_line() -> None:
    """A file name with a newline or an escape sequence is shown escaped, on one line."""
    assert_one_error(run("count", "bad\nname.yaml"), "no such file")
    assert_one_error(run("count", "bad\x1b[31mname"), "bad\\x1b[31mname: unknown preset")


def test_oversize_file_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file over the limit is refused from its size alone: its content is never read."""
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:  # sparse: costs no disk
        stream.truncate(MAX_FILE_BYTES + 1)

    def no_read(*args: object, **kwargs: object) -> None:
        raise AssertionError("an oversize file was opened")

    monkeypatch.setattr(Path, "open", no_read)
    assert_one_error(run("count", str(path)), str(path), f"{MAX_FILE_BYTES + 1:,} bytes", "limit")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_pipe_is_not_read(tmp_path: Path) -> None:
    """A named pipe could never end: it is refused, not read (this would hang otherwise)."""
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    assert_one_error(run("count", str(path)), str(path), "not a regular file")


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX file modes")
def test_unreadable_file(tmp_path: Path) -> None:
    """A file paramcalc may not read: the OS's reason, on one line."""
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = tmp_path / "secret.yaml"
    path.write_text("vocab_size: 1\n")
    path.chmod(0)
    assert_one_error(run("count", str(path)), str(path), "cannot read")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["count", "llama-2-7"], ("llama-2-7: unknown preset", "did you mean llama-2-7b")),
        (["count", "zzzzzzzz"], ("zzzzzzzz: unknown preset", "paramcalc presets")),
        (["check", "lama-2-7b"], ("lama-2-7b: unknown preset", "llama-2-7b")),
        (["verify", "gtp2"], ("gtp2: unknown preset", "gpt2")),
    ],
)
def test_unknown_preset_suggests_names(args: list[str], fragments: tuple[str, ...]) -> None:
    """A misspelt preset name: the closest names, or where to find them all."""
    assert_one_error(run(*args), *fragments)


@pytest.mark.parametrize(
    ("setting", "fragments"),
    [
        ("num_hidden_layers", ("--set", "expected FIELD=VALUE", "'num_hidden_layers'")),
        ("=3", ("--set", "expected FIELD=VALUE", "'=3'")),
        (
            "num_hiden_layers=3",
            ("--set: num_hiden_layers: unknown field", "did you mean 'num_hidden_layers'"),
        ),
        ("num_hidden_layers=abc", ("--set: num_hidden_layers:", "valid integer", "'abc'")),
        ("num_hidden_layers=true", ("--set: num_hidden_layers:", "valid integer", "True")),
        ("num_hidden_layers=2.0", ("--set: num_hidden_layers:", "valid integer", "2.0")),
        ("num_hidden_layers=0", ("--set: num_hidden_layers:", "greater than 0", "got 0")),
        ("num_key_value_heads=3", ("--set: num_key_value_heads: 3 must divide",)),
        ("hidden_size=[1, 2]", ("--set: hidden_size: expected a single value", "'[1, 2]'")),
        ("hidden_size={a: 1", ("--set hidden_size: invalid YAML",)),
        ("hidden_size=" + "9" * 500, ("--set hidden_size: invalid YAML", "number longer than")),
    ],
)
def test_bad_set_override(setting: str, fragments: tuple[str, ...]) -> None:
    """`--set` without `=`, naming an unknown field, or holding a bad value."""
    assert_one_error(run("count", "llama-2-7b", "--set", setting), *fragments)


def test_bad_set_on_a_hugging_face_config(tmp_path: Path) -> None:
    """`--set` on a config.json is validated like any other override."""
    path = tmp_path / "config.json"
    path.write_text(
        '{"model_type": "llama", "vocab_size": 1000, "hidden_size": 64, "num_attention_heads": 4}'
    )
    assert run("count", str(path)).exit_code == 0
    assert_one_error(
        run("count", str(path), "--set", "num_attention_heads=5"),
        "--set: num_attention_heads: 5 does not divide hidden_size=64",
    )


def test_bad_file_among_good_ones_in_check() -> None:
    """`check` over several files stops at the first bad one with exit 2, not exit 1."""
    assert_one_error(
        run("check", "gpt2", str(BAD / "zero-layers.yaml")), "zero-layers.yaml", "num_hidden_layers"
    )


def laughs(levels: int, fan_out: int) -> str:
    """A "billion laughs" document: each level repeats the previous one fan_out times."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * fan_out) + "]"]
    lines += [
        f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * fan_out) + "]" for i in range(1, levels)
    ]
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_quickly_in_little_memory() -> None:
    """10**30 expanded nodes: refused from the node graph, in well under a second and a few MB."""
    import time
    import tracemalloc

    text = laughs(30, 10)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(InputError, match="aliases expand the document"):
            parse_yaml(text, "bomb.yaml")
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 2
    assert peak < 20 * 2**20


def test_aliases_that_stay_small_are_allowed() -> None:
    """Anchors and merge keys are ordinary YAML: a file may reuse values it defines."""
    text = "defaults: &d {a: 1}\nwidth: &w 64\nother: {<<: *d, b: *w}\n"
    assert parse_yaml(text, "ok.yaml") == {
        "defaults": {"a": 1},
        "width": 64,
        "other": {"a": 1, "b": 64},
    }


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch pwned']",
        "!!python/object/new:os.system ['touch pwned']",
        "!!python/object:builtins.object {}",
        "!!python/name:os.system",
        "!!python/module:os",
        "!!python/tuple [1, 2]",
    ],
)
def test_python_tags_are_rejected_never_constructed(
    tag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the safe loader reads YAML: a Python tag is a syntax error and nothing runs."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="could not determine a constructor"):
        parse_yaml(f"name: {tag}\n", "tags.yaml")
    assert list(tmp_path.iterdir()) == []


#: Width the heads cannot split, and key/value heads that do not divide the query heads.
UNSPLIT = ({"num_attention_heads": 12, "hidden_size": 12 * 64 + 1}, "does not divide")
UNGROUPED = ({"num_attention_heads": 8, "num_key_value_heads": 6}, "must divide")

#: Configs whose record validates a text tower from a sub-config (or its own flat fields).
NESTED_TEXT = {
    "defaults-qwen2-5-vl.json": ("text_config", UNSPLIT),
    "defaults-qwen3-vl.json": ("text_config", UNGROUPED),
    "defaults-glm4v.json": ("text_config", UNSPLIT),
    "defaults-llava.json": ("text_config", UNGROUPED),
    "defaults-diffllama.json": (None, UNGROUPED),
    "encoder-decoder-variant-1.json": ("encoder", UNSPLIT),
}


@pytest.mark.parametrize("fixture", sorted(NESTED_TEXT))
def test_a_broken_rule_inside_a_sub_config_names_its_key(fixture: str, tmp_path: Path) -> None:
    """A rule broken inside text_config (or at the top level of a record that validates its
    own text tower) is one error naming the file and the key, never a crash."""
    import json

    config = json.loads((Path(__file__).parent / "data" / "hf" / fixture).read_text())["config"]
    key, (changes, fragment) = NESTED_TEXT[fixture]
    (config if key is None else config.setdefault(key, {})).update(changes)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    line = assert_one_error(run("count", str(path)), fragment)
    assert str(path) in line
    if key is not None:
        assert key in line


#: Vision configs whose heads transformers splits the width into (width // heads each).
VISION_HEADS = {
    "defaults-qwen2-5-vl.json": {"hidden_size": 100, "num_heads": 16},
    "defaults-qwen3-vl.json": {"hidden_size": 100, "num_heads": 16},
    "defaults-qwen2-vl.json": {"embed_dim": 100, "num_heads": 16},
}


@pytest.mark.parametrize("fixture", sorted(VISION_HEADS))
def test_vision_heads_that_do_not_split_the_width_are_refused(fixture: str, tmp_path: Path) -> None:
    """A ViT whose heads do not split its width has no count paramcalc could give (its q/k/v
    are width // heads per head): one error naming vision_config's key."""
    import json

    config = json.loads((Path(__file__).parent / "data" / "hf" / fixture).read_text())["config"]
    config.setdefault("vision_config", {}).update(VISION_HEADS[fixture])
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    assert_one_error(run("count", str(path)), "vision_config: num_heads: 16 does not divide")


def test_a_vision_tower_file_holds_its_heads_to_its_width(tmp_path: Path) -> None:
    """In a schema v2 file, a vision tower's attention is checked as a text stack's is."""
    import json

    path = tmp_path / "model.json"
    path.write_text(
        json.dumps(
            {
                "text": {
                    "vocab_size": 64,
                    "hidden_size": 64,
                    "stacks": [
                        {
                            "name": "decoder",
                            "num_hidden_layers": 1,
                            "block": {
                                "mixer": {"kind": "attention", "num_attention_heads": 4},
                                "ffn": {"kind": "mlp", "intermediate_size": 128},
                            },
                        }
                    ],
                },
                "vision": {
                    "hidden_size": 100,
                    "image_size": 32,
                    "patch_size": 16,
                    "stack": {
                        "name": "encoder",
                        "num_hidden_layers": 1,
                        "block": {
                            "mixer": {"kind": "attention", "num_attention_heads": 16},
                            "ffn": {"kind": "mlp", "intermediate_size": 128},
                        },
                    },
                },
            }
        )
    )
    assert_one_error(run("count", str(path)), "16 does not divide hidden_size=100")
