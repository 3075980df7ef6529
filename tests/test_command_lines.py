"""No command line built from the documented options ever tracebacks.

hypothesis draws a command and a handful of its documented options, with values that are
valid, at the edges (0, 2**63 - 1, 2**63) or plainly wrong (words, 30 digits, markup,
empty). Whatever it draws, paramcalc exits 0, 1 or 2 without an exception; bad input is one
line on stderr and nothing on stdout. The values are kept small enough that each run takes
milliseconds, so a hundred draws take a few seconds.
"""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paramcalc.cli import main

SOURCES = [
    "gpt2",
    "llama-2-7b",
    "mixtral-8x7b",
    "t5-small",
    "deepseek-v2-lite",
    "nosuch",
    "",
    "[red]x",
    "configs/gpt2.yaml",
    "configs",
    "no/such/file.yaml",
    "-",
    "x" * 5000,
]
SIZES = [
    "1",
    "2",
    "3",
    "0",
    "-1",
    "64",
    "4096",
    "9223372036854775807",
    "9223372036854775808",
    "9" * 30,
    "1.5",
    "x",
    "",
    "1e9",
]
SMALL = ["1", "2", "4", "8", "0", "-3", "x", "9" * 30, "9223372036854775807"]
SHARES = ["1%", "0.4", "40%", "0", "1", "2", "-1%", "1e-3", "1e99999999", "x", "1/3", ""]
COUNTS = [
    "7B",
    "1.1B",
    "350M",
    "124439808",
    "0",
    "1e9",
    "10**18T",
    "1000000000000000000T",
    "x",
    "",
    "9" * 40,
    "1.5",
]
FIELDS = [
    "num_hidden_layers",
    "hidden_size",
    "vocab_size",
    "num_attention_heads",
    "num_key_value_heads",
    "intermediate_size",
    "tie_word_embeddings",
    "ffn_ratio",
    "num_experts",
    "layer_types",
    "name",
    "nosuch",
    "",
]
VALUES = [
    "2",
    "40",
    "0",
    "-1",
    "true",
    "8/3",
    "[1, 2]",
    "{a: 1}",
    "[/bold]x",
    "",
    "null",
    "9" * 30,
    "'64'",
]
FORMATS = ["table", "json", "yaml", "markdown", "csv", "svg", "html", "bogus"]


def option(name: str, values: list[str]) -> st.SearchStrategy[list[str]]:
    """`[name, value]` for a value drawn from `values`."""
    return st.sampled_from(values).map(lambda v: [name, v])


def flag(name: str) -> st.SearchStrategy[list[str]]:
    """A flag on its own."""
    return st.just([name])


SET = st.tuples(st.sampled_from(FIELDS), st.sampled_from(VALUES)).map(
    lambda fv: ["--set", f"{fv[0]}={fv[1]}"]
)
COMMON = [option("-f", FORMATS), SET]
SHAPE = [option("--batch", SMALL), option("--seq", SMALL), option("--encoder-seq", SMALL)]

#: Each command with its positional arguments and the options its --help documents.
COMMANDS: dict[str, tuple[list[st.SearchStrategy[str]], list[st.SearchStrategy[list[str]]]]] = {
    "count": ([st.sampled_from(SOURCES)], [*COMMON, flag("--layers"), flag("--checkpoint")]),
    "flags": (
        [],
        [
            option("--vocab-size", SIZES),
            option("--hidden-size", SIZES),
            option("--num-layers", SMALL),
            option("--heads", SMALL),
            option("--kv-heads", SMALL),
            option("--head-dim", SIZES),
            option("--intermediate-size", SIZES),
            option("--ffn-ratio", SHARES),
            flag("--gated"),
            flag("--untied"),
            option("-f", FORMATS),
        ],
    ),
    "convert": ([st.sampled_from(SOURCES)], [SET]),
    "check": ([st.sampled_from(SOURCES)], [flag("--allow-missing"), option("-f", FORMATS)]),
    "verify": ([st.sampled_from(SOURCES)], COMMON),
    "dense": (
        [st.sampled_from(SIZES), st.sampled_from(SIZES)],
        [flag("--no-bias"), option("-f", FORMATS)],
    ),
    "memory": (
        [st.sampled_from(SOURCES)],
        [
            *COMMON,
            *SHAPE,
            option("--dtype", ["bf16", "int4", "fp8", "fp64"]),
            option("--kv-dtype", ["fp8", "int8", "x"]),
            option("--quant-group-size", SMALL),
            option("--gpus", SMALL),
            option("--zero", ["0", "1", "2", "3", "4", "x"]),
            option("--gpu", ["h100", "mi300x", "nosuch"]),
            option("--recipe", ["fp32", "bf16-adam8bit", "x"]),
        ],
    ),
    "flops": (
        [st.sampled_from(SOURCES)],
        [
            *COMMON,
            *SHAPE,
            option("--tokens", COUNTS),
            option("--gpu", ["h100", "x"]),
            option("--mfu", SHARES),
        ],
    ),
    "fit": (
        [st.sampled_from(SOURCES)],
        [
            *COMMON,
            option("--batch", SMALL),
            option("--seq", SMALL),
            option("--gpu", ["h100", "rtx4090", "nosuch"]),
            option("--gpu-memory", ["24GiB", "80GB", "0", "-1", "1.5", "x", "9" * 30]),
            option("--gpus", SMALL),
            option("--tensor-parallel", SMALL),
            option("--pipeline-parallel", SMALL),
            option("--kv-dtype", ["fp8_e5m2", "q8_0", "q4_1", "x"]),
            option("--utilization", SHARES),
            flag("--paged"),
            option("--block-size", SMALL),
            option("--prefill-chunk", SMALL),
        ],
    ),
    "report": ([st.sampled_from(SOURCES)], [*COMMON, *SHAPE]),
    "diff": (
        [st.sampled_from(SOURCES), st.sampled_from(SOURCES)],
        [*COMMON, SET.map(lambda s: ["--set-a", s[1]]), SET.map(lambda s: ["--set-b", s[1]])],
    ),
    "solve": (
        [],
        [
            option("--target", COUNTS),
            option("--base", SOURCES[:5]),
            option("--vary", ["num_hidden_layers", "vocab_size", "nosuch"]),
            option("--tolerance", SHARES),
            flag("--active"),
            option("--top", SMALL),
            option("-f", FORMATS),
        ],
    ),
    "sweep": (
        [],
        [
            option("--base", SOURCES),
            option(
                "--grid",
                [
                    "num_hidden_layers=1..3",
                    "hidden_size=64..128:64",
                    "num_attention_heads=5..5",
                    "x=1..2",
                    "vocab_size=3..1",
                    "num_hidden_layers=1..3:0",
                    "num_hidden_layers=1.." + "9" * 30,
                ],
            ),
            option("-f", ["csv", "json", "x"]),
        ],
    ),
    "presets": ([], [option("-f", FORMATS)]),
    "schema": ([], []),
}


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """A command, its arguments and up to four of its options, in any order."""
    name = draw(st.sampled_from(sorted(COMMANDS)))
    arguments, options = COMMANDS[name]
    args = [draw(a) for a in arguments]
    chosen = draw(st.lists(st.sampled_from(options), max_size=4)) if options else []
    for strategy in chosen:
        args += draw(strategy)
    if name == "solve" and not draw(st.booleans()):
        args += ["--target", "7B"]
    return ["count" if name == "flags" else name, *args]


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(command_lines())
def test_no_documented_command_line_tracebacks(args: list[str]) -> None:
    """Any such command line exits 0, 1 or 2 without an exception; bad input (2) is one
    `paramcalc: error:` line on stderr and nothing on stdout (help text aside)."""
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, args)
    exception: Any = result.exception
    assert exception is None or isinstance(exception, SystemExit), (args, result.exc_info)
    assert result.exit_code in (0, 1, 2), args
    if result.exit_code == 2 and "Usage:" not in result.output:
        assert result.stdout == "", args
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("paramcalc: error: "), (args, lines)
