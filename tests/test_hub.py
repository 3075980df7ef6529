"""Hub ids, for real and offline: a Hugging Face cache laid out as huggingface_hub lays it out,
and a loopback HTTP server on 127.0.0.1 that answers the requests huggingface_hub makes as the
Hub does (`resolve` with ETag and X-Repo-Commit, LFS redirects to a second "CDN" server that
honours byte ranges, 401/403/404 with the Hub's X-Error-Code). HF_ENDPOINT points at it and
HF_HOME at a temporary folder; nothing here reaches any other address.

paramcalc runs in a fresh process for each Hub call, since huggingface_hub reads its
environment (HF_HOME, HF_HUB_OFFLINE, HF_ENDPOINT, HF_TOKEN) once, at import.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from conftest import REPO, TINY_LLAMA, TINY_TOTAL, H, V, llama_tensors, write_safetensors
from paramcalc.cli import main

REPO_ID = "acme/tiny-llama"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
CONFIG = {"model_type": "llama", **TINY_LLAMA}
#: The server stops by itself after this many seconds, whatever the test does.
SERVER_LIFETIME = 60


@dataclass
class Repository:
    """A model repository the fake Hub serves: files at one commit, maybe gated."""

    files: dict[str, bytes]
    commit: str = COMMIT
    revisions: tuple[str, ...] = ("main",)
    gated: bool = False


@dataclass
class FakeHub:
    """Two loopback servers: the Hub (`/{repo}/resolve/...`) and a CDN for LFS files."""

    repos: dict[str, Repository]
    tokens: tuple[str, ...] = ("hf_granted",)
    requests: list[dict[str, Any]] = field(default_factory=list)
    servers: list[ThreadingHTTPServer] = field(default_factory=list)

    @property
    def endpoint(self) -> str:
        """The Hub's URL, for HF_ENDPOINT."""
        return f"http://127.0.0.1:{self.servers[0].server_address[1]}"

    def start(self) -> None:
        """Serve the Hub and the CDN from threads; both stop after SERVER_LIFETIME seconds."""
        for handler in (self.hub_handler(), self.cdn_handler()):
            server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            timer = threading.Timer(SERVER_LIFETIME, server.shutdown)
            timer.daemon = True
            timer.start()
            self.servers.append(server)

    def stop(self) -> None:
        """Stop both servers and close their sockets."""
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def blob(self, sha: str) -> bytes | None:
        """An LFS file's content by its sha256."""
        for repo in self.repos.values():
            for content in repo.files.values():
                if hashlib.sha256(content).hexdigest() == sha:
                    return content
        return None

    def hub_handler(self) -> type[BaseHTTPRequestHandler]:
        """The Hub: resolve a file, or refuse as the Hub refuses."""
        hub = self

        class Handler(Quiet):
            def do_HEAD(self) -> None:
                self.answer(body=False)

            def do_GET(self) -> None:
                self.answer(body=True)

            def answer(self, body: bool) -> None:
                hub.requests.append(
                    {
                        "server": "hub",
                        "method": self.command,
                        "path": self.path,
                        "range": self.headers.get("Range"),
                        "authorization": self.headers.get("Authorization"),
                    }
                )
                parts = unquote(self.path).split("/", 5)  # "", org, name, "resolve", rev, file
                if len(parts) < 6 or parts[3] != "resolve":
                    return self.send(404, {"X-Error-Code": "RepoNotFound"}, b"")
                repo_id, revision, name = f"{parts[1]}/{parts[2]}", parts[4], parts[5]
                repo = hub.repos.get(repo_id)
                if repo is None:  # the Hub answers 401 to hide whether a private repo exists
                    return self.send(
                        401,
                        {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"},
                        b"",
                    )
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if repo.gated and token not in hub.tokens:
                    status = 403 if token else 401
                    return self.send(
                        status,
                        {
                            "X-Error-Code": "GatedRepo",
                            "X-Error-Message": f"Access to model {repo_id} is restricted.",
                        },
                        b"",
                    )
                if revision not in (*repo.revisions, repo.commit):
                    return self.send(
                        404,
                        {"X-Error-Code": "RevisionNotFound", "X-Error-Message": "Invalid rev id"},
                        b"",
                    )
                if name not in repo.files:
                    return self.send(
                        404, {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": repo.commit}, b""
                    )
                content = repo.files[name]
                if name.endswith(".safetensors"):  # LFS: the Hub redirects to its CDN
                    sha = hashlib.sha256(content).hexdigest()
                    cdn = hub.servers[1].server_address[1]
                    return self.send(
                        302,
                        {
                            "Location": f"http://127.0.0.1:{cdn}/blob/{sha}",
                            "X-Linked-Etag": f'"{sha}"',
                            "X-Linked-Size": str(len(content)),
                            "X-Repo-Commit": repo.commit,
                            "ETag": '"lfs"',
                        },
                        b"",
                    )
                etag = hashlib.sha1(content).hexdigest()
                self.send(
                    200,
                    {"ETag": f'"{etag}"', "X-Repo-Commit": repo.commit},
                    content if body else b"",
                    len(content),
                )

        return Handler

    def cdn_handler(self) -> type[BaseHTTPRequestHandler]:
        """The CDN: LFS blobs by sha256, whole or by one byte range."""
        hub = self

        class Handler(Quiet):
            def do_GET(self) -> None:
                hub.requests.append(
                    {
                        "server": "cdn",
                        "method": "GET",
                        "path": self.path,
                        "range": self.headers.get("Range"),
                        "authorization": self.headers.get("Authorization"),
                    }
                )
                content = hub.blob(self.path.removeprefix("/blob/"))
                if content is None:
                    return self.send(404, {}, b"")
                wanted = self.headers.get("Range")
                if wanted is None:
                    return self.send(200, {}, content)
                start, end = (int(x) for x in wanted.removeprefix("bytes=").split("-"))
                end = min(end, len(content) - 1)
                self.send(
                    206,
                    {"Content-Range": f"bytes {start}-{end}/{len(content)}"},
                    content[start : end + 1],
                )

        return Handler


class Quiet(BaseHTTPRequestHandler):
    """A request handler that writes no log and sends exact lengths."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""

    def send(
        self, status: int, headers: dict[str, str], body: bytes, length: int | None = None
    ) -> None:
        """One response: status, headers, Content-Length, body."""
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    """A running fake Hub serving acme/tiny-llama's config.json; stopped after the test."""
    server = FakeHub({REPO_ID: Repository({"config.json": json.dumps(CONFIG).encode()})})
    server.start()
    yield server
    server.stop()


def paramcalc(
    tmp_path: Path,
    *args: str,
    endpoint: str = "http://127.0.0.1:9",
    offline: bool = False,
    token: str | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a fresh process with HF_HOME in `tmp_path` and HF_ENDPOINT set."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HF_", "HUGGINGFACE_")) and "proxy" not in k.lower()
    }
    env |= {
        "HF_HOME": str(tmp_path / "hf"),
        "HF_ENDPOINT": endpoint,
        "PYTHONPATH": str(REPO),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "NO_PROXY": "127.0.0.1",
        "HF_HUB_ETAG_TIMEOUT": "5",
        "HF_HUB_DOWNLOAD_TIMEOUT": "5",
    }
    if offline:
        env["HF_HUB_OFFLINE"] = "1"
    if token:
        env["HF_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "paramcalc", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        input=stdin,
    )


def counted(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON of a run that must have succeeded."""
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def one_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit 2, nothing on stdout, one `paramcalc: error:` line holding every fragment."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("paramcalc: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def cache_model(hf_home: Path, repo_id: str, files: dict[str, bytes], commit: str = COMMIT) -> Path:
    """Lay out a model in the cache as huggingface_hub does: blobs, refs/main, snapshot links."""
    top = hf_home / "hub" / ("models--" + repo_id.replace("/", "--"))
    snapshot = top / "snapshots" / commit
    (top / "blobs").mkdir(parents=True)
    snapshot.mkdir(parents=True)
    (top / "refs").mkdir()
    (top / "refs" / "main").write_text(commit)
    for name, content in files.items():
        blob = hashlib.sha256(content).hexdigest()
        (top / "blobs" / blob).write_bytes(content)
        (snapshot / name).symlink_to(Path("..", "..", "blobs", blob))
    return snapshot


# -- the cache, offline ---------------------------------------------------------------------


def test_hub_id_counts_from_the_cache_offline(tmp_path: Path) -> None:
    """`count org/name` with HF_HUB_OFFLINE=1 reads the cached config.json; the name is the id."""
    cache_model(tmp_path / "hf", REPO_ID, {"config.json": json.dumps(CONFIG).encode()})
    data = counted(paramcalc(tmp_path, "count", REPO_ID, "-f", "json", offline=True))
    assert data["name"] == REPO_ID and data["total"] == TINY_TOTAL
    assert set(data["towers"]) == {"text"} and data["towers"]["text"]["total"] == TINY_TOTAL


def test_snapshot_folder_and_its_linked_config_are_named_by_the_repo(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A snapshot folder, its config.json (a link into blobs/) and the repo's top folder."""
    snapshot = cache_model(tmp_path / "hf", REPO_ID, {"config.json": json.dumps(CONFIG).encode()})
    for source in (snapshot, snapshot / "config.json", snapshot.parent.parent):
        result = runner.invoke(main, ["count", str(source), "-f", "json"], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["name"] == REPO_ID != "blobs" and data["total"] == TINY_TOTAL


def test_every_command_that_takes_source_takes_a_hub_id(tmp_path: Path) -> None:
    """memory, flops, report, convert, diff, verify, check and solve's --base read Hub ids."""
    cache_model(tmp_path / "hf", REPO_ID, {"config.json": json.dumps(CONFIG).encode()})
    for args in (
        ["memory", REPO_ID],
        ["flops", REPO_ID],
        ["report", REPO_ID],
        ["convert", REPO_ID],
        ["diff", REPO_ID, "gpt2"],
        ["verify", REPO_ID],
        ["check", REPO_ID, "--allow-missing"],
        ["solve", "--target", "20000", "--base", REPO_ID, "--vary", "num_hidden_layers"],
        ["sweep", "--base", REPO_ID, "--grid", "num_hidden_layers=1..2"],
    ):
        result = paramcalc(tmp_path, *args, offline=True)
        assert result.returncode == 0, (args, result.stderr)
        assert REPO_ID in result.stdout or args[0] == "sweep", args


def test_offline_and_not_cached_says_which_file_and_how_to_get_it(tmp_path: Path) -> None:
    """Exit 2, one line: the file, the cache folder, and the command that fetches it."""
    line = one_error(
        paramcalc(tmp_path, "count", REPO_ID, offline=True),
        REPO_ID,
        "config.json is not in the Hugging Face cache",
        "HF_HUB_OFFLINE",
        f"hf download {REPO_ID} config.json",
    )
    assert str(tmp_path / "hf" / "hub") in line


# -- the loopback Hub ------------------------------------------------------------------------


def test_hub_id_downloads_only_config_json_into_the_cache(tmp_path: Path, hub: FakeHub) -> None:
    """Without a cache, config.json comes from the Hub into the cache; offline then works."""
    data = counted(paramcalc(tmp_path, "count", REPO_ID, "-f", "json", endpoint=hub.endpoint))
    assert data["name"] == REPO_ID and data["total"] == TINY_TOTAL
    assert {r["path"] for r in hub.requests} == {f"/{REPO_ID}/resolve/main/config.json"}
    snapshot = tmp_path / "hf" / "hub" / "models--acme--tiny-llama" / "snapshots" / COMMIT
    assert (snapshot / "config.json").is_symlink()
    hub.stop()
    again = counted(paramcalc(tmp_path, "count", REPO_ID, "-f", "json", offline=True))
    assert again == data


def test_a_cached_model_is_read_without_the_network(tmp_path: Path, hub: FakeHub) -> None:
    """The cache comes first: a cached config.json is read without a request, even online."""
    cache_model(tmp_path / "hf", REPO_ID, {"config.json": json.dumps(CONFIG).encode()})
    counted(paramcalc(tmp_path, "count", REPO_ID, "-f", "json", endpoint=hub.endpoint))
    assert hub.requests == []


def test_a_revision_after_at(tmp_path: Path, hub: FakeHub) -> None:
    """`org/name@rev` resolves that revision; an unknown one is one line."""
    hub.repos[REPO_ID].revisions = ("main", "v1.0")
    data = counted(
        paramcalc(tmp_path, "count", f"{REPO_ID}@v1.0", "-f", "json", endpoint=hub.endpoint)
    )
    assert data["total"] == TINY_TOTAL and data["name"] == REPO_ID
    one_error(
        paramcalc(tmp_path, "count", f"{REPO_ID}@nope", endpoint=hub.endpoint),
        f"{REPO_ID}@nope",
        "no such revision",
    )


def test_unknown_repo_is_one_line(tmp_path: Path, hub: FakeHub) -> None:
    """The Hub's 401 RepoNotFound: no such model, or private and no token."""
    one_error(
        paramcalc(tmp_path, "count", "acme/no-such-model", endpoint=hub.endpoint),
        "acme/no-such-model: no such model on the Hub",
        "HF_TOKEN",
    )


def test_a_repo_without_config_json_is_one_line(tmp_path: Path, hub: FakeHub) -> None:
    """EntryNotFound for config.json."""
    hub.repos["acme/weights-only"] = Repository({"README.md": b"# hi"})
    one_error(
        paramcalc(tmp_path, "count", "acme/weights-only", endpoint=hub.endpoint),
        "acme/weights-only: the repository has no config.json",
    )


def test_gated_repo_needs_a_token_and_uses_the_users(tmp_path: Path, hub: FakeHub) -> None:
    """Gated without a token (401) or with one not granted (403): one line; HF_TOKEN opens it."""
    hub.repos[REPO_ID].gated = True
    one_error(
        paramcalc(tmp_path, "count", REPO_ID, endpoint=hub.endpoint),
        "gated model (no token was sent)",
        f"{hub.endpoint}/{REPO_ID}",
        "HF_TOKEN",
    )
    one_error(
        paramcalc(tmp_path, "count", REPO_ID, endpoint=hub.endpoint, token="hf_other"),
        "gated model (your token has no access to it yet)",
    )
    hub.requests.clear()
    data = counted(
        paramcalc(
            tmp_path, "count", REPO_ID, "-f", "json", endpoint=hub.endpoint, token="hf_granted"
        )
    )
    assert data["total"] == TINY_TOTAL
    assert {r["authorization"] for r in hub.requests} == {"Bearer hf_granted"}


def test_no_network_is_one_line_and_quick(tmp_path: Path) -> None:
    """Nothing listens at HF_ENDPOINT: one line at once, not a minute of retries."""
    import socket
    import time

    with socket.socket() as probe:  # a port that was free a moment ago, now closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = time.monotonic()
    one_error(
        paramcalc(tmp_path, "count", REPO_ID, endpoint=f"http://127.0.0.1:{port}"),
        REPO_ID,
        "cannot read config.json from the Hub",
        "not in the Hugging Face cache",
    )
    assert time.monotonic() - start < 20


# -- checkpoints on the Hub: headers by range requests ----------------------------------------


def checkpoint_files(folder: Path, index: bool) -> tuple[dict[str, bytes], dict[str, int]]:
    """A tiny Llama's safetensors files (two shards and an index, or one file), and header sizes."""
    tensors = llama_tensors()
    names = list(tensors)
    shards = (
        {
            "model-00001-of-00002.safetensors": names[::2],
            "model-00002-of-00002.safetensors": names[1::2],
        }
        if index
        else {"model.safetensors": names}
    )
    files: dict[str, bytes] = {"config.json": json.dumps(CONFIG).encode()}
    headers = {}
    folder.mkdir()
    for shard, members in shards.items():
        headers[shard] = write_safetensors(folder / shard, {n: tensors[n] for n in members})
        files[shard] = (folder / shard).read_bytes()
    if index:
        weight_map = {n: s for s, members in shards.items() for n in members}
        files["model.safetensors.index.json"] = json.dumps({"weight_map": weight_map}).encode()
    return files, headers


@pytest.mark.parametrize("index", [True, False])
def test_checkpoint_headers_come_by_range_requests_only(
    tmp_path: Path, hub: FakeHub, index: bool
) -> None:
    """`count org/name --checkpoint` reads each shard's 8 bytes and header, never its data."""
    files, headers = checkpoint_files(tmp_path / "files", index)
    hub.repos[REPO_ID] = Repository(files)
    data = counted(
        paramcalc(tmp_path, "count", REPO_ID, "--checkpoint", "-f", "json", endpoint=hub.endpoint)
    )
    assert data["total"] == TINY_TOTAL and data["name"] == REPO_ID
    assert data["stored"]["bytes_on_disk"] == sum(len(files[s]) for s in headers)
    cdn = [r for r in hub.requests if r["server"] == "cdn"]
    assert cdn and all(r["range"] is not None for r in cdn)  # never a whole file
    for shard, header in headers.items():
        sha = hashlib.sha256(files[shard]).hexdigest()
        ranges = [r["range"] for r in cdn if r["path"] == f"/blob/{sha}"]
        assert ranges == ["bytes=0-7", f"bytes=8-{7 + header}"]
    cached = tmp_path / "hf" / "hub" / "models--acme--tiny-llama" / "snapshots" / COMMIT
    assert not any(cached.glob("*.safetensors"))  # no weights were written to the cache


def test_compare_a_config_with_a_hub_checkpoint(tmp_path: Path, hub: FakeHub) -> None:
    """`compare CONFIG org/name` reads the Hub checkpoint's headers and agrees."""
    files, _ = checkpoint_files(tmp_path / "files", index=True)
    hub.repos[REPO_ID] = Repository(files)
    config = tmp_path / "config.json"
    config.write_text(json.dumps(CONFIG))
    data = counted(
        paramcalc(tmp_path, "compare", str(config), REPO_ID, "-f", "json", endpoint=hub.endpoint)
    )
    assert data["ok"] and data["total"]["checkpoint"] == TINY_TOTAL


def test_a_repo_without_safetensors_is_one_line(tmp_path: Path, hub: FakeHub) -> None:
    """--checkpoint on a repo with neither an index nor model.safetensors says so."""
    one_error(
        paramcalc(tmp_path, "count", REPO_ID, "--checkpoint", endpoint=hub.endpoint),
        f"{REPO_ID}: the repository has no model.safetensors",
        "nor model.safetensors.index.json",
    )


def test_cached_shards_are_read_from_the_cache(tmp_path: Path) -> None:
    """A fully cached checkpoint counts offline, from the cached files' headers."""
    files, _ = checkpoint_files(tmp_path / "files", index=True)
    cache_model(tmp_path / "hf", REPO_ID, files)
    data = counted(
        paramcalc(tmp_path, "count", REPO_ID, "--checkpoint", "-f", "json", offline=True)
    )
    assert data["total"] == TINY_TOTAL and len(data["files"]) == 2


def test_offline_checkpoint_without_cached_shards_is_one_line(tmp_path: Path) -> None:
    """config.json cached, shards not: offline says which file is missing."""
    files, _ = checkpoint_files(tmp_path / "files", index=True)
    del files["model-00002-of-00002.safetensors"]
    cache_model(tmp_path / "hf", REPO_ID, files)
    one_error(
        paramcalc(tmp_path, "count", REPO_ID, "--checkpoint", offline=True),
        "model-00002-of-00002.safetensors is not in the Hugging Face cache",
        "HF_HUB_OFFLINE",
    )


def test_a_hub_checkpoint_quantized_counts_to_the_config(tmp_path: Path, hub: FakeHub) -> None:
    """The config.json's quantization_config comes with the Hub id: GPTQ counts exactly."""
    bits, group = 8, 2  # the tiny Llama is 4 wide: 8-bit values fill whole int32s
    tensors = {n: t for n, t in llama_tensors().items() if "_proj" not in n}
    for name, (_, shape) in llama_tensors().items():
        if "_proj" in name:
            out, inp = shape
            module = name.removesuffix(".weight")
            tensors |= {
                f"{module}.qweight": ("I32", [inp * bits // 32, out]),
                f"{module}.qzeros": ("I32", [inp // group, out * bits // 32]),
                f"{module}.scales": ("F16", [inp // group, out]),
                f"{module}.g_idx": ("I32", [inp]),
            }
    path = tmp_path / "model.safetensors"
    write_safetensors(path, tensors)
    config = {
        **CONFIG,
        "quantization_config": {"quant_method": "gptq", "bits": bits, "group_size": group},
    }
    hub.repos[REPO_ID] = Repository(
        {"config.json": json.dumps(config).encode(), "model.safetensors": path.read_bytes()}
    )
    data = counted(
        paramcalc(tmp_path, "count", REPO_ID, "--checkpoint", "-f", "json", endpoint=hub.endpoint)
    )
    assert data["total"] == TINY_TOTAL and data["quantization"] == "gptq 8-bit"
    assert data["groups"]["embedding"] == V * H
