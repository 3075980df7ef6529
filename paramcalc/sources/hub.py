"""Models named by their Hugging Face Hub id: from the local cache first, then from the Hub.

`huggingface_hub` does the work (cache layout, `HF_HOME`, `HF_HUB_CACHE`, `HF_HUB_OFFLINE`,
`HF_ENDPOINT`, the user's token) and is imported only here, only when a Hub id is read. Only
`config.json` (and a shard index) is downloaded; a checkpoint's shards are read by their
headers, with two HTTP range requests each, never their weights. Every failure is one
InputError that says what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from paramcalc.errors import InputError
from paramcalc.sources.kinds import HubModel
from paramcalc.sources.safetensors import INDEX_SUFFIX, Checkpoint, StoredTensor

#: `org/name`, optionally `@revision` (huggingface_hub's repo id characters, 96 at most each).
HUB_ID = re.compile(r"(?P<repo>[A-Za-z0-9][\w.-]{0,95}/[\w.-]{1,96})(?:@(?P<revision>[^\s@]+))?")
INDEX_NAME = "model" + INDEX_SUFFIX
SINGLE_NAME = "model.safetensors"


def parse_hub_id(source: str) -> tuple[str, str | None] | None:
    """(repo id, revision) of `org/name[@revision]`, or None when `source` is not of that form."""
    match = HUB_ID.fullmatch(source)
    if not match or "--" in match["repo"] or ".." in match["repo"]:
        return None
    return match["repo"], match["revision"]


def cache_repo_id(path: Path) -> str | None:
    """The repo id of a path in a Hugging Face cache (`models--org--name/snapshots/<commit>/`)."""
    parts = path.absolute().parts
    for folder, below in zip(parts, parts[1:], strict=False):
        if folder.startswith("models--") and below == "snapshots":
            return folder.removeprefix("models--").replace("--", "/")
    return None


def cache_snapshot(folder: Path) -> Path | None:
    """The `refs/main` snapshot of a cache's top folder (`models--org--name`), else None."""
    if not (folder.name.startswith("models--") and (folder / "snapshots").is_dir()):
        return None
    ref = folder / "refs" / "main"
    if not ref.is_file():
        raise InputError(
            str(folder), "cache folder has no refs/main; name one of its snapshots/ folders"
        )
    commit = ref.read_text(encoding="utf-8", errors="replace").strip()
    snapshot = folder / "snapshots" / commit
    if Path(commit).name != commit or not snapshot.is_dir():
        raise InputError(
            str(folder), f"refs/main names {commit!r}, which is not a folder under snapshots/"
        )
    return snapshot


def fetch_model(repo_id: str, revision: str | None) -> HubModel:
    """The model's config.json, from the cache or downloaded into it."""
    from paramcalc.sources.files import parse_mapping

    where = f"{repo_id}@{revision}" if revision else repo_id
    config = fetch_file(repo_id, revision, "config.json", where)
    if config is None:
        raise InputError(where, "the repository has no config.json")
    data = parse_mapping(config, f"{where}/config.json")
    return HubModel(repo_id, revision, config.parent.name, config, data)


def cached(repo_id: str, revision: str | None, filename: str) -> Path | Literal[False] | None:
    """The cached file; False when the cache knows the repo lacks it; None when not cached."""
    from huggingface_hub import _CACHED_NO_EXIST, try_to_load_from_cache

    found = try_to_load_from_cache(repo_id, filename, revision=revision)
    if found is _CACHED_NO_EXIST:
        return False
    return Path(found) if isinstance(found, str) else None


def fetch_file(repo_id: str, revision: str | None, filename: str, where: str) -> Path | None:
    """A small file of the repo from the cache, else downloaded (None: the repo has none)."""
    from huggingface_hub import constants, get_hf_file_metadata, hf_hub_download, hf_hub_url
    from huggingface_hub.errors import RemoteEntryNotFoundError
    from huggingface_hub.utils import silent_tqdm

    found = cached(repo_id, revision, filename)
    if found is not None:
        return found or None
    if constants.is_offline_mode():
        raise InputError(
            where,
            f"{filename} is not in the Hugging Face cache "
            f"({constants.HF_HUB_CACHE}) and HF_HUB_OFFLINE is set; fetch it "
            f"once with network access (`hf download {repo_id} {filename}`)"
            ", or unset HF_HUB_OFFLINE",
        )
    with hub_errors(where, filename):
        try:  # one HEAD without retries first: a missing network is said at once
            get_hf_file_metadata(hf_hub_url(repo_id, filename, revision=revision))
        except RemoteEntryNotFoundError:
            return None
        return Path(hf_hub_download(repo_id, filename, revision=revision, tqdm_class=silent_tqdm))


def read_checkpoint(model: HubModel) -> Checkpoint:
    """The model's safetensors checkpoint, read from its shards' headers."""
    from paramcalc.sources.safetensors import assemble, check_weight_map

    names, weight_map = shard_list(model)
    checkpoint = assemble(model.where, [read_shard(model, name) for name in names])
    if weight_map is not None:
        check_weight_map(weight_map, checkpoint)
    return checkpoint


def shard_list(model: HubModel) -> tuple[list[str], dict[str, str] | None]:
    """The shard files of the model's checkpoint, and the index's weight map when it has one."""
    from huggingface_hub import constants

    from paramcalc.sources.safetensors import index_weight_map, shard_names

    if constants.is_offline_mode() and cached(model.repo_id, model.commit, INDEX_NAME) is None:
        if isinstance(cached(model.repo_id, model.commit, SINGLE_NAME), Path):
            return [SINGLE_NAME], None
        raise InputError(
            model.where,
            f"neither {INDEX_NAME} nor {SINGLE_NAME} is in the Hugging "
            "Face cache and HF_HUB_OFFLINE is set; unset it to read "
            "the shards' headers from the Hub",
        )
    index = fetch_file(model.repo_id, model.commit, INDEX_NAME, model.where)
    if index is None:
        return [SINGLE_NAME], None
    weight_map = index_weight_map(index)
    return shard_names(weight_map, f"{model.where}/{INDEX_NAME}"), weight_map


def read_shard(model: HubModel, name: str) -> tuple[str, list[StoredTensor], int]:
    """One shard's header: from the cached file, else by two range requests to the Hub."""
    from huggingface_hub import constants

    from paramcalc.sources.safetensors import read_header

    local = cached(model.repo_id, model.commit, name)
    if isinstance(local, Path):
        return name, read_header(local), local.stat().st_size
    if local is False:
        raise InputError(model.where, f"the repository has no {name}")
    if constants.is_offline_mode():
        raise InputError(
            model.where,
            f"{name} is not in the Hugging Face cache and "
            "HF_HUB_OFFLINE is set; unset it to read its header from "
            "the Hub (a few kB, never the weights)",
        )
    tensors, size = remote_header(model, name)
    return name, tensors, size


def remote_header(model: HubModel, name: str) -> tuple[list[StoredTensor], int]:
    """A shard's header tensors and file size: its first 8 bytes, then the header they size."""
    from huggingface_hub import hf_hub_url
    from huggingface_hub.utils import build_hf_headers

    from paramcalc.sources.safetensors import header_length, parse_header

    url, where = hf_hub_url(model.repo_id, name, revision=model.commit), f"{model.where}/{name}"
    headers = build_hf_headers()  # the user's token, as huggingface_hub finds it
    with hub_errors(model.where, name):
        prefix, size = byte_range(url, headers, 0, 8, where)
        length = header_length(prefix, size, where)
        raw = byte_range(url, headers, 8, length, where)[0] if length else b""
    return parse_header(raw, size - 8 - length, where, name), size


def byte_range(
    url: str, headers: dict[str, str], start: int, count: int, where: str
) -> tuple[bytes, int]:
    """Bytes [start, start + count) of a remote file, and the file's size (from Content-Range)."""
    from huggingface_hub import constants
    from huggingface_hub.utils import get_session, hf_raise_for_status

    wanted = {**headers, "Range": f"bytes={start}-{start + count - 1}"}
    with get_session().stream(
        "GET", url, headers=wanted, timeout=constants.HF_HUB_DOWNLOAD_TIMEOUT
    ) as response:
        if response.status_code >= 400:
            response.read()
            hf_raise_for_status(response)
        total = content_range_total(response.headers.get("Content-Range"))
        if response.status_code != 206 or total is None:
            raise InputError(
                where,
                f"the server did not answer a byte range request (HTTP "
                f"{response.status_code}); paramcalc reads headers only, "
                "never whole weight files",
            )
        data = b""
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) >= count:
                break
    if len(data) < count:
        raise InputError(
            where, f"truncated: asked for bytes {start}-{start + count - 1}, got {len(data)}"
        )
    return data[:count], total


def content_range_total(value: str | None) -> int | None:
    """The full size in `Content-Range: bytes 0-7/12345`."""
    match = re.fullmatch(r"bytes \d+-\d+/(\d+)", (value or "").strip())
    return int(match[1]) if match else None


@contextmanager
def hub_errors(where: str, filename: str) -> Iterator[None]:
    """Turn huggingface_hub's and the network's exceptions into one line that says what to do."""
    import httpx2
    from huggingface_hub import constants
    from huggingface_hub import errors as hf

    endpoint = constants.ENDPOINT
    try:
        yield
    except hf.GatedRepoError as exc:
        status = exc.response.status_code if exc.response is not None else 0
        access = "your token has no access to it yet" if status == 403 else "no token was sent"
        raise InputError(
            where,
            f"gated model ({access}): accept its conditions at "
            f"{endpoint}/{where.partition('@')[0]}, then log in "
            "(`hf auth login`) or set HF_TOKEN",
        ) from None
    except hf.RepositoryNotFoundError:
        raise InputError(
            where,
            f"no such model on the Hub ({endpoint}); if it is private, log "
            "in (`hf auth login`) or set HF_TOKEN",
        ) from None
    except hf.RemoteEntryNotFoundError:
        also = (
            f" (nor {INDEX_NAME}: paramcalc reads safetensors)" if filename == SINGLE_NAME else ""
        )
        raise InputError(where, f"the repository has no {filename}{also}") from None
    except hf.RevisionNotFoundError:
        raise InputError(where, "no such revision on the Hub (a branch, tag or commit)") from None
    except hf.HfHubHTTPError as exc:
        raise InputError(
            where, f"the Hub ({endpoint}) answered {describe_http(exc)} for {filename}"
        ) from None
    except (httpx2.TransportError, hf.LocalEntryNotFoundError, hf.FileMetadataError) as exc:
        raise InputError(
            where,
            f"cannot read {filename} from the Hub at {endpoint} "
            f"({first_line(exc)}) and it is not in the Hugging Face cache; "
            "connect, set HF_ENDPOINT to a mirror, or fetch the file where "
            "there is network (`hf download`)",
        ) from None
    except hf.HFValidationError as exc:
        raise InputError(where, f"not a valid Hub id: {first_line(exc)}") from None


def describe_http(exc: Any) -> str:
    """`HTTP 500` and the Hub's own message, when it sent one."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", "an error")
    message = response.headers.get("X-Error-Message") if response is not None else None
    return f"HTTP {status}" + (f" ({message})" if message else "")


def first_line(exc: BaseException) -> str:
    """An exception's message, one short line."""
    lines = str(exc).strip().splitlines() or [type(exc).__name__]
    return lines[0][:120]
