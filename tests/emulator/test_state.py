"""The state format: dump, load, round trips (property-based), refusals, the HTTP routes and `--seed`."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from emulator_support import CONTROL_TOKEN, Api, GIF_1x1, png_bytes, start_standalone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_sequence_metadata.emulator import IN_PROCESS_URL, Emulator
from pytest_sequence_metadata.emulator.state import FORMAT, StateError

SCHEMA = Path(__file__).resolve().parents[2] / "pytest_sequence_metadata" / "emulator" / "state.schema.json"
ADDRESS = "0x" + "ab" * 20


def populated(api: Api) -> int:
    cid = api.collection(publish=True)
    api.token(cid, "7", description="first", attributes=[{"trait_type": "Level", "value": 3}])
    api.token(cid, "8", private=False)
    api.image(cid, "7")
    api.call("CreateAsset", {"asset": {"collectionId": cid, "metadataField": "audio"}})  # no file yet
    api.call(
        "CreateContractCollection",
        {
            "projectId": 1,
            "contractCollection": {"chainId": 137, "contractAddress": ADDRESS, "collectionId": cid},
        },
    )
    api.collection("Elsewhere", project=2)
    return cid


def test_dump_shows_everything_with_files_as_sizes_and_hashes(api: Api) -> None:
    cid = populated(api)
    dumped = api.control("GET", "state").json()
    jsonschema.validate(dumped, json.loads(SCHEMA.read_text()))
    assert (dumped["format"], dumped["version"]) == (FORMAT, 1)
    assert set(dumped["projects"]) == {"1", "2"}
    [collection] = dumped["projects"]["1"]["collections"]
    assert collection["id"] == cid
    assert collection["private"] is False
    assert collection["metadata"] == {"name": "Harbor Lights", "description": "Lighthouses"}
    assert [(t["tokenId"], t["private"]) for t in collection["tokens"]] == [("7", True), ("8", False)]
    assert collection["tokens"][0]["metadata"]["attributes"] == [{"trait_type": "Level", "value": 3}]
    image, audio = collection["assets"]
    data = png_bytes(3, 2)
    assert image["file"] == {
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "mediaType": "image/png",
    }
    assert (image["tokenId"], image["metadataField"], image["filename"]) == ("7", "image", "image.png")
    assert audio["file"] is None
    assert audio["tokenId"] is None
    [link] = dumped["projects"]["1"]["contractCollections"]
    assert link == {"id": link["id"], "chainId": 137, "contractAddress": ADDRESS, "collectionId": cid}
    # Ids count on across resets (the server's emulator has counted before this test).
    assert dumped["next_ids"] == {
        "collection": cid + 2,
        "asset": audio["id"] + 1,
        "contractCollection": link["id"] + 1,
    }
    with_bytes = api.control("GET", "state", params={"files": "base64"}).json()
    assert (
        base64.b64decode(with_bytes["projects"]["1"]["collections"][0]["assets"][0]["file"]["base64"]) == data
    )
    assert api.client.get("/_emulator/state").status_code == 401
    assert api.control("GET", "state", params={"files": "zip"}).json()["error"] == "InvalidArgument"


def test_post_loads_replacing_state_and_serves_it(api: Api) -> None:
    source = Api(
        Emulator(), httpx.Client(transport=(e := Emulator()).transport(), base_url=IN_PROCESS_URL), "x"
    )
    source.emulator = e
    cid = populated(source)
    full = source.control("GET", "state", params={"files": "base64"}).json()

    api.collection("Will be replaced")
    answer = api.control("POST", "state", json=full)
    assert answer.status_code == 200, answer.text
    assert answer.json()["ok"] is True
    loaded = api.control("GET", "state", params={"files": "base64"}).json()
    # Ids never go back (this emulator may have counted further already): the rest is identical.
    assert all(loaded["next_ids"][name] >= value for name, value in full["next_ids"].items())
    assert {**loaded, "next_ids": None} == {**full, "next_ids": None}
    # What was loaded answers like what was created: the RPCs, the public JSON and the file itself.
    got = api.call("GetToken", {"collectionId": cid, "tokenId": "7"})
    assert got["token"]["description"] == "first"
    assert [a["mimeType"] for a in got["assets"]] == ["image/png"]
    public_file = api.get(f"/projects/1/collections/{cid}/tokens/7/image.png")
    assert public_file.status_code == 404  # token 7 is private
    assert api.get(f"/projects/1/collections/{cid}/tokens/8").status_code == 200
    owner_file = api.get(f"/projects/1/collections/{cid}/tokens/7/asset/image", project=1)
    assert owner_file.content == png_bytes(3, 2)
    # Ids keep counting past the loaded ones.
    assert api.collection("New") == loaded["next_ids"]["collection"] >= cid + 2


def test_restore_in_python_and_ids_past_the_loaded_ones(emulator: Emulator) -> None:
    emulator.restore(
        {
            "format": FORMAT,
            "version": 1,
            "projects": {
                "4": {
                    "collections": [
                        {
                            "id": 50,
                            "metadata": {"name": "Hand written", "description": "", "image": ""},
                            "tokens": [{"tokenId": "007", "metadata": {"name": "Seven", "image": ""}}],
                            "assets": [
                                {
                                    "id": 9,
                                    "tokenId": "7",
                                    "metadataField": "image",
                                    "file": {"base64": base64.b64encode(GIF_1x1).decode()},
                                }
                            ],
                        }
                    ]
                }
            },
        }
    )
    dumped = emulator.snapshot(files="hash")
    [col] = dumped["projects"]["4"]["collections"]
    assert col["metadata"] == {"name": "Hand written", "description": ""}  # normalised as the API does
    assert col["private"] is True
    assert col["tokens"][0]["tokenId"] == "7"
    assert col["assets"][0]["file"]["mediaType"] == "image/gif"  # read from the bytes
    assert dumped["next_ids"] == {"collection": 51, "asset": 10, "contractCollection": 1}
    with emulator.client(4) as client:
        made = client.post(
            "/rpc/Collections/CreateCollection", json={"collection": {"metadata": {"name": "n"}}}
        )
        assert made.json()["collection"]["id"] == 51


def _base() -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": 1,
        "projects": {
            "1": {
                "collections": [
                    {
                        "id": 1,
                        "metadata": {"name": "A"},
                        "tokens": [{"tokenId": "1"}],
                        "assets": [
                            {
                                "id": 1,
                                "tokenId": "1",
                                "metadataField": "image",
                                "file": {"base64": base64.b64encode(GIF_1x1).decode()},
                            }
                        ],
                    }
                ]
            }
        },
    }


def _broken(change: str) -> dict[str, Any]:
    doc = _base()
    col = doc["projects"]["1"]["collections"][0]
    if change == "format":
        doc["format"] = "something/else"
    elif change == "version":
        doc["version"] = 2
    elif change == "name":
        col["metadata"]["name"] = ""
    elif change == "token":
        col["tokens"].append({"tokenId": "01"})
    elif change == "asset-token":
        col["assets"][0]["tokenId"] = "2"
    elif change == "hash-only":
        col["assets"][0]["file"] = {"size": 5, "sha256": "0" * 64, "mediaType": "image/gif"}
    elif change == "sha":
        col["assets"][0]["file"]["sha256"] = "0" * 64
    elif change == "base64":
        col["assets"][0]["file"]["base64"] = "not base64!"
    elif change == "path":
        col["assets"][0]["file"] = {"path": "/etc/passwd"}
    elif change == "link":
        doc["projects"]["1"]["contractCollections"] = [
            {"id": 1, "chainId": 1, "contractAddress": ADDRESS, "collectionId": 2}
        ]
    elif change == "extra":
        col["colour"] = "red"
    return doc


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("format", "'pytest-sequence-metadata/state' was expected"),
        ("version", "state version 2 is not supported"),
        ("name", "projects.1.collections[0].metadata: collection.metadata.name is required"),
        ("token", "projects.1.collections[0].tokens[1].tokenId: token 1 appears twice"),
        ("asset-token", "projects.1.collections[0].assets[0].tokenId: collection 1 has no token 2"),
        ("hash-only", "projects.1.collections[0].assets[0].file: only the file's hash is given"),
        ("sha", "the bytes do not match the sha256 given"),
        ("base64", "assets[0].file.base64 is not valid base64"),
        ("path", "file paths are read only from a seed file"),
        ("link", "contractCollections[0].collectionId: project 1 has no collection 2"),
        ("extra", "'colour' was unexpected"),
    ],
)
def test_a_bad_document_is_refused_naming_the_problem(api: Api, change: str, message: str) -> None:
    cid = api.collection("Kept")
    answer = api.control("POST", "state", json=_broken(change))
    assert answer.status_code == 400
    assert answer.json()["error"] == "InvalidArgument"
    assert message in answer.json()["cause"]
    assert api.call("GetCollection", {"collectionId": cid})["collection"]["metadata"]["name"] == "Kept"


def test_not_json_and_not_an_object(api: Api) -> None:
    assert api.control("POST", "state", content=b"{").json()["error"] == "WebrpcBadRequest"
    assert "state $" in api.control("POST", "state", json=[1]).json()["cause"]
    with pytest.raises(StateError, match="only the file's hash"):
        api.emulator.restore(api.emulator.snapshot(files="hash") | _broken("hash-only"))


def test_a_hash_only_dump_restores_all_but_refuses_its_files(emulator: Emulator) -> None:
    empty = emulator.snapshot(files="hash")
    Emulator().restore(empty)  # no files: a hash-only dump is a full copy
    with emulator.client(1) as client:
        cid = client.post(
            "/rpc/Collections/CreateCollection", json={"collection": {"metadata": {"name": "c"}}}
        )
        collection_id = cid.json()["collection"]["id"]
        token = {"collectionId": collection_id, "token": {"tokenId": "1", "name": "t"}}
        assert client.post("/rpc/Collections/CreateToken", json=token).status_code == 200
        upload = f"/projects/1/collections/{collection_id}/tokens/1/upload/image"
        assert client.put(upload, files={"file": ("f", GIF_1x1)}).status_code == 200
    with pytest.raises(StateError, match=r"assets\[0\].file: only the file's hash is given.*files=base64"):
        Emulator().restore(emulator.snapshot(files="hash"))


def test_seed_file_json_or_yaml_with_paths(tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "badge.png").write_bytes(png_bytes(4, 4))
    seed = {
        "format": FORMAT,
        "version": 1,
        "projects": {
            "1": {
                "collections": [
                    {
                        "id": 3,
                        "metadata": {"name": "Seeded <b>"},
                        "private": False,
                        "createdAt": "2026-01-02T03:04:05Z",
                        "tokens": [
                            {
                                "tokenId": "1",
                                "metadata": {"name": "Badge"},
                                "private": False,
                                "updatedAt": "2026-01-02T03:04:05.5Z",
                            }
                        ],
                        "assets": [
                            {
                                "id": 1,
                                "tokenId": "1",
                                "metadataField": "image",
                                "file": {"path": "media/badge.png"},
                                "updatedAt": "2026-01-02T03:04:06Z",
                            }
                        ],
                    }
                ]
            }
        },
    }
    (tmp_path / "seed.yaml").write_text(yaml.safe_dump(seed))
    secret = "seed-secret-0123456789abcdef-0123456789"
    with start_standalone(secret, "--seed", str(tmp_path / "seed.yaml")) as (_, url):
        got = httpx.get(f"{url}/projects/1/collections/3/tokens/1/image.png")
        assert got.status_code == 200
        assert got.content == png_bytes(4, 4)
        dumped = httpx.get(
            f"{url}/_emulator/state", headers={"X-Emulator-Control-Token": CONTROL_TOKEN}
        ).json()
        [col] = dumped["projects"]["1"]["collections"]
        assert col["metadata"]["name"] == "Seeded <b>"
        assert col["updatedAt"] == col["createdAt"] == "2026-01-02T03:04:05Z"  # updatedAt defaults to it
    # The same from Python, from a JSON file.
    (tmp_path / "seed.json").write_text(json.dumps(seed))
    emulator = Emulator()
    emulator.restore(tmp_path / "seed.json")
    assert emulator.snapshot(files="hash") == dumped


def test_a_bad_seed_is_one_line_and_exit_1(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "seed.json").write_text(
        '{"format": "pytest-sequence-metadata/state", "version": 1, "projects": 3}'
    )
    command = [sys.executable, "-m", "pytest_sequence_metadata.emulator", "serve", "--port", "0"]
    done = subprocess.run(
        [*command, "--seed", str(tmp_path / "seed.json")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0
    assert "--seed" in done.stderr
    assert "state $.projects: 3 is not of type 'object'" in done.stderr
    (tmp_path / "bad.yaml").write_text("a: [")
    done = subprocess.run(
        [*command, "--seed", str(tmp_path / "bad.yaml")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "neither JSON nor YAML" in done.stderr


def test_the_schema_is_a_valid_json_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validators.validator_for(schema).check_schema(schema)


# --- the round trip, over random state built through the API --------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_names = _text.filter(
    lambda s: (
        s.strip() != ""
        and s.strip(
            "\u0085\u00a0\u1680\u2000\u2001\u2002\u2003"
            "\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
            "\u2028\u2029\u202f\u205f\u3000"
        )
        != ""
    )
)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=6,
)
_step = st.one_of(
    st.tuples(
        st.just("collection"), st.integers(1, 3), _names, _text, st.dictionaries(_text, _json, max_size=2)
    ),
    st.tuples(
        st.just("token"),
        st.integers(0, 5),
        st.integers(0, 10**30),
        _text,
        st.booleans(),
        st.lists(st.dictionaries(_text, _json, max_size=2), max_size=2),
    ),
    st.tuples(st.just("upload"), st.integers(0, 5), st.integers(0, 3), st.sampled_from(["image", "audio"])),
    st.tuples(st.just("publish"), st.integers(0, 5), st.booleans()),
    st.tuples(st.just("link"), st.integers(0, 5), st.integers(1, 10**6), st.binary(min_size=20, max_size=20)),
    st.tuples(st.just("update"), st.integers(0, 5), st.integers(0, 3), _text),
    st.tuples(st.just("delete"), st.integers(0, 5), st.integers(0, 3)),
    st.tuples(st.just("asset"), st.integers(0, 5), st.sampled_from(["video", "animation_url"])),
)


def _build(emulator: Emulator, steps: list[tuple[Any, ...]]) -> None:
    """Apply random steps through the API (refused ones are just refused: that is state too)."""
    collections: list[tuple[int, int]] = []  # (project, id)
    tokens: dict[int, list[str]] = {}
    clients = {project: emulator.client(project) for project in (1, 2, 3)}

    def rpc(project: int, method: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = clients[project].post(f"/rpc/Collections/{method}", json=body)
        return answer.json() if answer.status_code == 200 else {}

    for step in steps:
        kind = step[0]
        if kind == "collection":
            _, project, name, description, properties = step
            made = rpc(
                project,
                "CreateCollection",
                {
                    "collection": {
                        "metadata": {"name": name, "description": description, "properties": properties}
                    }
                },
            )
            if made:
                collections.append((project, made["collection"]["id"]))
            continue
        if not collections:
            continue
        project, cid = collections[step[1] % len(collections)]
        owned = tokens.setdefault(cid, [])
        if kind == "token":
            _, _, tid, name, private, attributes = step
            body = {
                "collectionId": cid,
                "token": {"tokenId": str(tid), "name": name, "attributes": attributes},
            }
            if rpc(project, "CreateToken", {**body, "private": private}):
                owned.append(str(tid))
        elif kind == "upload" and owned:
            data = png_bytes(1 + step[2], 2) if step[3] == "image" else GIF_1x1
            path = (
                f"/projects/{project}/collections/{cid}/tokens/{owned[step[2] % len(owned)]}/upload/{step[3]}"
            )
            clients[project].put(path, files={"file": ("f", data)})
        elif kind == "publish":
            rpc(
                project,
                "PublishCollection" if step[2] else "UnpublishCollection",
                {"collectionId": cid, "recursive": True},
            )
        elif kind == "link":
            rpc(
                project,
                "CreateContractCollection",
                {
                    "projectId": project,
                    "contractCollection": {
                        "chainId": step[2],
                        "contractAddress": "0x" + step[3].hex(),
                        "collectionId": cid,
                    },
                },
            )
        elif kind == "update" and owned:
            rpc(
                project,
                "UpdateToken",
                {
                    "collectionId": cid,
                    "tokenId": owned[step[2] % len(owned)],
                    "token": {"description": step[3]},
                },
            )
        elif kind == "delete" and owned:
            tid = owned.pop(step[2] % len(owned))
            rpc(project, "DeleteToken", {"collectionId": cid, "tokenId": tid})
        elif kind == "asset":
            rpc(project, "CreateAsset", {"asset": {"collectionId": cid, "metadataField": step[2]}})
    for client in clients.values():
        client.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_step, max_size=25))
def test_dump_load_dump_is_identical(steps: list[tuple[Any, ...]]) -> None:
    source = Emulator(validate_requests=False)
    _build(source, steps)
    full = source.snapshot()
    copy_of = Emulator(validate_requests=False)
    copy_of.restore(copy.deepcopy(full))
    assert copy_of.snapshot() == full
    assert copy_of.snapshot(files="hash") == source.snapshot(files="hash")
    # And through JSON text, as over HTTP.
    again = Emulator(validate_requests=False)
    again.restore(json.loads(json.dumps(full)))
    assert again.snapshot() == full


def test_a_state_larger_than_an_rpc_body_loads_over_http(api: Api) -> None:
    data = png_bytes(8, 8) + bytes(range(256)) * 6000  # 1.5 MB: over the 1 MiB of an RPC or control body
    document = _base()
    document["projects"]["1"]["collections"][0]["assets"][0]["file"] = {
        "base64": base64.b64encode(data).decode()
    }
    answer = api.control("POST", "state", json=document)
    assert answer.status_code == 200, answer.text
    dumped = api.control("GET", "state").json()
    assert dumped["projects"]["1"]["collections"][0]["assets"][0]["file"]["size"] == len(data)
