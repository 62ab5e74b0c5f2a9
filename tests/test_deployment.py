"""The deployment files keep their promises: Dockerfile, compose.yaml, Caddyfile, the wheel."""

from __future__ import annotations

import fnmatch
import http.server
import json
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"
VENV = "/opt/venv"
BASE_IMAGE = "python:3.11-slim"
WORKERS = {"worker1", "worker2"}
PIP = [sys.executable, "-m", "pip"]
OFFLINE = ["-q", "--no-deps", "--no-index"]
"""pip builds and installs the project alone, from here, with the build tools installed."""
SECRET_KEYS = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "POSTGRES_PASSWORD", "DATABASE_URL")
TOKEN_SHAPE = re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b")
"""What a real bot token looks like; none may be written in the deployment files."""


# ---------------------------------------------------------------- a small Dockerfile parser


@dataclass
class Instruction:
    keyword: str
    text: str

    def flags(self) -> dict[str, str]:
        """`--from=build --chown=x` -> {"from": "build", "chown": "x"}."""
        return dict(
            word[2:].split("=", 1) for word in shlex.split(self.text) if word.startswith("--")
        )

    def words(self) -> list[str]:
        """The arguments without the `--flags`, in exec (JSON) form or shell form."""
        if self.text.startswith("["):
            return list(json.loads(self.text))
        return [word for word in shlex.split(self.text) if not word.startswith("--")]


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction:
        found = self.all(keyword)
        assert found, f"the stage FROM {self.image} has no {keyword}"
        return found[-1]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for word in shlex.split(instruction.text):
                key, _, value = word.partition("=")
                values[key] = value
        return values


def parse_dockerfile(text: str) -> list[Stage]:
    """Stages in order, each with its instructions (continuation lines joined, comments out)."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            words = rest.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        else:
            assert stages, f"{keyword} before the first FROM"
            stages[-1].instructions.append(Instruction(keyword, rest))
    return stages


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


def packages() -> list[str]:
    """The top-level packages pyproject.toml ships."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return sorted({name.split(".")[0] for name in config["tool"]["setuptools"]["packages"]})


def package_files() -> list[str]:
    """Every file of the shipped packages in this tree (not bytecode), relative to the root."""
    found = []
    for package in packages():
        for path in sorted((ROOT / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                found.append(path.relative_to(ROOT).as_posix())
    return found


def build_copies(stage: Stage) -> list[str]:
    """What a stage copies from the build context (sources, as written)."""
    copied = []
    for instruction in stage.all("COPY") + stage.all("ADD"):
        if "from" not in instruction.flags():
            copied += [source.rstrip("/").removeprefix("./") for source in instruction.words()[:-1]]
    return copied


def test_the_dockerfile_has_a_build_stage_and_a_final_stage_on_the_same_python(
    stages: list[Stage],
) -> None:
    assert len(stages) == 2
    build, final = stages
    assert final.image == BASE_IMAGE
    # The virtual environment's `python` links to the base image's interpreter.
    assert build.image == BASE_IMAGE and build.name


def test_the_build_stage_installs_every_folder_the_package_needs(stages: list[Stage]) -> None:
    build = stages[0]
    copied = build_copies(build)
    assert set(copied) >= {"pyproject.toml", "README.md", *packages()}
    installs = " ".join(i.text for i in build.all("RUN"))
    assert f"python -m venv {VENV}" in installs
    assert re.search(rf"{VENV}/bin/pip install [^&]*'\.\[postgres\]'", installs), installs


def test_the_final_stage_holds_the_venv_only_and_runs_as_no_root(stages: list[Stage]) -> None:
    build, final = stages
    copies = final.all("COPY")
    assert [(c.flags().get("from"), c.words()) for c in copies] == [(build.name, [VENV, VENV])]
    assert not final.all("ADD")
    for run in final.all("RUN"):  # creating the user and /data; nothing installed
        assert not re.search(r"\b(pip|apt-get|apt|gcc|cc|make|build-essential)\b", run.text), run
    user = final.last("USER").words()[0].split(":")[0]
    assert user not in {"root", "0"}
    assert user == "10001"
    assert re.search(r"useradd [^&]*--uid 10001", " ".join(r.text for r in final.all("RUN")))
    # Nothing after USER switches back, and every instruction that runs the bot comes after.
    keywords = [i.keyword for i in final.instructions]
    assert keywords.index("USER") < keywords.index("ENTRYPOINT")
    assert final.env()["PATH"].startswith(f"{VENV}/bin:")


def test_the_final_stage_starts_the_bot_polling_on_sqlite_in_data(stages: list[Stage]) -> None:
    final = stages[-1]
    assert final.last("ENTRYPOINT").words() == ["sse-facilitator"]
    assert final.last("CMD").words() == ["run"]
    assert final.last("VOLUME").words() == ["/data"]
    assert final.env()["DATABASE_URL"] == "sqlite+aiosqlite:////data/sse-facilitator.db"
    assert final.last("EXPOSE").words() == ["8080"]


def exposed_port(stages: list[Stage]) -> str:
    return stages[-1].last("EXPOSE").words()[0]


# ---------------------------------------------------------------- .dockerignore


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether Docker leaves `path` out of the build context (the last matching pattern wins;
    a pattern also covers what is under a matched folder; `**/` matches zero or more folders)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw.removeprefix("!").strip("/")
        variants = [pattern]
        while variants[-1].startswith("**/"):
            variants.append(variants[-1][3:])
        for candidate in prefixes:
            if any(
                fnmatch.fnmatchcase(candidate, v) and candidate.count("/") >= v.count("/")
                for v in variants
            ):
                ignored = not negate
    return ignored


def test_the_dockerignore_leaves_out_the_clutter_and_keeps_what_is_built() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for clutter in [
        ".venv/bin/python",
        ".git/HEAD",
        "tests/conftest.py",
        "bench/journey.py",
        "bot/__pycache__/cli.cpython-311.pyc",
        "__pycache__/x.pyc",
        "sse-facilitator.db",
        "data/old/sse-facilitator.db",
        ".env",
    ]:
        assert dockerignored(clutter, patterns), clutter
    for needed in ["pyproject.toml", "README.md", *package_files()]:
        assert not dockerignored(needed, patterns), needed


# ---------------------------------------------------------------- compose.yaml and Caddy


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def references(value: Any, name: str) -> bool:
    """Whether a compose value is exactly the variable `name` from .env (with a default or a
    message when missing), not a literal."""
    pattern = rf"\$\{{{name}(:?[-?][^}}]*)?\}}"
    return isinstance(value, str) and re.fullmatch(pattern, value) is not None


def test_two_workers_serve_webhooks_on_the_port_the_image_exposes(
    compose: dict[str, Any], stages: list[Stage]
) -> None:
    services = compose["services"]
    serving = {name for name, s in services.items() if (s.get("command") or [None])[0] == "serve"}
    assert serving == WORKERS
    image = services["migrate"]["image"]
    for name in WORKERS:
        worker = services[name]
        command = worker["command"]
        assert option(command, "--host") == "0.0.0.0"
        assert option(command, "--port") == exposed_port(stages)
        assert references(option(command, "--webhook-url"), "WEBHOOK_URL")
        assert worker["image"] == image and worker["build"] == "."
        assert worker["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert worker["restart"] == "unless-stopped"
        assert "ports" not in worker  # reached through the proxy only


def test_the_migration_runs_once_after_postgres_is_healthy(compose: dict[str, Any]) -> None:
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert migrate["build"] == "."
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:15"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert "ports" not in postgres  # not reachable from outside


def test_no_secret_is_written_in_compose_or_caddy(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in WORKERS:
        environment = services[name]["environment"]
        for key in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "DATABASE_URL"):
            assert references(environment[key], key), (name, key, environment[key])
    assert references(services["migrate"]["environment"]["DATABASE_URL"], "DATABASE_URL")
    assert references(services["postgres"]["environment"]["POSTGRES_PASSWORD"], "POSTGRES_PASSWORD")
    assert "TELEGRAM_BOT_TOKEN" not in services["postgres"]["environment"]
    for service in services.values():
        for key, value in (service.get("environment") or {}).items():
            if any(secret in key for secret in SECRET_KEYS):
                assert references(value, key), (key, value)
    for path in (COMPOSE, CADDYFILE, DOCKERFILE):
        text = path.read_text(encoding="utf-8")
        assert not TOKEN_SHAPE.search(text), path
        assert not re.search(r"://[^/\s:@]+:[^/\s@$]+@", text), path  # a password in a URL


def worker_healthcheck(compose: dict[str, Any]) -> list[str]:
    checks = {repr(compose["services"][name]["healthcheck"]["test"]) for name in WORKERS}
    assert len(checks) == 1
    test = compose["services"]["worker1"]["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1] == "python"  # no curl in the slim image
    return test[1:]


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        code = type(self).status if self.path == "/healthz" else 404
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b"ok" if code == 200 else b"no")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[tuple[int, type[_Health]]]:
    handler = type("Health", (_Health,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], handler
    server.shutdown()
    server.server_close()


def test_the_worker_healthcheck_passes_on_200_and_fails_otherwise(
    compose: dict[str, Any], stages: list[Stage], health_server: tuple[int, type[_Health]]
) -> None:
    check = worker_healthcheck(compose)
    code = check[-1]
    assert f"http://127.0.0.1:{exposed_port(stages)}/healthz" in code
    port, handler = health_server

    def run_check(at: int) -> int:
        argv = [sys.executable, *check[1:-1], code.replace(f":{exposed_port(stages)}/", f":{at}/")]
        return subprocess.run(argv, capture_output=True, timeout=20).returncode

    assert run_check(port) == 0
    handler.status = 503  # the worker's database does not answer
    assert run_check(port) != 0
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed = unused.getsockname()[1]
    assert run_check(closed) != 0  # the worker is not listening


def caddy_upstreams(text: str) -> tuple[str, list[str], list[str]]:
    """The site address, the reverse_proxy upstreams, and the lines of its block."""
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    site = lines[0].removesuffix("{").strip()
    start = next(i for i, line in enumerate(lines) if line.startswith("reverse_proxy "))
    upstreams = lines[start].removeprefix("reverse_proxy").removesuffix("{").split()
    block = []
    for line in lines[start + 1 :]:
        if line == "}":
            break
        block.append(line)
    return site, upstreams, block


def test_caddy_serves_the_domain_and_balances_exactly_the_workers(
    compose: dict[str, Any], stages: list[Stage]
) -> None:
    site, upstreams, block = caddy_upstreams(CADDYFILE.read_text(encoding="utf-8"))
    assert site == "{$DOMAIN}"  # automatic HTTPS for that name
    assert sorted(upstreams) == sorted(f"{w}:{exposed_port(stages)}" for w in WORKERS)
    assert "lb_policy random" in block
    assert "health_uri /healthz" in block
    proxy = compose["services"]["proxy"]
    assert proxy["image"] == "caddy:2"
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert references(proxy["environment"]["DOMAIN"], "DOMAIN")
    assert "443:443" in proxy["ports"]  # Telegram posts to 443, 80, 88 or 8443 only
    assert any(v.endswith(":/data") for v in proxy["volumes"])  # certificates are kept


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def test_env_example_names_every_variable_and_fits_together() -> None:
    used = set(re.findall(r"\$\{(\w+)", COMPOSE.read_text(encoding="utf-8")))
    used |= set(re.findall(r"\{\$(\w+)\}", CADDYFILE.read_text(encoding="utf-8")))
    values = env_example()
    assert set(values) == used
    url = urlsplit(values["DATABASE_URL"])
    assert url.scheme == "postgresql+asyncpg"
    assert (url.username, url.password) == (values["POSTGRES_USER"], values["POSTGRES_PASSWORD"])
    assert url.hostname == "postgres" and url.path == f"/{values['POSTGRES_DB']}"
    webhook = urlsplit(values["WEBHOOK_URL"])
    assert webhook.scheme == "https" and webhook.hostname == values["DOMAIN"]
    assert webhook.port is None  # 443, where Caddy listens
    for key in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "POSTGRES_PASSWORD"):
        assert "CHANGE-ME" in values[key]  # a placeholder, never a real value
    assert not TOKEN_SHAPE.search(ENV_EXAMPLE.read_text(encoding="utf-8"))
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


# ---------------------------------------------------------------- the package, as built


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory, stages: list[Stage]) -> Path:
    """A wheel built from exactly what the Dockerfile's build stage copies."""
    source = tmp_path_factory.mktemp("context")
    for copied in build_copies(stages[0]):
        path = ROOT / copied
        if path.is_dir():
            shutil.copytree(path, source / copied, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, source / copied)
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [*PIP, "wheel", *OFFLINE, "--no-build-isolation", str(source), "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (found,) = out.glob("sse_facilitator-*.whl")
    return found


def test_the_wheel_holds_every_file_of_the_packages(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = [path for path in package_files() if path not in names]
    assert not missing
    # What the bot reads at run time besides code, named so a lost rule shows plainly.
    for path in [
        "locales/es/LC_MESSAGES/messages.po",
        "locales/fr/LC_MESSAGES/messages.po",
        "dialogs/flows/legal.yaml",
        "storage/migrations/env.py",
        "storage/migrations/script.py.mako",
        "storage/migrations/versions/0001_initial_schema.py",
        "bot/sandbox/page.html",
        "bot/sandbox/bot_api_subset.json",
    ]:
        assert path in names


INSTALLED_CHECK = """
import asyncio, json, sys
import bot, dialogs, locales, storage
from bot.cli import main
from bot.texts import JOIN_HOW
from dialogs.i18n import available_languages, translator
from dialogs.loader import load_flows
from storage import db
assert main(["db", "upgrade"]) == 0
engine = db.create_engine(sys.argv[1])
current = asyncio.run(db.schema_is_current(engine))
asyncio.run(engine.dispose())
print(json.dumps({
    "files": [m.__file__ for m in (bot, dialogs, locales, storage)],
    "languages": list(available_languages()),
    "translated": [translator(lang).gettext(JOIN_HOW) != JOIN_HOW for lang in ("es", "fr")],
    "flows": len(load_flows()),
    "current": current,
}))
"""


def test_the_installed_wheel_finds_its_catalogs_flows_and_migrations(
    wheel: Path, tmp_path: Path
) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [*PIP, "install", *OFFLINE, "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    url = f"sqlite+aiosqlite:///{tmp_path / 'installed.db'}"
    ran = subprocess.run(
        [sys.executable, "-c", INSTALLED_CHECK, url],
        cwd=tmp_path,  # not this tree: the installed copy must be the one imported
        env={"PYTHONPATH": str(target), "DATABASE_URL": url, "HOME": str(tmp_path)}
        | {"PATH": "/usr/bin:/bin", "MPLCONFIGDIR": str(tmp_path / "matplotlib")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    found = json.loads(ran.stdout.strip().splitlines()[-1])
    assert all(path.startswith(str(target)) for path in found["files"]), found["files"]
    assert found["languages"] == ["en", "es", "fr"]
    assert found["translated"] == [True, True]
    assert found["flows"] == len(list((ROOT / "dialogs" / "flows").glob("*.yaml")))
    assert found["current"] is True


# ---------------------------------------------------------------- with a Docker engine


def docker_engine() -> str | None:
    """Why the image cannot be built here, or None when a Docker engine answers."""
    if shutil.which("docker") is None:
        return "no docker client"
    try:
        info = subprocess.run(["docker", "info"], capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        return "`docker info` did not answer"
    if info.returncode != 0:
        return "no Docker engine (`docker info` failed); the Dockerfile is checked by parsing"
    return None


def test_the_image_builds_and_runs_as_no_root(tmp_path: Path) -> None:
    reason = docker_engine()
    if reason:
        pytest.skip(reason)
    tag = f"sse-facilitator:test-{tmp_path.name.lower()}"
    subprocess.run(["docker", "build", "-q", "-t", tag, str(ROOT)], check=True, timeout=1800)
    try:
        helped = subprocess.run(
            ["docker", "run", "--rm", tag, "--help"], capture_output=True, text=True, timeout=120
        )
        assert helped.returncode == 0 and "sse-facilitator" in helped.stdout
        uid = subprocess.run(
            ["docker", "run", "--rm", "--entrypoint", "id", tag, "-u"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert uid.stdout.strip() not in {"", "0"}
        flows = subprocess.run(
            ["docker", "run", "--rm", tag, "flows", "check"], capture_output=True, timeout=120
        )
        assert flows.returncode == 0  # the flows are inside the image
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)
