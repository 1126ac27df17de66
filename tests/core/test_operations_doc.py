"""docs/operations.md works as printed: what a test can check of the runbook.

- the environment file block is sourceable by a shell (`set -a; . file`) and gives the values it
  shows, and with it `manage.py check --deploy --fail-level WARNING` passes;
- every systemd unit with ProtectSystem=strict has PrivateTmp=true and ReadWritePaths that cover
  every file location the documented environment yields;
- nginx's client_max_body_size admits the largest upload the code accepts;
- every `manage.py` command printed exists and accepts the options printed with it;
- documented defaults match the code (map tile attribution).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class
from django.core.management.base import CommandError
from django.test import override_settings

REPO = Path(__file__).resolve().parents[2]
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
DOC = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")


def _block_after(marker: str) -> str:
    start = DOC.index(marker)
    fence = DOC.index("```", start)
    body_start = DOC.index("\n", fence) + 1
    return DOC[body_start : DOC.index("```", body_start)]


def _units() -> dict[str, str]:
    return {m.group(1): _block_after(m.group(0)) for m in re.finditer(r"<!-- unit: (\S+) -->", DOC)}


def _documented_env(tmp_path: Path) -> dict[str, str]:
    env_file = tmp_path / "rathaus.env"
    env_file.write_text(_block_after("<!-- env-file -->"), encoding="utf-8")
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RATHAUS_", "DJANGO_")) and k != "PYTEST_VERSION"
    }
    base.pop("DATABASE_URL", None)
    result = subprocess.run(
        ["bash", "-c", f"set -e; set -a; . {shlex.quote(str(env_file))}; set +a; env -0"],
        env=base,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert not result.stderr, result.stderr.decode()  # no "command not found" from an unquoted value
    pairs = [item.split("=", 1) for item in result.stdout.decode().split("\0") if "=" in item]
    return dict(pairs)


def test_the_environment_file_is_sourceable_and_gives_the_printed_values(tmp_path):
    env = _documented_env(tmp_path)
    assert env["RATHAUS_DEFAULT_FROM_EMAIL"] == "Rathaus <noreply@example.de>"
    assert env["RATHAUS_BEHIND_PROXY"] == "1"
    assert env["DATABASE_URL"].startswith("postgres://rathaus:")
    assert len(env["RATHAUS_SECRET_KEY"]) >= 50
    assert "RATHAUS_ALLOWED_HOSTS" not in env  # section 4: left unset on purpose


def test_the_documented_environment_passes_check_deploy_and_units_cover_every_location(tmp_path):
    env = _documented_env(tmp_path)
    env["PYTHONPATH"] = str(REPO / "src")
    env["DJANGO_SETTINGS_MODULE"] = "rathaus.settings"
    # the documented folders below /srv do not exist here: the same layout below a temporary root
    env["RATHAUS_DATA_DIR"] = str(tmp_path / "srv" / "rathaus" / "data")
    env["RATHAUS_STATIC_ROOT"] = str(tmp_path / "srv" / "rathaus" / "static")
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    code = (
        "import django, json; django.setup(); from rathaus.core.backup import services; "
        "from django.conf import settings as s; "
        "print(json.dumps({'locations': {k: str(v) for k, v in services.locations().items()}, "
        "'hosts': s.ALLOWED_HOSTS, 'proxy': s.SECURE_PROXY_SSL_HEADER}))"
    )
    probe = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    facts = json.loads(probe.stdout.strip().splitlines()[-1])
    assert facts["hosts"] == ["*"] and facts["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    data_dir = str(tmp_path / "srv" / "rathaus" / "data")
    for name, path in facts["locations"].items():
        assert path.startswith(data_dir + "/"), (name, path)

    units = _units()
    assert {"rathaus-web@.service", "rathaus-worker.service", "rathaus-scheduler.service"} <= set(units)
    for name, unit in units.items():
        lines = {line.split("=", 1)[0]: line.split("=", 1)[1] for line in unit.splitlines() if "=" in line}
        assert lines.get("EnvironmentFile") == "/etc/rathaus/rathaus.env", name
        if lines.get("ProtectSystem") == "strict":
            assert lines.get("PrivateTmp") == "true", name
            assert "ReadWritePaths" in lines, name
        if name != "rathaus-backup.service":
            # every location lies below the documented data folder, which every service may write
            assert lines["ReadWritePaths"].split() == ["/srv/rathaus/data"], name


def test_nginx_admits_the_largest_upload_the_code_accepts():
    from rathaus.fim.engine import MAX_FILE_BYTES
    from rathaus.heritage.media import MAX_UPLOAD_BYTES as HERITAGE
    from rathaus.mobility.services import MAX_UPLOAD_BYTES as GTFS
    from rathaus.opendata.services import MAX_UPLOAD_BYTES as OPENDATA

    match = re.search(r"client_max_body_size (\d+)m;", _block_after("<!-- nginx -->"))
    assert match
    limit = int(match.group(1)) * 1024 * 1024
    attachments = 10 * MAX_FILE_BYTES  # default: at most 10 attachments of 10 MiB per application
    largest = max(HERITAGE, GTFS, OPENDATA, attachments)
    assert limit >= largest + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _printed_commands() -> list[tuple[str, list[str]]]:
    blocks = re.findall(r"```[a-z]*\n(.*?)```", DOC, flags=re.S)  # commands as printed, not prose
    text = "\n".join(blocks).replace("\\\n", " ")
    found = []
    for match in re.finditer(r"manage\.py ([^\n`|&;]+)", text):
        line = match.group(1)
        line = re.sub(r"\$\$?\([^)]*\)", "X", line)  # $(date …) in shell and unit lines
        line = line.split(" #", 1)[0].strip()
        line = re.sub(r"<[^>]*>", "value", line)  # a placeholder stands for one value
        if line.count("'") % 2:  # the end of an sh -c '…' string
            line = line.rsplit("'", 1)[0]
        words = shlex.split(line)
        if not words or not re.fullmatch(r"[a-z_0-9]+", words[0]):
            continue
        found.append((words[0], words[1:]))
    return found


def test_every_printed_manage_py_command_exists_and_accepts_its_options():
    commands = get_commands()
    printed = _printed_commands()
    names = {name for name, _args in printed}
    assert {
        "backup",
        "restore",
        "check_files",
        "advance_counters",
        "create_municipality",
        "grant_role",
    } <= names
    for name, args in printed:
        assert name in commands, f"manage.py {name} does not exist"
        parser = load_command_class(commands[name], name).create_parser("manage.py", name)
        try:
            with override_settings(TASKS=DB_TASKS):  # production's task backend (run_worker checks it)
                parser.parse_args(args)
        except (CommandError, SystemExit) as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"manage.py {name} {' '.join(args)}: {exc}")


def test_documented_map_tile_attribution_default_matches_the_code():
    config = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    row = next(line for line in config.splitlines() if line.startswith("| `RATHAUS_MAP_TILE_ATTRIBUTION`"))
    documented = row.split("|")[2].strip()
    code_default = (
        settings.MOBILITY_TILE_ATTRIBUTION if "RATHAUS_MAP_TILE_ATTRIBUTION" not in os.environ else None
    )
    assert code_default == ""
    assert documented == "empty"
