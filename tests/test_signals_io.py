"""Signals, pipes and files, in real processes: Ctrl-C is exit 130 and one line (also during
start-up), a closed pipe ends quietly, an unwritable stdout is exit 2, and `-o` files are
replaced whole or not at all, also by 20 runs at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import REPO
from paramcalc.cli import main

ENV = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "80"}
#: A grid that counts for several seconds: long enough to be interrupted while writing.
SLOW_GRID = [
    "sweep",
    "--base",
    "llama-2-7b",
    "--grid",
    "hidden_size=1024..8192:8",
    "--grid",
    "num_hidden_layers=1..200",
    "--grid",
    "vocab_size=32000..32010",
]


def paramcalc(*args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    """Start `python -m paramcalc ARGS` with stdout and stderr piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "paramcalc", *args],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )  # type: ignore[call-overload]


def finish(process: subprocess.Popen[bytes]) -> tuple[int, str, str]:
    """Wait for a process; its exit code, stdout and stderr."""
    out, err = process.communicate(timeout=60)
    return process.returncode, out.decode(), err.decode()


def run(*args: str) -> tuple[int, str, str]:
    """Run `python -m paramcalc ARGS` to the end."""
    return finish(paramcalc(*args))


def test_ctrl_c_while_importing_is_exit_130_and_one_line() -> None:
    """SIGINT delivered while paramcalc imports click: one line, exit 130, no traceback."""
    script = (
        "import builtins, os, signal, sys\n"
        "real = builtins.__import__\n"
        "def hook(name, *args, **kwargs):\n"
        "    if name == 'click':\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = hook\n"
        "sys.argv = ['paramcalc', 'count', 'gpt2']\n"
        "from paramcalc.__main__ import run\n"
        "run()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=ENV, capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stderr) == (130, "paramcalc: interrupted\n")
    assert result.stdout == ""


def wait_for_library(process: subprocess.Popen[bytes], name: str) -> None:
    """Wait until the process has loaded a shared library whose path contains `name`."""
    maps = Path(f"/proc/{process.pid}/maps")
    deadline = time.monotonic() + 30
    while name not in maps.read_text():
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.005)


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc")
@pytest.mark.parametrize("pause", [0.0, 0.05, 0.2])
def test_ctrl_c_at_any_moment_is_never_a_traceback(pause: float) -> None:
    """SIGINT while pydantic is being imported, or some time into the count: the run either
    finished (0) or says one line and exits 130."""
    process = paramcalc("count", "llama-3.1-405b", "--layers")
    wait_for_library(process, "_pydantic_core")  # paramcalc's start-up is done by then
    time.sleep(pause)
    process.send_signal(signal.SIGINT)
    code, _, err = finish(process)
    assert code in (0, 130)
    assert "Traceback" not in err
    assert err in ("", "paramcalc: interrupted\n")


def test_ctrl_c_during_sweep_o_keeps_the_old_file(tmp_path: Path) -> None:
    """An interrupted `sweep -o` leaves the file as it was, and no temporary file."""
    out = tmp_path / "grid.csv"
    out.write_text("the old file\n")
    process = paramcalc(*SLOW_GRID, "-o", str(out))
    deadline = time.monotonic() + 30
    while not any(p.name.endswith(".part") for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    code, _, err = finish(process)
    assert (code, err) == (130, "paramcalc: interrupted\n")
    assert out.read_text() == "the old file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grid.csv"]


@pytest.mark.skipif(not hasattr(signal, "SIGPIPE"), reason="no SIGPIPE on this platform")
def test_a_closed_pipe_ends_quietly() -> None:
    """`count llama-3.1-405b --layers | head -1`: the first line, then SIGPIPE, no message."""
    process = paramcalc("count", "llama-3.1-405b", "--layers")
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read()
    process.wait(timeout=60)
    assert first.startswith(b"llama-3.1-405b: 405,853,388,800 parameters")
    assert process.returncode == -signal.SIGPIPE
    assert err == b""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ["count", "gpt2"],
        ["count", "gpt2", "-f", "json"],
        ["sweep", "--base", "gpt2", "--grid", "num_hidden_layers=1..3000"],
    ],
)
def test_a_full_disk_on_stdout_is_exit_2_and_one_line(args: list[str]) -> None:
    """stdout on a full disk: one line naming stdout and the reason, exit 2."""
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [sys.executable, "-m", "paramcalc", *args],
            env=ENV,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr == "paramcalc: error: stdout: cannot write: No space left on device\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_on_o_is_exit_2_and_one_line() -> None:
    """`convert -o` onto a device that is full: one line naming the file."""
    code, _, err = run("convert", "gpt2", "-o", "/dev/full")
    assert (code, err) == (
        2,
        "paramcalc: error: /dev/full: cannot write: No space left on device\n",
    )


@pytest.mark.parametrize(
    "args", [["count", "gpt2"], ["sweep", "--base", "gpt2", "--grid", "num_hidden_layers=1..3"]]
)
def test_a_closed_stdout_is_exit_2_and_one_line(args: list[str]) -> None:
    """stdout closed (`>&-`): one line saying so, exit 2, no traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "paramcalc", *args],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        close_fds=True,
        preexec_fn=lambda: os.close(1),
    )
    assert (result.returncode, result.stderr) == (
        2,
        "paramcalc: error: stdout: cannot write: it is closed\n",
    )


def test_o_into_a_missing_folder_is_exit_2(tmp_path: Path) -> None:
    """-o in a folder that does not exist: one line naming the file, nothing created."""
    target = tmp_path / "no" / "such" / "x.yaml"
    code, _, err = run("convert", "gpt2", "-o", str(target))
    assert code == 2 and err.startswith(f"paramcalc: error: {target}: cannot write: ")
    assert len(err.splitlines()) == 1 and list(tmp_path.iterdir()) == []


def test_twenty_parallel_writers_leave_one_complete_file(tmp_path: Path) -> None:
    """20 processes writing 200 kB each through `-o`'s writer to one path at once: the file is
    exactly one of them, whole, and no temporary file is left."""
    out = tmp_path / "grid.csv"
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from paramcalc.cli.output import atomic_file\n"
        "with atomic_file(Path(sys.argv[1])) as f:\n"
        "    for i in range(2_000):\n"
        "        f.write(sys.argv[2] * 99 + '\\n')\n"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(out), chr(65 + i)], env=ENV)
        for i in range(20)
    ]
    assert [w.wait(timeout=60) for w in writers] == [0] * 20
    lines = out.read_text().splitlines()
    assert len(lines) == 2_000 and len(set(lines)) == 1 and len(lines[0]) == 99
    assert [p.name for p in tmp_path.iterdir()] == ["grid.csv"]


def test_parallel_converts_leave_one_complete_file(tmp_path: Path) -> None:
    """Four `convert -o` of different presets at once: the file is one of them, whole."""
    presets = ["gpt2", "llama-2-7b", "mixtral-8x7b", "t5-small"]
    out = tmp_path / "model.yaml"
    processes = [paramcalc("convert", name, "-o", str(out)) for name in presets]
    assert [finish(p)[0] for p in processes] == [0] * 4
    written = out.read_text()
    name = yaml.safe_load(written)["name"]
    assert written == CliRunner().invoke(main, ["convert", name]).stdout
    assert [p.name for p in tmp_path.iterdir()] == ["model.yaml"]


def test_a_failed_convert_leaves_the_old_file(tmp_path: Path) -> None:
    """A conversion that fails (bad --set) does not touch the -o file."""
    out = tmp_path / "model.yaml"
    out.write_text("old\n")
    code, _, err = run("convert", "gpt2", "--set", "num_hidden_layers=0", "-o", str(out))
    assert code == 2 and len(err.splitlines()) == 1
    assert out.read_text() == "old\n"


def test_sweep_o_refuses_to_overwrite_its_own_input(tmp_path: Path) -> None:
    """`sweep --base m.json -o m.json` is refused; the file is untouched."""
    base = tmp_path / "m.json"
    base.write_text('{"base": "gpt2"}')
    code, _, err = run(
        "sweep", "--base", str(base), "--grid", "num_hidden_layers=1..2", "-o", str(base)
    )
    assert err == f"paramcalc: error: {base}: is the --base being read; choose another -o file\n"
    assert code == 2
    assert base.read_text() == '{"base": "gpt2"}'


def test_a_grid_with_no_valid_point_writes_nothing(tmp_path: Path) -> None:
    """No point is a model (5 heads never divide 768): nothing on stdout, no -o file."""
    grid = ["sweep", "--base", "gpt2", "--grid", "num_attention_heads=5..5"]
    code, out, err = run(*grid)
    assert (code, out) == (2, "")
    assert "no point of the grid is a valid model" in err
    code, _, _ = run(*grid, "-o", str(tmp_path / "grid.csv"))
    assert code == 2 and list(tmp_path.iterdir()) == []


def test_a_name_latin1_cannot_encode_is_escaped(tmp_path: Path) -> None:
    """A name in a script latin-1 lacks prints escaped on a latin-1 stdout, not a crash."""
    path = tmp_path / "m.yaml"
    path.write_text("base: gpt2\nname: 模型\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "paramcalc", "count", str(path)],
        env={**ENV, "PYTHONIOENCODING": "latin-1"},
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("latin-1").startswith("\\u6a21\\u578b: 124,439,808 parameters")
