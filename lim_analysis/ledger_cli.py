"""The ``lim-analysis ledger`` commands: new, check, report, import-neurosim."""

import csv
import io
import json
import logging
import math
import sys
from pathlib import Path

from lim_analysis.results import to_jsonable

log = logging.getLogger(__name__)

_BAD_INPUT = 2


def add_commands(commands) -> None:
    """Register the ``ledger`` group on the top-level subparsers."""
    group = commands.add_parser(
        "ledger",
        help="write, check and report energy ledgers (core against periphery)",
        description=(
            "An energy ledger itemises the core and the peripheral energy of one "
            "training workload in a commented YAML file."
        ),
    )
    sub = group.add_subparsers(dest="ledger_command", metavar="COMMAND")
    sub.required = True

    new = sub.add_parser("new", help="write a commented template ledger")
    new.add_argument("file", help="the YAML file to create (must not exist)")
    new.set_defaults(handler=_cmd_new)

    check = sub.add_parser(
        "check",
        help="check ledgers; exit 2 listing every problem",
        description="Check ledger files. Exit 0 when all are sound; otherwise "
        "list every problem on stderr and exit 2. Nothing is written.",
    )
    check.add_argument("files", nargs="+", help="ledger YAML files")
    check.set_defaults(handler=_cmd_check)

    report = sub.add_parser(
        "report",
        help="items, totals, shares, bound and gap of a ledger",
        description="Print a ledger's items, totals and shares by part and by "
        "kind, the workload's bound, the gap decomposition and the effect of "
        "scaling the core.",
    )
    report.add_argument("file", help="a ledger YAML file")
    report.add_argument("--format", choices=("table", "csv", "json"), default="table")
    report.add_argument(
        "--core-scale",
        type=float,
        default=0.1,
        help="factor on the core's energy for the sensitivity line "
        "(default 0.1: a 10x better core)",
    )
    report.set_defaults(handler=_cmd_report)

    neurosim = sub.add_parser(
        "import-neurosim",
        help="turn a DNN+NeuroSim V2.1 breakdown CSV into a ledger",
        description="Read a NeuroSim_Breakdown_Epock_<n>.csv file and write a "
        "ledger with one item per energy column, summed over layers. NeuroSim "
        "counts the cell read energy inside its ADC figure; the ledger says so.",
    )
    neurosim.add_argument("csv", help="the breakdown CSV file")
    neurosim.add_argument(
        "-o",
        "--output",
        default=None,
        help="ledger to write (must not exist; default: the CSV name with .yaml)",
    )
    neurosim.add_argument(
        "--n-parameters", type=float, required=True, help="weights trained"
    )
    neurosim.add_argument(
        "--updates-per-epoch",
        type=float,
        required=True,
        help="updates each weight receives per epoch (batches per epoch)",
    )
    neurosim.add_argument("--epochs", type=float, default=1.0)
    neurosim.add_argument("--precision-bits", type=float, default=8.0)
    neurosim.add_argument("--temperature-K", type=float, default=300.0)
    neurosim.add_argument(
        "--update-time-s",
        type=float,
        default=None,
        help="time of one update [s] (default: slowest layer's weight-update "
        "latency over the updates per epoch)",
    )
    neurosim.add_argument("--convergence", default=None)
    neurosim.add_argument("--name", default=None, help="workload name")
    neurosim.set_defaults(handler=_cmd_import_neurosim)


def _refuse_existing(path: Path, command: str) -> bool:
    if path.exists():
        print(
            f"lim-analysis ledger {command}: {path} exists; not overwriting it",
            file=sys.stderr,
        )
        return True
    return False


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` with ``text``, failing if it appeared meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text)
    log.info("wrote %s", path)


def _cmd_new(args) -> int:
    from lim_analysis import ledger  # deferred: keeps --help fast

    path = Path(args.file)
    if _refuse_existing(path, "new"):
        return _BAD_INPUT
    if not path.parent.is_dir() and path.parent.exists():
        print(
            f"lim-analysis ledger new: {path.parent} is not a folder", file=sys.stderr
        )
        return _BAD_INPUT
    try:
        _write_new(path, ledger.template_text())
    except FileExistsError:
        _refuse_existing(path, "new")
        return _BAD_INPUT
    print(path)
    return 0


def _cmd_check(args) -> int:
    from lim_analysis import ledger  # deferred: keeps --help fast

    failed = False
    for name in args.files:
        try:
            loaded = ledger.load(name)
        except ledger.LedgerError as error:
            failed = True
            for problem in error.problems:
                print(problem, file=sys.stderr)
            continue
        for warning in loaded.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"{name}: ok")
    return _BAD_INPUT if failed else 0


def _cmd_report(args) -> int:
    from lim_analysis import ledger  # deferred: keeps --help fast

    try:
        loaded = ledger.load(args.file)
        data = ledger.summary(loaded, core_scale=args.core_scale)
    except (ledger.LedgerError, ValueError) as error:
        print(str(error), file=sys.stderr)
        return _BAD_INPUT
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    writers = {"table": format_table, "csv": format_csv, "json": format_json}
    sys.stdout.write(writers[args.format](data))
    return 0


def _cmd_import_neurosim(args) -> int:
    from lim_analysis import ledger, neurosim  # deferred: keeps --help fast

    source = Path(args.csv)
    output = Path(args.output) if args.output else source.with_suffix(".yaml")
    if _refuse_existing(output, "import-neurosim"):
        return _BAD_INPUT
    for option, value in (
        ("--n-parameters", args.n_parameters),
        ("--updates-per-epoch", args.updates_per_epoch),
        ("--epochs", args.epochs),
        ("--precision-bits", args.precision_bits),
        ("--temperature-K", args.temperature_K),
        ("--update-time-s", args.update_time_s),
    ):
        if value is not None and not (math.isfinite(value) and value > 0):
            print(
                f"import-neurosim: {option} must be a positive number, got {value:g}",
                file=sys.stderr,
            )
            return _BAD_INPUT
    options = {
        "n_parameters": args.n_parameters,
        "updates_per_epoch": args.updates_per_epoch,
        "epochs": args.epochs,
        "precision_bits": args.precision_bits,
        "temperature_K": args.temperature_K,
        "update_time_s": args.update_time_s,
        "name": args.name,
    }
    if args.convergence:
        options["convergence"] = args.convergence
    try:
        text = neurosim.import_breakdown(source, **options)
    except (ledger.LedgerError, ValueError) as error:
        print(str(error), file=sys.stderr)
        return _BAD_INPUT
    try:
        _write_new(output, text)
    except FileExistsError:
        _refuse_existing(output, "import-neurosim")
        return _BAD_INPUT
    print(output)
    return 0


# --------------------------------------------------------------------------
# Report formats.


def format_json(data: dict) -> str:
    """The report as indented JSON (NaN becomes null)."""
    return json.dumps(to_jsonable(data), indent=2, sort_keys=True) + "\n"


def format_csv(data: dict) -> str:
    """The report as one CSV table: items, then totals, shares, bound, gap."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "section",
            "name",
            "part",
            "kind",
            "energy_per_event_J",
            "count",
            "energy_J",
            "share",
            "source",
        ]
    )
    for item in data["items"]:
        writer.writerow(
            [
                "item",
                item["name"],
                item["part"],
                item["kind"],
                repr(item["energy_per_event_J"]),
                repr(item["count"]),
                repr(item["energy_J"]),
                repr(item["share"]),
                item["source"],
            ]
        )
    for part, energy in data["by_part_J"].items():
        share = data["shares_by_part"][part]
        writer.writerow(["part", part, part, "", "", "", repr(energy), repr(share), ""])
    for kind, energy in data["by_kind_J"].items():
        share = data["shares"][kind]
        writer.writerow(["kind", kind, "", kind, "", "", repr(energy), repr(share), ""])
    rows = [
        ("total", "total", data["total_J"], 1.0),
        ("bound", "bound", data["bound_J"], data["bound_J"] / data["total_J"]),
        ("gap", "core_minus_bound", data["gap"]["core_J"], ""),
        ("gap", "peripheral", data["gap"]["peripheral_J"], ""),
        ("gap", "total_minus_bound", data["gap"]["total_minus_bound_J"], ""),
    ]
    for section, name, energy, share in rows:
        writer.writerow(
            [
                section,
                name,
                "",
                "",
                "",
                "",
                repr(energy),
                repr(share) if share != "" else "",
                "",
            ]
        )
    sens = data["sensitivity"]
    # The scaled total, and its fraction of the unscaled one (the inverse of
    # the translation ratio).
    writer.writerow(
        [
            "sensitivity",
            f"core_scale={sens['core_scale']!r}",
            "core",
            "",
            "",
            "",
            repr(sens["total_J"]),
            repr(sens["total_J"] / data["total_J"]),
            "",
        ]
    )
    return out.getvalue()


def format_table(data: dict) -> str:
    """The report as aligned text for a terminal."""
    lines = [f"ledger {data['file']}: workload {data['workload']['name']}", ""]
    header = ("item", "part", "kind", "per event [J]", "count", "energy [J]", "share")
    rows = [
        (
            i["name"],
            i["part"],
            i["kind"],
            f"{i['energy_per_event_J']:.4g}",
            f"{i['count']:.4g}",
            f"{i['energy_J']:.4g}",
            f"{100 * i['share']:.1f} %",
        )
        for i in data["items"]
    ]
    lines += _align([header, *rows], numeric_from=3)
    lines += ["", "by part:"]
    lines += _align(
        [
            (
                f"  {part}",
                f"{energy:.4g} J",
                f"{100 * data['shares_by_part'][part]:.1f} %",
            )
            for part, energy in data["by_part_J"].items()
        ]
    )
    lines += ["", "by kind:"]
    lines += _align(
        [
            (f"  {kind}", f"{energy:.4g} J", f"{100 * data['shares'][kind]:.1f} %")
            for kind, energy in data["by_kind_J"].items()
            if energy > 0
        ]
    )
    gap, sens = data["gap"], data["sensitivity"]
    lines += [
        "",
        f"total:  {data['total_J']:.4g} J",
        f"bound:  {data['bound_J']:.4g} J "
        f"(the total is {data['total_J'] / data['bound_J']:.3g} times the bound)",
        f"gap:    total - bound = {gap['total_minus_bound_J']:.4g} J"
        f" = core - bound {gap['core_J']:.4g} J"
        f" + peripheral {gap['peripheral_J']:.4g} J",
        f"core x {sens['core_scale']:g}: total {sens['total_J']:.4g} J "
        f"({100 * sens['relative_change']:+.1f} %), "
        f"{sens['translation_ratio']:.3g} times cheaper; "
        f"no core change can do better than {sens['ratio_cap']:.3g} times",
    ]
    if sens["below_bound"]:
        lines.append("note: the scaled core would cost less than the bound")
    return "\n".join(lines) + "\n"


def _align(rows, numeric_from: int = 1) -> list[str]:
    widths = [max(len(str(row[c])) for row in rows) for c in range(len(rows[0]))]
    return [
        "  ".join(
            str(cell).ljust(width) if c < numeric_from else str(cell).rjust(width)
            for c, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
