"""The ``runagents`` command: dev mode, one service, migrations, the bus's users and the platform's keys, analysis,
and the client commands (deploy, logs, login, keys)."""

import argparse
import asyncio
import os
import re
import sys
from datetime import timedelta
from pathlib import Path

DEFAULT_PLATFORM_URL = "http://127.0.0.1:8000"
LISTEN_HELP = "address to listen on (default: %(default)s, this machine only; 0.0.0.0 to accept other machines)"
KEY_HELP = ("The API key sent: $RUNAGENTS_API_KEY, else the one `runagents login` stored for --url, else (a loopback "
            "--url only) dev mode's admin key in --data-dir.")


def platform_options(*, data_dir: bool = True) -> argparse.ArgumentParser:
    """The options of a command that calls the platform's API: its address, and dev mode's data dir."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--url", default=os.environ.get("RUNAGENTS_PLATFORM_URL") or DEFAULT_PLATFORM_URL,
                         help="the platform's address (default: %(default)s, from RUNAGENTS_PLATFORM_URL when set)")
    if data_dir:
        options.add_argument("--data-dir", type=Path, default=None,
                             help="dev mode's data dir, whose admin.key is sent to a loopback --url when no other "
                             "key is given (default: $RUNAGENTS_DATA_DIR, else .runagents)")
    return options


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="runagents", description="RunAgents: run AI agents in production, safely.")
    commands = parser.add_subparsers(dest="command", required=True)

    dev = commands.add_parser("dev", help="run every service in one process (SQLite, in-process bus)")
    dev.add_argument("--host", default="127.0.0.1", help=LISTEN_HELP)
    dev.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    dev.add_argument("--data-dir", type=Path, default=Path(".runagents"))
    dev.add_argument("--no-auth", action="store_true",
                     help="turn authentication off: whoever reaches the address is an admin (local experiments only)")

    serve = commands.add_parser("serve", help="run one service (Postgres + RabbitMQ)")
    serve.add_argument("service")
    serve.add_argument("--host", default="127.0.0.1", help=LISTEN_HELP)
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")

    ingress = commands.add_parser("ingress", help="route one address to the distributed services by path")
    ingress.add_argument("--host", default="127.0.0.1", help=LISTEN_HELP)
    ingress.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")

    migrate = commands.add_parser("migrate", help="bring the services' tables to the newest revision")
    migrate.add_argument("services", nargs="*", help="services to migrate (default: all)")

    setup_bus = commands.add_parser(
        "setup-bus",
        help="create one RabbitMQ user per service, allowed to publish only its own event types",
        description="Creates the vhost of ADMIN_URL if missing and one user per service (<namespace>-<service>) "
        "with the permissions its bus needs and topic permissions that let it publish only the event types it "
        "owns; writes RUNAGENTS_<SERVICE>_AMQP_URL lines. Needs the broker's rabbitmq_management plugin. "
        "Passwords are generated, or derived from $RUNAGENTS_BUS_PASSWORD_SECRET when it is set.",
    )
    setup_bus.add_argument("--admin-url", default=os.environ.get("AMQP_URL"),
                           help="an administrator's AMQP URL, vhost included (default: $AMQP_URL)")
    setup_bus.add_argument("--management-url", help="the management API (default: http://<AMQP host>:15672)")
    setup_bus.add_argument("--namespace", default=os.environ.get("RUNAGENTS_BUS_NAMESPACE", "runagents"),
                           help="the bus namespace, as RUNAGENTS_BUS_NAMESPACE (default: runagents)")
    setup_bus.add_argument("--env-file", type=Path, help="write the URLs there (mode 0600) instead of printing them")

    setup_identity = commands.add_parser(
        "setup-identity",
        help="make the services' keys and an admin key for distributed mode",
        description="Writes RUNAGENTS_SERVICE_KEYS_SECRET (the policy service verifies the services' keys with it), "
        "RUNAGENTS_<SERVICE>_SERVICE_KEY for each service (derived from the secret) and RUNAGENTS_ADMIN_KEY (an "
        "admin key every process accepts). The secret and the admin key are new unless set in the environment.",
    )
    setup_identity.add_argument("--env-file", type=Path,
                                help="write the settings there (mode 0600) instead of printing them")

    analyze = commands.add_parser("analyze", help="analyze a folder or an archive here, with no service running")
    analyze.add_argument("path", type=Path)
    analyze.add_argument("--json", action="store_true", help="print the full report as the API returns it")

    client = platform_options()
    deploy = commands.add_parser("deploy", parents=[client], epilog=KEY_HELP,
                                 help="upload a folder or file, wire the suggestions, deploy (progress bars); an "
                                 "existing name is redeployed")
    target = deploy.add_mutually_exclusive_group(required=True)
    target.add_argument("path", nargs="?", type=Path, help="an agent's folder, a file or an archive")
    target.add_argument("--sample", help="a built-in sample, e.g. hello-world")
    deploy.add_argument("--name", required=True, help="the agent's name (DNS-safe)")

    logs = commands.add_parser("logs", parents=[client], epilog=KEY_HELP,
                               help="an agent's log (stdout and stderr, secrets masked); -f to follow it")
    logs.add_argument("name")
    logs.add_argument("-f", "--follow", action="store_true", help="then print new lines as they are written")
    logs.add_argument("-n", "--lines", type=int, default=100, help="how many of the last lines (default: 100)")

    _identity_commands(commands, client)

    openapi = commands.add_parser("openapi", help="(developers) write each service's OpenAPI document")
    openapi.add_argument("--out", type=Path, default=Path("docs/openapi"))

    makemigrations = commands.add_parser("makemigrations", help="(developers) write a new migration revision")
    makemigrations.add_argument("service")
    makemigrations.add_argument("message")

    args = parser.parse_args(argv)
    if args.command in ("dev", "serve", "ingress"):
        from runagents.listening import bind

        # The address first, before the (slow) imports and any line saying the platform runs there.
        sock = bind(args.host, args.port)
    if args.command == "dev":
        from runagents.dev import run_dev

        run_dev(sock, args.host, args.data_dir, no_auth=args.no_auth)
    elif args.command == "serve":
        from runagents.distributed import run_service

        run_service(args.service, sock)
    elif args.command == "ingress":
        from runagents.ingress import run_ingress

        run_ingress(sock)
    elif args.command == "migrate":
        from runagents.distributed import migrate_services

        asyncio.run(migrate_services(args.services))
    elif args.command == "setup-bus":
        from runagents.setup_bus import setup_bus as run_setup_bus

        if not args.admin_url:
            parser.error("setup-bus needs --admin-url (or $AMQP_URL)")
        run_setup_bus(args.admin_url, args.management_url, args.namespace, args.env_file)
    elif args.command == "setup-identity":
        from runagents.setup_identity import setup_identity as run_setup_identity

        run_setup_identity(args.env_file)
    elif args.command in ("deploy", "logs", "login", "logout", "whoami", "keys"):
        _client_command(args)
    elif args.command == "analyze":
        from runagents.analyze_cli import run as run_analysis

        run_analysis(args.path, args.json)
    elif args.command == "openapi":
        from runagents.openapi_export import export

        for path in export(args.out):
            print(f"wrote {path}")
    elif args.command == "makemigrations":
        asyncio.run(_makemigrations(args.service, args.message))


def _identity_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
                       client: argparse.ArgumentParser) -> None:
    address = platform_options(data_dir=False)
    login = commands.add_parser("login", parents=[address], help="check an API key with the platform and keep it "
                                "for its address (owner-only config file); asks for the key, or reads it from stdin")
    login.add_argument("--key-stdin", action="store_true", help="read the key from stdin (e.g. piped from a vault)")
    commands.add_parser("logout", parents=[address], help="forget the key kept for the platform's address")
    commands.add_parser("whoami", parents=[client], epilog=KEY_HELP, help="who the API key is on the platform")

    keys = commands.add_parser("keys", help="the platform's API keys (admins)").add_subparsers(
        dest="keys_command", required=True)
    create = keys.add_parser("create", parents=[client], epilog=KEY_HELP,
                             help="make an API key; prints the key alone on stdout, once")
    create.add_argument("--name", required=True, help="what the key is for (a script, a CI job, a person)")
    create.add_argument("--role", required=True, choices=["admin", "operator", "approver", "viewer"])
    create.add_argument("--expires-in", type=_duration, help="it stops working after this long: 30d, 12h, 90m, "
                        "2w (default: never)")
    keys.add_parser("list", parents=[client], epilog=KEY_HELP, help="the API keys: prefix, name, role, state, "
                    "expiry, last use")
    revoke = keys.add_parser("revoke", parents=[client], epilog=KEY_HELP, help="revoke an API key (it stays listed)")
    revoke.add_argument("prefix", help="the key's prefix, as `runagents keys list` shows it (ra_...)")


def _duration(text: str) -> timedelta:
    """``30d``, ``12h``, ``90m``, ``2w`` as a duration."""
    found = re.fullmatch(r"(\d+)([mhdw])", text.strip())
    if found is None or int(found.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 30d, 12h, 90m or 2w")
    unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[found.group(2)]
    return timedelta(**{unit: int(found.group(1))})


def _client_command(args: argparse.Namespace) -> None:
    """A command that calls the platform's API."""
    from runagents import client_cli, identity_cli
    from runagents.client_config import ConfigError
    from runagents.platform_client import fail

    try:
        if args.command == "deploy":
            client_cli.deploy(args.url, args.name, args.path, args.sample, args.data_dir)
        elif args.command == "logs":
            client_cli.logs(args.url, args.name, args.lines, args.follow, args.data_dir)
        elif args.command == "login":
            identity_cli.login(args.url, args.key_stdin)
        elif args.command == "logout":
            identity_cli.logout(args.url)
        elif args.command == "whoami":
            identity_cli.whoami(args.url, args.data_dir)
        elif args.keys_command == "create":
            identity_cli.create_key(args.url, args.data_dir, args.name, args.role, args.expires_in)
        elif args.keys_command == "list":
            identity_cli.list_keys(args.url, args.data_dir)
        elif args.keys_command == "revoke":
            identity_cli.revoke_key(args.url, args.data_dir, args.prefix)
    except ConfigError as exc:
        fail(f"runagents {args.command}: {exc}")


async def _makemigrations(service: str, message: str) -> None:
    import tempfile

    from runagents.components import component_factory
    from runagents_common.db.migrations import autogenerate

    with tempfile.TemporaryDirectory() as scratch:
        os.environ["RUNAGENTS_MODE"] = "dev"
        os.environ["RUNAGENTS_DATA_DIR"] = scratch
        component = component_factory(service)()
        await autogenerate(component.database, component.migrations_dir, component.metadata, message)
        await component.database.dispose()
    print(f"new revision written under {component.migrations_dir / 'versions'}", file=sys.stderr)


if __name__ == "__main__":
    main()
