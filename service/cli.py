"""Command line: `python -m service {serve,run,demo,key,exercise,cert}`; see --help."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from typing import Any

from service.context import ServiceContext
from service.domain.access import Role
from service.domain.catalog import Channel
from service.domain.errors import AccessDenied
from service.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__.split(";")[0])
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite file in the data folder; "
                                               "or GRIDCOMMAND_DATABASE_URL)")
    parser.add_argument("--data-dir", help="data folder (default: var/; or GRIDCOMMAND_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the service (demo street loaded if the record is empty)")
    run = sub.add_parser("run", help="serve, and feed it with the simulator through the channel endpoints")
    for p in (serve, run):
        p.add_argument("--host", default=os.environ.get("HOST"), help="bind address (default 127.0.0.1; env HOST)")
        p.add_argument("--port", type=int, default=int(os.environ["PORT"]) if os.environ.get("PORT") else None,
                       help="port (default 8765; env PORT)")
        p.add_argument("--no-demo", action="store_true", help="do not load the demo street into an empty record")
        p.add_argument("--osmand-port", type=int, help="also take Traccar Client positions on this port (e.g. 5055)")
    run.add_argument("--speed", type=float, default=float(os.environ.get("SPEED", "60")),
                     help="simulator speed-up over Puyan's ~27 cases a day (default 60; env SPEED)")
    run.add_argument("--seed", type=int, default=7, help="simulator random seed")

    demo = sub.add_parser("demo", help="(re)load the demo street into the record")
    demo.add_argument("--seed", type=int, default=20260101)

    key = sub.add_parser("key", help="access keys: create ROLE (token printed once), list, revoke ID, unlock ID",
                         description="create ROLE: print a new key's token (shown once); list: every key; "
                                     "revoke ID: refused from the next request on; unlock ID: after 5 failures. "
                                     "`key ROLE` is short for `key create ROLE`.")
    key.add_argument("action", choices=[*KEY_ACTIONS, *(r.value for r in Role)])
    key.add_argument("target", nargs="?", help="the role to create, or the key id to revoke or unlock")
    key.add_argument("--name", default="cli")
    key.add_argument("--channel", choices=[c.value for c in Channel], help="for a feed key: its channel")
    key.add_argument("--department", help="for a department key: its line department, e.g. 城管 (inbox at /dept/)")
    key.add_argument("--unit", type=int, help="for a field worker's key: its unit id (page at /field/)")

    from service.exercise import cli as exercise_cli

    exercise_cli.add_parser(sub)
    cert = sub.add_parser("cert", help="make a self-signed HTTPS certificate for serving on a LAN")
    cert.add_argument("--host", action="append", required=True, help="an address or name clients use (repeatable)")

    args = parser.parse_args(argv)
    overrides = {"database_url": args.database_url, "data_dir": args.data_dir}
    settings = Settings(**{k: v for k, v in overrides.items() if v})
    if getattr(args, "host", None):
        settings.host = args.host
    if getattr(args, "port", None):
        settings.port = args.port
    if getattr(args, "osmand_port", None):
        settings.osmand_port = args.osmand_port

    if args.command == "exercise":
        return exercise_cli.run(args, settings)
    if args.command == "cert":
        from service.tls import make_self_signed

        crt, pem = make_self_signed(settings.data_dir / "tls", args.host)
        print(f"GRIDCOMMAND_TLS_CERT_FILE={crt}\nGRIDCOMMAND_TLS_KEY_FILE={pem}")
        return 0
    from service.tls import TlsMissing, uvicorn_options

    try:
        tls = uvicorn_options(settings) if args.command in ("serve", "run") else {}
    except TlsMissing as exc:
        print(f"refusing to serve: {exc}", file=sys.stderr)
        return 2
    ctx = ServiceContext(settings)
    if args.command == "key":
        return _key_command(ctx, args)
    if args.command == "demo":
        _load_demo(ctx, args.seed)
        return 0
    if not args.no_demo:
        _ensure_demo(ctx)
    token = _local_operator_key(ctx)
    base = f"{'https' if tls else 'http'}://{settings.host}:{settings.port}"
    print(f"GridCommand service on {base}  (database: {ctx.db.url.render_as_string(hide_password=True)})")
    print(f"  operator key : {token}   (also in {ctx.settings.local_key_file})")
    print(f"  API docs     : {base}/docs     OpenAPI: {base}/openapi.json")
    print(f"  live stream  : curl -N -H 'Authorization: Bearer {token}' {base}/api/v1/stream")
    print(f"  OGC API      : {base}/ogcapi/?api_key={token}  (add as a WFS / OGC API - Features layer in QGIS)")
    sys.stdout.flush()
    if args.command == "run":
        from service.demo.simulator import FeedSimulator

        simulator = FeedSimulator(ctx, base_url=base, speed=args.speed, seed=args.seed)
        threading.Thread(target=simulator.run_forever, name="feed-simulator", daemon=True).start()
        print(f"  simulator    : posting through the channel endpoints at {args.speed:g}x Puyan's volume")
    _serve(ctx, tls)
    return 0


KEY_ACTIONS = ("create", "list", "revoke", "unlock")


def _key_command(ctx: ServiceContext, args: argparse.Namespace) -> int:
    """Keys from the command line, audited as the local administrator (whoever can read the database)."""
    import getpass

    from service.domain.errors import GridCommandError
    from service.flows.audit import Actor
    from service.flows.keys import KeyAdmin

    admin = KeyAdmin(db=ctx.db, clock=ctx.clock, audit=ctx.audit, on_commit=ctx.projector.committed)
    who = Actor(f"cli:{getpass.getuser()}", "localhost")
    action, target = (args.action, args.target) if args.action in KEY_ACTIONS else ("create", args.action)
    try:
        if action == "create":
            if target not in {r.value for r in Role}:
                print(f"key create: name a role: {', '.join(r.value for r in Role)}", file=sys.stderr)
                return 2
            _, token = admin.create(who, name=args.name, role=Role(target),
                                    channel=Channel(args.channel) if args.channel else None,
                                    department=args.department, unit_id=args.unit)
            print(token)
        elif action == "list":
            print(f"{'id':>4}  {'prefix':8}  {'role':10}  {'channel':13}  {'state':28}  name")
            for k in admin.list():
                state = ("revoked " + (k["revoked_at"] or "")) if k["revoked"] else \
                    ("locked until " + k["locked_until"]) if k["locked_until"] else "active"
                print(f"{k['id']:>4}  {k['prefix'] or '-':8}  {k['role']:10}  {k['channel'] or '-':13}  "
                      f"{state:28}  {k['name']}")
        else:
            if not (target or "").isdigit():
                print(f"key {action}: give the key id (see `key list`)", file=sys.stderr)
                return 2
            done = (admin.revoke if action == "revoke" else admin.unlock)(who, int(target or 0))
            print(f"key {done['id']} ({done['name']}) {action}d")
    except GridCommandError as exc:
        print(f"key {action}: {exc.message}", file=sys.stderr)
        return 1
    return 0


def _serve(ctx: ServiceContext, tls: dict[str, Any]) -> None:
    import uvicorn

    from service.app import create_app

    app = create_app(ctx.settings, context=ctx)
    if ctx.settings.osmand_port:
        from service.api.units import osmand_app

        side = uvicorn.Server(uvicorn.Config(osmand_app(ctx, app), host=ctx.settings.host, port=ctx.settings.osmand_port,
                                             log_level="warning", **tls))
        threading.Thread(target=side.run, name="osmand-port", daemon=True).start()
        print(f"  OsmAnd port  : {ctx.settings.host}:{ctx.settings.osmand_port} (Traccar Client server address)")
    # Live streams never end by themselves: on shutdown give them 2 s, then close them (clients resume elsewhere).
    uvicorn.run(app, host=ctx.settings.host, port=ctx.settings.port, log_level="warning", timeout_graceful_shutdown=2,
                **tls)


def _ensure_demo(ctx: ServiceContext) -> None:
    import importlib.util

    from service.store import areas as area_store

    if importlib.util.find_spec("service.demo") is None:  # the plugin zip ships no demo street
        return

    with ctx.db.read() as session:
        empty = not area_store.has_areas(session=session)
    if empty:
        _load_demo(ctx, 20260101)


def _load_demo(ctx: ServiceContext, seed: int) -> None:
    from service.demo import street as demo_street
    from service.demo.install import install_demo_street

    install_demo_street(ctx, demo_street.build(seed))
    print(f"demo street loaded (seed {seed})")


def _local_operator_key(ctx: ServiceContext) -> str:
    """A key for the operator at this desk, kept in the data folder so the local plugin can pick it up."""
    key_file = ctx.settings.local_key_file
    if key_file.exists():
        token = key_file.read_text().strip()
        try:
            ctx.authenticate(token)
            return token
        except AccessDenied:
            pass
    token = ctx.create_key(name="local operator", role=Role.OPERATOR)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(token + "\n")
    os.chmod(key_file, 0o600)
    return token


if __name__ == "__main__":
    raise SystemExit(main())
