"""The `yuqing` command. Kernel commands live here; stage packages add theirs through the
`yuqing.commands` entry points (pyproject.toml), so the kernel never imports them."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from pipeline.bus.base import BusError
from pipeline.config import ConfigError, Settings, load_settings
from pipeline.profile import configured_profiles, superior_profile
from pipeline.redact import install as install_redaction
from pipeline.redact import redact
from pipeline.registry import load_object, plugins
from pipeline.stage import Stage, StageContext
from pipeline.storage.base import StoreError

EXIT_USAGE = 2
EXIT_BAD_INPUT = 3


def setup_logging(level: str = "INFO", settings: Settings | None = None) -> None:
    """Log to stderr; every record is redacted (URL credentials, configured secrets)."""
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for chatty in ("elastic_transport", "scrapy", "urllib3"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLogger().level))
    # a traceback per retry while Elasticsearch is down; the store reports the outage itself
    logging.getLogger("elastic_transport.transport").setLevel(logging.ERROR)
    # kafka-python logs every refused connection at ERROR, several a second in an outage;
    # the bus reports an outage itself, once, as a BusError. YUQING_KAFKA_LOG=INFO shows its
    # consumer-group and fetch logs (joins, assignments) when a group is to be diagnosed.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    kafka_level = os.environ.get("YUQING_KAFKA_LOG", "").upper()
    if kafka_level in ("DEBUG", "INFO", "WARNING", "ERROR"):
        for part in ("kafka.coordinator", "kafka.consumer"):
            logging.getLogger(part).setLevel(kafka_level)
    install_redaction(settings)


def friendly_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the project's expected errors into one clear line and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (ConfigError, BusError, StoreError) as exc:
            click.echo(f"yuqing: error: {redact(exc)}", err=True)
            sys.exit(EXIT_USAGE)

    return wrapper


def config_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--config and --data, shared by every command that touches state."""
    fn = click.option(
        "--data",
        "data_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder of the embedded state (default: data_dir of the config file).",
    )(fn)
    fn = click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Config file (default: $YUQING_CONFIG, else deploy/yuqing.yaml).",
    )(fn)
    return fn


def settings_from(config_path: Path | None, data_dir: Path | None) -> Settings:
    settings = load_settings(config_path, data_dir)
    setup_logging(settings.log_level, settings)
    return settings


def build_stage(settings: Settings, name: str, ctx: StageContext | None = None) -> Stage:
    """Build the stage configured under stages.NAME (class found by name, options checked)."""
    config = settings.stage(name)
    cls = load_object(config.cls, f"{settings.source}: stages.{name}.class")
    if not (isinstance(cls, type) and issubclass(cls, Stage)):
        raise ConfigError(f"{settings.source}: stages.{name}.class: {config.cls} is not a Stage")
    return cls.from_settings(ctx or StageContext(settings), config)


def run_stage(settings: Settings, name: str, once: bool = False) -> int:
    from pipeline.runner import StageRunner, install_signal_handlers

    stop = threading.Event()
    install_signal_handlers(stop)
    ctx = StageContext(settings, stop=stop)
    stage = build_stage(settings, name, ctx)
    stage.once = once
    config = settings.stage(name)
    runner = StageRunner(stage, config.batch_size, config.poll_timeout_s)
    runner.run(stop, max_idle_polls=2 if once else None)
    logging.getLogger("yuqing").info(
        "stage %s stopped: %d messages processed, %d dead-lettered",
        name,
        runner.processed,
        runner.dead_lettered,
    )
    return runner.processed


class PluginGroup(click.Group):
    """A group that loads the stage packages' commands only when they are called,
    so `yuqing --help` and light commands do not import Scrapy or scikit-learn."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *plugins("yuqing.commands")})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        entry_point = plugins("yuqing.commands").get(name)
        if entry_point is None:
            return None
        try:
            return entry_point.load()
        except Exception as exc:  # a broken plug-in must not take the whole CLI down
            message = f"command {name} unavailable: {type(exc).__name__}: {exc}"

            @click.command(name, help=f"(unavailable: {exc})")
            def broken() -> None:
                raise click.ClickException(message)

            return broken


@click.group(
    cls=PluginGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="yuqing")
def main() -> None:
    """Yuqing 舆情: public-opinion monitoring and response for a county or city news office.

    Crawls public sources, scores each item (relevance, key-response categories, risk,
    town, responsible departments), opens cases with the response clocks of the office's
    policy profile, and tracks every case to its answer.
    """


@main.command("check-config")
@config_options
@friendly_errors
def check_config(config_path: Path | None, data_dir: Path | None) -> None:
    """Validate the config file, the jurisdiction profile and every stage's options."""
    settings = settings_from(config_path, data_dir)
    ctx = StageContext(settings)
    profiles = configured_profiles(settings)
    superior = superior_profile(settings)
    click.echo(redact(f"config:  {settings.source}"))
    click.echo(redact(f"data:    {settings.data_dir}"))
    click.echo(redact(f"bus:     {settings.bus}"))
    click.echo(redact(f"store:   {settings.store}"))
    for profile in profiles + ([superior] if superior else []):
        label = "superior: " if profile is superior else "profile: "
        click.echo(
            f"{label}{profile.name} {profile.jurisdiction} ({profile.code}), "
            f"{len(profile.towns)} towns, {len(profile.departments)} departments, "
            f"policy {profile.policy}"
        )
    for name, stage_config in settings.stages.items():
        build_stage(settings, name, ctx)
        state = "enabled" if stage_config.enabled else "disabled"
        click.echo(redact(f"stage:   {name} ({stage_config.cls}, {state}) ok"))
    click.echo("configuration ok")


def _stage_command(name: str, doc: str, stdin: bool = False) -> click.Command:
    @click.option("--once", is_flag=True, help="Process what is waiting, then exit.")
    @config_options
    @friendly_errors
    def command(config_path, data_dir, once, **kwargs):
        settings = settings_from(config_path, data_dir)
        if kwargs.get("stdin"):
            sys.exit(transform_stdin(settings, name))
        run_stage(settings, name, once=once)

    if stdin:
        command = click.option(
            "--stdin",
            is_flag=True,
            help="Read JSON lines on stdin, write one result line per input line on stdout.",
        )(command)
    return click.command(name, help=doc)(command)


def transform_stdin(settings: Settings, name: str) -> int:
    """Line-by-line transform through a stage: same order; a bad line → stderr, skipped."""
    stage = build_stage(settings, name)
    model = stage.consumes[0].model
    status = 0
    out = sys.stdout
    try:
        for lineno, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                record = model.from_json(line)
                (result,) = stage.transform([record])
            except (ValidationError, ValueError) as exc:
                first = redact(str(exc).replace("\n", "; "))[:400]  # no raw item text
                click.echo(f"line {lineno}: {first}", err=True)
                status = EXIT_BAD_INPUT
                continue
            out.write(result.to_json() + "\n")
    finally:
        stage.close()
        stage.ctx.close()
    out.flush()
    return status


main.add_command(
    _stage_command("crawl", "Run the crawl stage: every configured source into items.raw.")
)
main.add_command(
    _stage_command(
        "classify",
        "Run the classify stage: items.raw → items.scored and the item store.",
        stdin=True,
    )
)
main.add_command(_stage_command("alert", "Run the alert stage: open and merge cases, run clocks."))


@main.command("stage")
@click.argument("name")
@click.option("--once", is_flag=True, help="Process what is waiting, then exit.")
@config_options
@friendly_errors
def stage_command(name: str, once: bool, config_path: Path | None, data_dir: Path | None) -> None:
    """Run any stage configured under stages.NAME (crawl, classify, alert are shortcuts)."""
    run_stage(settings_from(config_path, data_dir), name, once=once)


def process_labels(name: str, processes: int) -> list[str]:
    """The supervisor's names for a stage's copies: `classify`, or `classify-1`, `classify-2`."""
    return [name] if processes == 1 else [f"{name}-{k}" for k in range(1, processes + 1)]


@main.command("run")
@config_options
@click.option("--stage", "only", multiple=True, help="Run only these stages (repeatable).")
@friendly_errors
def run(config_path: Path | None, data_dir: Path | None, only: tuple[str, ...]) -> None:
    """The main job: every enabled stage and the dashboard, each a supervised subprocess
    (restarted if it crashes)."""
    from pipeline.supervisor import Supervisor

    settings = settings_from(config_path, data_dir)
    names = [n for n, c in settings.stages.items() if c.enabled and (not only or n in only)]
    base = [sys.executable, "-m", "pipeline.cli"]
    args = ["--data", str(settings.data_dir)]
    if settings.source:
        args += ["--config", str(settings.source)]
    commands = {
        label: [*base, "stage", n, *args]
        for n in names
        for label in process_labels(n, settings.stages[n].processes)
    }
    if settings.web.enabled and not only and "web" in plugins("yuqing.commands"):
        commands["web"] = [*base, "web", *args, "--port", str(settings.web.port)]
    Supervisor(commands).run()


@main.command("bench")
@click.option("--quick", is_flag=True, help="Smaller samples (for a smoke test).")
@click.option("--only", multiple=True, help="Run only these stage benchmarks (repeatable).")
@click.option(
    "--all",
    "run_all",
    is_flag=True,
    help="Everything: stages, e2e latency and throughput (embedded and distributed: "
    "noida-db is started unless --kafka/--es are given), the soak.",
)
@click.option("--e2e", is_flag=True, help="End-to-end latency at --rate items/s.")
@click.option("--throughput", is_flag=True, help="Sustained items/s, and each stage alone.")
@click.option(
    "--soak",
    "soak",
    type=int,
    default=None,
    help="Push N items through the embedded pipeline, sampling memory "
    "(--all: 1,000,000 unless given).",
)
@click.option("--soak-minutes", type=float, default=None, help="Stop the soak after M minutes.")
@click.option(
    "--items",
    "n_items",
    type=int,
    default=None,
    help="Items per latency or throughput run (default 4000, --quick 300).",
)
@click.option(
    "--rate",
    type=float,
    default=200.0,
    show_default=True,
    help="Offered load of the latency run, items/s.",
)
@click.option("--kafka", help="Distributed mode on this Kafka (kafka://HOST:PORT): a scratch one.")
@click.option("--es", help="Distributed mode on this Elasticsearch (http://HOST:PORT).")
@click.option("--noida", is_flag=True, help="Start noida-db for the distributed mode.")
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Classify processes in the throughput and soak runs.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the JSON document to this file.",
)
def bench(quick: bool, only: tuple[str, ...], run_all: bool, e2e: bool, throughput: bool,
          soak: int | None, soak_minutes: float | None, n_items: int | None, rate: float,
          kafka: str | None, es: str | None, noida: bool, workers: int,
          out: Path | None) -> None:  # fmt: skip
    """Measure each stage's throughput and the pipeline end to end (latency, sustained
    items/s, memory under a soak); the last line is one JSON object of the figures."""
    from pipeline.bench_all import BenchPlan, run_plan
    from pipeline.bench_noida import noida_executable

    setup_logging("WARNING")
    pipeline_only = (e2e or throughput or soak) and not run_all
    plan = BenchPlan(
        quick=quick, only=only, stages=not pipeline_only or bool(only),
        e2e=e2e or run_all, throughput=throughput or run_all,
        soak=soak or ((2000 if quick else 1_000_000) if run_all else None),
        soak_minutes=soak_minutes, items=n_items, rate=rate, kafka=kafka, es=es,
        noida=noida or (run_all and not (kafka or es) and noida_executable() is not None),
        workers=workers,
    )  # fmt: skip
    results = run_plan(plan, lambda line: click.echo(line, err=True))
    document = json.dumps(results, ensure_ascii=False)
    if out:
        out.write_text(document + "\n", encoding="utf-8")
    click.echo(document)


@main.group("es")
def es_group() -> None:
    """Elasticsearch: install the index templates and the lifecycle policy."""


@es_group.command("setup")
@config_options
@click.option("--url", help="Elasticsearch URL (default: the configured store).")
@click.option("--ilm/--no-ilm", default=True, help="Install and attach the ILM policy.")
@friendly_errors
def es_setup(config_path: Path | None, data_dir: Path | None, url: str | None, ilm: bool) -> None:
    """Install the index templates (items, cases, case-items, findings, state) and the ILM policy."""
    from pipeline.storage.es_base import ES_ERRORS, Elasticsearch
    from pipeline.storage.es_mappings import install_templates, templates

    settings = settings_from(config_path, data_dir)
    url = url or settings.store
    if not url.startswith(("http://", "https://")):
        raise ConfigError(
            f"es setup: no Elasticsearch URL (store is {redact(settings.store)!r}); use --url"
        )
    es = Elasticsearch(url, request_timeout=30)
    try:
        install_templates(es, settings.es_prefix, ilm=ilm, replicas=settings.es_replicas)
    except ES_ERRORS as exc:
        where = redact(url)
        raise StoreError(f"Elasticsearch at {where}: setup failed: {redact(exc)[:300]}") from exc
    for name in templates(settings.es_prefix):
        click.echo(f"template {name} installed")
    if ilm:
        click.echo(f"ILM policy {settings.es_prefix}-items installed and attached")


@es_group.command("kibana")
@click.option("--url", required=True, help="Kibana URL, e.g. http://127.0.0.1:5601")
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Saved objects (default: deploy/kibana/yuqing.ndjson).",
)
@friendly_errors
def es_kibana(url: str, path: Path | None) -> None:
    """Import the Kibana saved objects: data views with Chinese labels and the overview."""
    from pipeline.kibana import import_saved_objects

    result = import_saved_objects(url, path)
    click.echo(f"imported {result.get('successCount', 0)} saved objects into {url}")


@main.command("demo")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--serve", is_flag=True, help="Keep the dashboard up after the demo.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@friendly_errors
def demo(config_path: Path | None, data_dir: Path | None, serve: bool, as_json: bool) -> None:
    """Start the bundled demo sites, run the whole pipeline on them, print a summary."""
    from pipeline.demo import run_demo

    summary = run_demo(config_path, data_dir, serve=serve, print_json=as_json)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
