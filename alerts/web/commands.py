"""`yuqing web` (the dashboard and its JSON API on 127.0.0.1) and `yuqing users add|list`
(dashboard accounts; the password is read from stdin and stored as an argon2 hash)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pipeline.cli import EXIT_USAGE, config_options, friendly_errors, settings_from
from pipeline.config import load_settings
from pipeline.storage import open_stores


@click.command("web")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: web.port, 8620).")
@click.option("--host", help="Address to listen on (default: web.host, 127.0.0.1).")
@config_options
@friendly_errors
def web(
    port: int | None, host: str | None, config_path: Path | None, data_dir: Path | None
) -> None:
    """Serve the dashboard (cases, feed, findings, accountability, trends) and its JSON API."""
    import uvicorn

    from alerts.web.app import create_app

    settings = settings_from(config_path, data_dir)
    port = port or settings.web.port
    host = host or settings.web.host
    app = create_app(settings)
    click.echo(f"dashboard on http://{host}:{port}/ (data in {settings.data_dir})", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@click.group("users")
def users() -> None:
    """Dashboard accounts: admin, monitor (news office), leader, officer (one department)."""


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("密码 password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["admin", "monitor", "leader", "officer"]))
@click.option("--department", default=None, help="The department's code or name (officers).")
@click.option(
    "--profile",
    default=None,
    help="The jurisdiction profile the user belongs to (several-county deployments; "
    "default: the deployment's default profile).",
)
@config_options
@friendly_errors
def add_user(
    name: str,
    role: str,
    department: str | None,
    profile: str | None,
    config_path: Path | None,
    data_dir: Path | None,
) -> None:
    """Create user NAME; the password is read from stdin (one line)."""
    from alerts.web.users import UserDirectory, UserError, profile_directory

    settings = load_settings(config_path, data_dir)
    try:
        profile, directory = profile_directory(settings, profile)
    except UserError as exc:
        click.echo(f"yuqing: error: users add: --profile: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    password = _read_password()
    stores = open_stores(settings)
    try:
        user = UserDirectory(stores.state).add(
            name, role, password, department, directory, profile=profile
        )
    except UserError as exc:
        click.echo(f"yuqing: error: users add: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    finally:
        stores.close()
    where = f"（{user.department_name}）" if user.department_name else ""
    scope = f"，辖区档案 {user.profile}" if user.profile else ""
    click.echo(f"已创建用户 {user.username}: {user.role_label}{where}{scope}")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the users as JSON.")
@config_options
@friendly_errors
def list_users(as_json: bool, config_path: Path | None, data_dir: Path | None) -> None:
    """List the users (never their password hashes)."""
    from alerts.web.users import UserDirectory

    settings = load_settings(config_path, data_dir)
    stores = open_stores(settings)
    try:
        found = UserDirectory(stores.state).list()
    finally:
        stores.close()
    if as_json:
        click.echo(json.dumps([u.public() for u in found], ensure_ascii=False, indent=2))
        return
    for user in found:
        line = f"{user.username}\t{user.role_label}\t{user.department_name or '—'}"
        click.echo(f"{line}\t{user.profile}" if user.profile else line)
    click.echo(f"共 {len(found)} 个用户")
