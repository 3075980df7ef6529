"""Start-up benchmark: paramcalc's commands against bare Python baselines, in fresh processes.

Prints each command's median CPU time over N runs and its ratio to a baseline measured in
the same run, so the figures compare on any machine. The three pairs run interleaved (one run
of each command and each baseline per round), so a change in the machine's load reaches all:
  count llama-2-7b --format json  vs  python -c "import click, pydantic, rich, yaml"  (goal <= 1.2)
  count llama-2-7b (the table)    vs  python -c "import click, pydantic, rich, yaml"  (goal <= 1.4)
  paramcalc --help                vs  python -c "import click"                        (goal <= 1.2)
With transformers installed it also times counting llama-2-7b by instantiating the model on
the meta device, the usual way to get an exact count without paramcalc.

usage: python benchmarks/startup.py [--runs N] [--no-meta]
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import resource
import shutil
import statistics
import subprocess
import sys

META_COUNT = """
import torch, transformers
config = transformers.LlamaConfig(vocab_size=32000, hidden_size=4096, intermediate_size=11008,
                                  num_hidden_layers=32, num_attention_heads=32)
with torch.device("meta"):
    model = transformers.LlamaForCausalLM(config)
print(sum(p.numel() for p in model.parameters()))
"""


#: What any count that validates its input through pydantic models imports, whatever it does
#: after: `import pydantic` alone (as in the baseline) imports none of BaseModel's machinery.
FLOOR = "import click; from pydantic import BaseModel, Field, model_validator"


def paramcalc_command() -> list[str]:
    """The installed `paramcalc` script, as a user runs it, else `python -m paramcalc`."""
    script = shutil.which("paramcalc")
    return [script] if script else [sys.executable, "-m", "paramcalc"]


def cpu_seconds(command: list[str]) -> float:
    """CPU time (user + system) one fresh process of `command` takes.

    CPU time rather than wall time: on a shared machine other work stretches wall time,
    while the CPU a start-up needs stays the same.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def interleaved_medians(commands: list[list[str]], runs: int) -> list[float]:
    """Median CPU seconds of each command, one run of each per round, after a warm-up round."""
    for command in commands:
        cpu_seconds(command)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, found in zip(commands, times, strict=True):
            found.append(cpu_seconds(command))
    return [statistics.median(found) for found in times]


def paired_medians(command: list[str], baseline: list[str], runs: int) -> tuple[float, float]:
    """Median CPU seconds of a command and its baseline, run alternately after a warm-up."""
    ours, theirs = interleaved_medians([command, baseline], runs)
    return ours, theirs


def has_transformers() -> bool:
    """Whether torch and transformers can be imported here."""
    probe = [sys.executable, "-c", "import torch, transformers"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def compile_bytecode() -> None:
    """Write paramcalc's .pyc files, as `pip install` does, so no run pays for compiling."""
    spec = importlib.util.find_spec("paramcalc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(folder, quiet=1)


def main() -> int:
    """Time every pair and print a table of seconds and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-meta", action="store_true", help="skip the transformers timing")
    args = parser.parse_args()
    runs = args.runs
    compile_bytecode()
    py, pc = sys.executable, paramcalc_command()
    deps = "import click, pydantic, rich, yaml"
    pairs = [
        ("count llama-2-7b --format json", [*pc, "count", "llama-2-7b", "--format", "json"], deps),
        ("count llama-2-7b (table)", [*pc, "count", "llama-2-7b"], deps),
        ("paramcalc --help", [*pc, "--help"], "import click"),
    ]
    goals = [1.2, 1.4, 1.2]
    baselines = sorted({base for _, _, base in pairs}) + [FLOOR]
    medians = interleaved_medians(
        [command for _, command, _ in pairs] + [[py, "-c", base] for base in baselines], runs
    )
    base_cpu = dict(zip(baselines, medians[len(pairs) :], strict=True))
    print(f"{'command':34} {'cpu s':>8}   {'baseline':36} {'cpu s':>8} {'ratio':>6}  goal")
    ok = True
    for (name, _, base_name), ours, goal in zip(pairs, medians[: len(pairs)], goals, strict=True):
        theirs = base_cpu[base_name]
        ratio = ours / theirs
        ok &= ratio <= goal
        mark = "met" if ratio <= goal else "MISSED"
        print(
            f"{name:34} {ours:8.3f}   {base_name:36} {theirs:8.3f} {ratio:6.2f}  <= {goal} {mark}"
        )
    floor = base_cpu[FLOOR]
    label = "(floor) import BaseModel, Field..."
    print(
        f"{label:34} {floor:8.3f}   {deps:36} {base_cpu[deps]:8.3f} "
        f"{floor / base_cpu[deps]:6.2f}  what any validated count imports"
    )
    if not args.no_meta and has_transformers():
        ours, meta = paired_medians(
            [*pc, "count", "llama-2-7b", "--format", "json"],
            [py, "-c", META_COUNT],
            max(3, runs // 5),
        )
        label, ours_label = "transformers on meta device", "paramcalc count (same model)"
        print(
            f"{label:34} {meta:8.3f}   {ours_label:36} {ours:8.3f} {meta / ours:6.1f}x "
            "more CPU than paramcalc"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
