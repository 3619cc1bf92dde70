"""Settings of a run: read from the command line, the environment and the ini file, with provenance.

Precedence is CLI > environment > ini > default; secrets (JWTs) are never read from ini files.
Every problem becomes a one-line `pytest.UsageError` naming the setting, what is wrong and how to
set it. Of the emulator only its import-light facade is read (the in-process URL), and httpx only to
parse a given URL (guard.py), so the plugin stays cheap to load.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import pytest

from pytest_sequence_metadata.client.redaction import (
    MIN_SHORT_SECRET,
    REDACTED,
    Secret,
    register_short_secret,
)
from pytest_sequence_metadata.emulator import IN_PROCESS_URL
from pytest_sequence_metadata.pytest.guard import PRODUCTION_HOST, BadURL, parse_base_url

EMULATOR_OWNER_PROJECT: Final = 1
EMULATOR_OTHER_PROJECT: Final = 2
PROFILES: Final = ("quick", "nightly")

Source = Literal["CLI", "env", "ini", "JWT claim", "default", "emulator"]


@dataclass(frozen=True, slots=True)
class Option:
    """One setting: its CLI flag, environment variable and ini key (None where it has none), how a given
    value is read (`parse`: one-line usage error naming where it came from) and shown (`render`)."""

    name: str
    flag: str
    env: str | None
    ini: str | None
    help: str
    secret: bool = False
    is_flag: bool = False
    default: str | None = None
    parse: Callable[[Option, Any, Source], Any] | None = None  # None: the text as given
    render: Callable[[Any], str | None] = str  # None: not shown
    attribute: str | None = None  # the `Settings` field, when not `name`

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def field(self) -> str:
        return self.attribute or self.name

    def read(self, value: Any, source: Source) -> Any:
        """The typed value of what was given; None (False for a flag) when nothing was."""
        if self.is_flag:
            return bool(value)
        if value in (None, ""):
            return None
        if self.secret:
            return Secret(value)
        return str(value) if self.parse is None else self.parse(self, value, source)

    def show(self, value: Any, source: Source) -> str | None:
        """The value as the report header prints it (secrets never), None to leave it out."""
        if self.secret:
            return "minted" if source == "emulator" else REDACTED
        return self.render(value)


def _fail(message: str) -> pytest.UsageError:
    return pytest.UsageError(f"pytest-sequence-metadata: {message}")


def _where(option: Option, source: Source) -> str:
    if source == "env" and option.env:
        return f"{option.flag} (from {option.env})"
    if source == "ini" and option.ini:
        return f"{option.flag} (from ini {option.ini})"
    return option.flag


def _positive_int(option: Option, value: str, source: Source) -> int:
    where = _where(option, source)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise _fail(f"{where} must be a positive whole number, got {value!r}") from None
    if number < 1:
        raise _fail(f"{where} must be a positive whole number, got {value!r}")
    return number


def _url(option: Option, url: str, source: Source) -> str:
    try:
        parsed = parse_base_url(url)
    except BadURL as error:
        raise _fail(
            f"{_where(option, source)} must be an http(s) URL such as "
            f"https://dev-metadata.sequence.app, got {display_url(url)!r}"
            + (f" ({error})" if str(error) else "")
        ) from None
    # A password in the URL is a secret like the JWTs: redacted wherever it is printed, alone too.
    if parsed.password is not None and len(parsed.password) < MIN_SHORT_SECRET:
        raise _fail(
            f"{_where(option, source)} has a password shorter than "
            f"{MIN_SHORT_SECRET} characters, too short to be kept out of the output: use a longer one"
        )
    register_short_secret(parsed.password)
    return url.rstrip("/")


def _profile(option: Option, profile: str, source: Source) -> str:
    if profile not in PROFILES:
        raise _fail(f"{_where(option, source)} must be quick or nightly, got {profile!r}")
    return profile


def _rate(option: Option, text: str, source: Source) -> RateLimit:
    rate_limit = parse_rate(text)
    if rate_limit is None:
        raise _fail(f"{_where(option, source)} must look like 5/s, 100/m or 1000/h, got {text!r}")
    return rate_limit


def _age(option: Option, text: str, source: Source) -> int:
    age = parse_age(text)
    if age is None:
        raise _fail(f"{_where(option, source)} must look like 30m, 2h or 1d, got {text!r}")
    return age


def _mutations(option: Option, value: str, source: Source) -> tuple[str, ...]:
    from pytest_sequence_metadata.emulator.mutations import MUTATIONS

    names = _names(value)
    unknown = sorted(set(names) - MUTATIONS.keys())
    if unknown:
        raise _fail(
            f"{_where(option, source)} names unknown mutation(s) {', '.join(unknown)}; "
            f"valid: {', '.join(sorted(MUTATIONS))}"
        )
    return names


def _names(value: Any) -> tuple[str, ...]:
    return tuple(n.strip() for n in str(value or "").split(",") if n.strip())


OPTIONS: Final = (
    Option(
        "url",
        "--sequence-url",
        "SEQUENCE_URL",
        "sequence_url",
        "base URL of a real Metadata API; unset: the embedded emulator",
        parse=_url,
        render=lambda url: display_url(url),
    ),
    Option(
        "jwt",
        "--sequence-jwt",
        "SEQUENCE_JWT",
        None,
        "secret service JWT of the owner project (required with a URL; never read from ini)",
        secret=True,
    ),
    Option(
        "project_id",
        "--sequence-project-id",
        "SEQUENCE_PROJECT_ID",
        "sequence_project_id",
        "owner project id (default: the JWT's 'project' claim)",
        parse=_positive_int,
    ),
    Option(
        "other_jwt",
        "--sequence-other-jwt",
        "SEQUENCE_OTHER_JWT",
        None,
        "JWT of a second project, for isolation checks (never read from ini)",
        secret=True,
    ),
    Option(
        "other_project_id",
        "--sequence-other-project-id",
        "SEQUENCE_OTHER_PROJECT_ID",
        "sequence_other_project_id",
        "second project's id (default: its JWT's claim)",
        parse=_positive_int,
    ),
    Option(
        "access_key",
        "--sequence-access-key",
        "SEQUENCE_ACCESS_KEY",
        None,
        "public project access key (X-Access-Key); the Collections API needs none, but when given it is "
        "redacted from every output like the JWTs (never read from ini)",
        secret=True,
    ),
    Option(
        "allow_production",
        "--sequence-allow-production",
        None,
        None,
        f"permit writes against {PRODUCTION_HOST} (refused otherwise, before any request)",
        is_flag=True,
    ),
    Option(
        "rate_limit",
        "--sequence-rate-limit",
        "SEQUENCE_RATE_LIMIT",
        "sequence_rate_limit",
        "client-side request rate limit for all plugin traffic, e.g. 5/s or 100/m",
        parse=_rate,
        render=lambda rate: rate.text,
    ),
    Option(
        "request_budget",
        "--sequence-request-budget",
        "SEQUENCE_REQUEST_BUDGET",
        "sequence_request_budget",
        "stop the run once it has sent this many requests (default: no limit)",
        parse=_positive_int,
    ),
    Option(
        "profile",
        "--sequence-profile",
        "SEQUENCE_PROFILE",
        "sequence_profile",
        "depth of property-based checks: quick or nightly",
        default="quick",
        parse=_profile,
    ),
    Option(
        "report",
        "--sequence-report",
        None,
        "sequence_report",
        "path of the JSON conformance report (a Markdown summary is written beside it)",
    ),
    Option(
        "sweep",
        "--sequence-sweep",
        None,
        None,
        "before the run, delete tagged test collections left by earlier runs",
        is_flag=True,
    ),
    Option(
        "sweep_age",
        "--sequence-sweep-age",
        "SEQUENCE_SWEEP_AGE",
        "sequence_sweep_age",
        "how old a leftover must be before --sequence-sweep deletes it, e.g. 30m, 2h, 1d",
        default="1h",
        parse=_age,
        render=lambda seconds: f"{seconds}s",
        attribute="sweep_age_seconds",
    ),
    Option(
        "emulator_mutations",
        "--sequence-emulator-mutation",
        "SEQUENCE_EMULATOR_MUTATIONS",
        None,
        "start the embedded emulator with these named injected bugs (comma-separated), to prove the "
        "suite catches them",
        parse=_mutations,
        render=lambda names: ",".join(names) or None,
    ),
    Option(
        "record",
        "--sequence-record",
        None,
        "sequence_record",
        "on a live target: record each test's exchanges, normalised and redacted, one file per test "
        "in this directory",
    ),
    Option(
        "parity",
        "--sequence-parity",
        None,
        "sequence_parity",
        "on the emulator: compare each test's exchanges with the recordings in this directory "
        "(known differences in its parity-known.yaml)",
    ),
)
OPTIONS_BY_NAME: Final = {option.name: option for option in OPTIONS}

_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*$", re.IGNORECASE)
_AGE = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$", re.IGNORECASE)
_UNIT_SECONDS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A client-side request rate: `count` requests per `per_seconds`."""

    count: float
    per_seconds: float
    text: str

    @property
    def interval(self) -> float:
        return self.per_seconds / self.count


@dataclass(frozen=True)
class Settings:
    """The resolved settings of a run, with where each came from."""

    url: str | None
    jwt: Secret | None
    project_id: int | None
    other_jwt: Secret | None
    other_project_id: int | None
    allow_production: bool
    rate_limit: RateLimit | None
    request_budget: int | None
    profile: str
    report: str | None
    sweep: bool
    sweep_age_seconds: int
    access_key: Secret | None = None
    emulator_mutations: tuple[str, ...] = ()
    record: str | None = None
    parity: str | None = None
    sources: dict[str, Source] = field(default_factory=dict)

    @property
    def kind(self) -> Literal["emulator", "live"]:
        return "live" if self.url else "emulator"

    @property
    def base_url(self) -> str:
        return self.url or IN_PROCESS_URL

    @property
    def is_production(self) -> bool:
        # The host as httpx connects to it (guard.py), not as urlsplit reads it.
        return self.url is not None and parse_base_url(self.url).is_production

    def secrets(self) -> list[str]:
        """The secret values of this run: the JWTs given, and a password in the URL."""
        values = [s.reveal() for s in (self.jwt, self.other_jwt, self.access_key) if s is not None]
        password = parse_base_url(self.url).password if self.url else None
        return [*values, password] if password else values

    def describe(self) -> list[str]:
        """`name=value (source)` for every setting that is set, secrets shown as ***."""
        shown = []
        for option in OPTIONS:
            value, source = getattr(self, option.field), self.sources.get(option.name, "default")
            if value in (None, False) and source == "default":
                continue
            text = option.show(value, source)
            if text is not None:
                shown.append(f"{option.name}={text} ({source})")
        return shown


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("sequence-metadata", "Sequence Metadata API (pytest-sequence-metadata)")
    for option in OPTIONS:
        extra = f" [env {option.env}]" if option.env else ""
        if option.is_flag:
            group.addoption(
                option.flag, action="store_true", default=False, dest=option.dest, help=option.help
            )
        else:
            group.addoption(
                option.flag,
                action="store",
                default=None,
                dest=option.dest,
                metavar=option.name.upper(),
                help=option.help + extra,
            )
        if option.ini:
            parser.addini(option.ini, help=option.help, type="string", default="")
        elif option.secret:
            # Registered only to refuse it clearly: unknown, pytest would merely warn, and the run would
            # then stop on a "missing" JWT that the user believes is configured.
            parser.addini(
                option.dest,
                help="never read: secrets come from the CLI or the environment",
                type="string",
                default="",
            )


def display_url(url: str) -> str:
    """`url` without any user:password part, for headers and messages."""
    try:
        parts = urlsplit(url)
    except ValueError:  # unparseable (e.g. a malformed IPv6 host): show nothing of the authority
        return f"{url.split('://', 1)[0]}://..." if "://" in url else "..."
    if "@" in parts.netloc:
        return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()
    if "@" in url:  # userinfo that urlsplit reads differently from httpx (a "/" in the password)
        return f"{parts.scheme}://{url.rsplit('@', 1)[1]}"
    return url


def _raw(config: pytest.Config, option: Option, environ: dict[str, str]) -> tuple[Any, Source]:
    cli = config.getoption(option.dest)
    if option.is_flag:
        return (True, "CLI") if cli else (False, "default")
    if cli not in (None, ""):
        return cli, "CLI"
    if option.env and environ.get(option.env, "") != "":
        return environ[option.env], "env"
    if option.ini:
        ini = config.getini(option.ini)
        if ini not in (None, ""):
            return ini, "ini"
    return option.default, "default"


def _claim(option: Option, token: str, source: Source) -> int | None:
    """The token's `project` claim; the token itself never appears in a message."""
    from pytest_sequence_metadata.client.claims import ClaimError, project_claim

    try:
        return project_claim(token)
    except ClaimError as error:
        raise _fail(f"{_where(option, source)} {error}") from None


def _recordings(raw: dict[str, tuple[Any, Source]], url: str | None) -> tuple[str | None, str | None]:
    """--sequence-record (a live target) and --sequence-parity (the emulator), never both."""
    record = str(raw["record"][0]) if raw["record"][0] else None
    parity = str(raw["parity"][0]) if raw["parity"][0] else None
    where_record = _where(OPTIONS_BY_NAME["record"], raw["record"][1])
    where_parity = _where(OPTIONS_BY_NAME["parity"], raw["parity"][1])
    if record and parity:
        raise _fail(f"{where_record} records a live target and {where_parity} checks the emulator: use one")
    if record and not url:
        raise _fail(
            f"{where_record} records a live target: set --sequence-url (the emulator is not recorded)"
        )
    if parity and url:
        raise _fail(
            f"{where_parity} compares the embedded emulator with a recording, but --sequence-url is set"
        )
    if parity and not os.path.isdir(parity):
        raise _fail(f"{where_parity} names {parity!r}, which is not a directory of recordings")
    return record, parity


def parse_rate(text: str) -> RateLimit | None:
    match = _RATE.match(text)
    if not match:
        return None
    count, unit = float(match.group(1)), match.group(2)[0].lower()
    if count <= 0:
        return None
    return RateLimit(count, float(_UNIT_SECONDS[unit]), f"{match.group(1)}/{unit}")


def parse_age(text: str) -> int | None:
    match = _AGE.match(text)
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()] if match else None


def _refuse_secrets_written_in_ini(config: pytest.Config, raw: dict[str, tuple[Any, Source]]) -> None:
    """A secret whose value is written in the ini file reached us through it (`addopts`, a plugin's
    `env` list, ...): refused like an ini key, whichever way pytest passed it on."""
    path = config.inipath
    if path is None:
        return
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    for option in OPTIONS:
        value = raw[option.name][0]
        if option.secret and value and str(value) in text:
            raise _fail(
                f"{option.flag} is set in {path}, but secrets are never read from ini files: "
                f"pass {option.flag} or set {option.env}"
            )


def resolve(config: pytest.Config, environ: dict[str, str] | None = None) -> Settings:
    """Read every setting, check it, and derive project ids; raises pytest.UsageError on any problem."""
    env = dict(os.environ if environ is None else environ)
    for option in OPTIONS:
        if option.secret and config.getini(option.dest):
            raise _fail(
                f"{option.dest} is set in {config.inipath or 'the ini file'}, but secrets are never read "
                f"from ini files: pass {option.flag} or set {option.env}"
            )
    raw: dict[str, tuple[Any, Source]] = {option.name: _raw(config, option, env) for option in OPTIONS}
    _refuse_secrets_written_in_ini(config, raw)
    sources: dict[str, Source] = {name: source for name, (_value, source) in raw.items()}

    # Each option reads itself (`Option.read`); what follows checks them against each other.
    url = OPTIONS_BY_NAME["url"].read(*raw["url"])
    mutations_given, mutations_source = raw["emulator_mutations"]
    if url and _names(mutations_given):
        where = _where(OPTIONS_BY_NAME["emulator_mutations"], mutations_source)
        raise _fail(f"{where} applies to the embedded emulator only, but --sequence-url is set")
    values = {"url": url} | {o.name: o.read(*raw[o.name]) for o in OPTIONS if o.name != "url"}
    _recordings(raw, url)

    ids: dict[str, int | None] = {}
    secrets: dict[str, Secret | None] = {}
    for who, jwt_name, id_name in (
        ("owner", "jwt", "project_id"),
        ("other", "other_jwt", "other_project_id"),
    ):
        token, token_source = raw[jwt_name]
        given_source = raw[id_name][1]
        project = values[id_name]
        secrets[jwt_name] = values[jwt_name]
        claim = _claim(OPTIONS_BY_NAME[jwt_name], token, token_source) if (token and url) else None
        if project is not None and claim is not None and project != claim:
            raise _fail(
                f"{_where(OPTIONS_BY_NAME[id_name], given_source)} is {project} but the {who} JWT is for "
                f"project {claim}: drop {OPTIONS_BY_NAME[id_name].flag} or use that project's JWT"
            )
        if project is None and claim is not None:
            project, sources[id_name] = claim, "JWT claim"
        ids[id_name] = project

    if url:
        if secrets["jwt"] is None:
            raise _fail(
                "--sequence-url is set but the owner JWT is missing: pass --sequence-jwt or set SEQUENCE_JWT"
            )
        if ids["project_id"] is None:
            raise _fail(
                "no owner project id: pass --sequence-project-id or set SEQUENCE_PROJECT_ID "
                "(the owner JWT has no 'project' claim)"
            )
        if secrets["other_jwt"] is not None and ids["other_project_id"] is None:
            raise _fail(
                "no project id for the second project: pass --sequence-other-project-id or set "
                "SEQUENCE_OTHER_PROJECT_ID (its JWT has no 'project' claim)"
            )
    else:
        # The embedded emulator mints its own tokens for two fixed projects.
        ids = {"project_id": EMULATOR_OWNER_PROJECT, "other_project_id": EMULATOR_OTHER_PROJECT}
        sources["project_id"] = sources["other_project_id"] = "emulator"
        secrets = {"jwt": None, "other_jwt": None}
        sources["jwt"] = sources["other_jwt"] = "emulator"

    if ids["other_project_id"] is not None and ids["other_project_id"] == ids["project_id"]:
        raise _fail(
            f"the second project ({ids['other_project_id']}) is the owner project: isolation checks need "
            "another project's JWT in --sequence-other-jwt / SEQUENCE_OTHER_JWT"
        )

    given = {option.field: values[option.name] for option in OPTIONS}
    given["emulator_mutations"] = given["emulator_mutations"] or ()
    settings = Settings(**{**given, **ids, **secrets, "sources": sources})
    if settings.is_production and not settings.allow_production:
        raise _fail(
            f"--sequence-url points at production ({PRODUCTION_HOST}), where this suite writes; "
            "refusing before any request. Pass --sequence-allow-production to run there anyway"
        )
    return settings
