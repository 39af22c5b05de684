"""``acrtui emulator``: run the embedded Azure on its own, print how to reach it, serve until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

import click

from .knobs import EmulatorConfig
from .server import Emulator


def az_setup_lines(emu: Emulator) -> list[str]:
    """Shell lines that point an unchanged Azure CLI at this emulator.

    ``--password=`` (not ``-p SECRET``): a generated secret may start with '-', which argparse would take for an
    option. Telemetry is off because the CLI would otherwise try to upload it to the real Azure.
    """
    lg = emu.login("owner")
    return [
        f"export REQUESTS_CA_BUNDLE={emu.ca_path}",
        "export AZURE_CONFIG_DIR=$(mktemp -d)",
        "export AZURE_CORE_COLLECT_TELEMETRY=false",
        "az config set core.instance_discovery=false",
        f"az cloud register -n acrtui-emulator --endpoint-resource-manager {emu.url}",
        "az cloud set -n acrtui-emulator",
        f"az login --service-principal -u {lg.client_id} --password={lg.client_secret} --tenant {emu.tenant_id}",
        f"az account set -s {emu.subscription_id}",
    ]


@click.command("emulator")
@click.option("--seed", default="empty", show_default=True, help="empty | demo | fleet:N[xS]")
@click.option("--port", default=0, type=int, help="TCP port on 127.0.0.1 (0 = any free port).")
@click.option("--latency-ms", default=0.0, type=float, help="Added to every ARM request.")
@click.option("--jitter-ms", default=0.0, type=float, help="Random extra latency, 0..MS.")
@click.option("--state", "state_file", type=click.Path(dir_okay=False), help="Load state from FILE if it exists; save it after every write.")
@click.option("--throttle-scale", default=1.0, type=float, show_default=True, help="Divide ARM's throttling budgets by F (bite sooner).")
@click.option("--no-throttle", is_flag=True, help="Turn ARM throttling off.")
@click.option("--page-size", default=100, type=int, show_default=True, help="Items per list page (nextLink paging).")
@click.option("--lro-seconds", default=0.0, type=float, help="How long long-running operations take.")
@click.option("--cloud", default="AzureCloud", type=click.Choice(["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"]))
@click.option("--fault", "faults", multiple=True, metavar="KIND[:PATH_REGEX[:RATE[:METHOD]]]", help="Inject faults: 500, 503, 403, 429, drop, lro-fail (a PATH_REGEX naming oauth2 faults the token endpoint).")
@click.option("--print-az-setup", is_flag=True, help="Also print the Azure CLI setup lines (prefixed with '# az: ').")
def emulator_command(
    seed: str, port: int, latency_ms: float, jitter_ms: float, state_file: str | None, throttle_scale: float,
    no_throttle: bool, page_size: int, lro_seconds: float, cloud: str, faults: tuple[str, ...], print_az_setup: bool,
) -> None:
    """Run the embedded Azure emulator (TLS on 127.0.0.1) and print its connection lines, then 'ready'."""
    config = EmulatorConfig(page_size=page_size, lro_duration_s=lro_seconds, latency_ms=latency_ms, jitter_ms=jitter_ms,
                            throttle=not no_throttle, throttle_scale=throttle_scale)
    try:
        emu = Emulator(seed, port=port, config=config, state_file=state_file, cloud=cloud)
        for spec in faults:
            kind, _, rest = spec.partition(":")
            path, _, rest = rest.partition(":")
            rate, _, method = rest.partition(":")
            emu.faults.add(kind, path or ".*", method or "*", float(rate or 1.0))
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    asyncio.run(_serve(emu, print_az_setup))


async def _serve(emu: Emulator, print_az_setup: bool) -> None:
    await emu.start()
    for line in emu.env_lines():
        click.echo(line)
    if print_az_setup:
        for line in az_setup_lines(emu):
            click.echo(f"# az: {line}")
    click.echo("ready")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await emu.stop()
