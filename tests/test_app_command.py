"""The `borrowed-time app` command's argument checks and its offline-asset helpers (no server started)."""

from __future__ import annotations

import socket

from model.cli import main
from viz.assets import ASSET_SPECS, missing_specs


def free_port() -> int:
    """A free loopback port (so the address check passes and the --db check is reached)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_app_rejects_a_bad_port_in_one_line(capsys):
    assert main(["app", "--port", "70000"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--port must be between 1 and 65535" in err


def test_missing_specs_names_every_package_not_in_the_cache(tmp_path):
    assert missing_specs(tmp_path) == list(ASSET_SPECS)
    (tmp_path / "requirejs@2.3.6").mkdir()
    (tmp_path / "requirejs@2.3.6" / "package.json").write_text("{}")
    assert "requirejs@2.3.6" not in missing_specs(tmp_path) and len(missing_specs(tmp_path)) == len(ASSET_SPECS) - 1


def test_app_refuses_a_port_in_use_in_one_line(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"cannot serve on 127.0.0.1:{port}" in err


def test_app_and_workshop_prepare_the_same_offline_cache(monkeypatch, tmp_path):
    """`workshop --prepare-assets` is an alias: both commands run the one preparation step on the one cache."""
    import viz.assets

    monkeypatch.setenv("SOLARA_ASSETS_PROXY_CACHE_DIR", str(tmp_path))
    caches = []
    monkeypatch.setattr(
        viz.assets,
        "prepare_offline_assets",
        lambda cache=None, progress=print: caches.append(cache or viz.assets.asset_cache_dir()),
    )
    assert main(["app", "--prepare-offline"]) == 0
    assert main(["workshop", "--prepare-assets"]) == 0
    assert caches == [tmp_path, tmp_path]


def test_app_rejects_a_workshop_db_in_a_missing_folder_in_one_line(capsys, tmp_path):
    assert main(["app", "--port", str(free_port()), "--db", str(tmp_path / "nope" / "rooms.sqlite3")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--db: folder" in err and "does not exist" in err


def test_app_rejects_a_bad_number_of_runs_in_one_line(capsys):
    assert main(["app", "--port", str(free_port()), "--runs", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--runs" in err and "1 to 64" in err and "\n" not in err
