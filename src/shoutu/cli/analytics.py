"""Analytics commands: `shoutu rt`, `scan`, `detect` and `channels`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from shoutu.cli.output import emit_columns, emit_json, err, errors_as_exit

DateFormatOpt = Annotated[str | None, typer.Option(help="strptime format of dates.")]
OutputOpt = Annotated[
    Path | None, typer.Option(help="CSV or Parquet file (default: CSV on stdout).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON only.")]


def rt(
    input_file: Annotated[
        Path,
        typer.Argument(
            help="Daily series: date,cases | date,local,imported | dates,I; optional region column."
        ),
    ],
    si_mean: Annotated[float | None, typer.Option(help="Serial interval mean (days).")] = None,
    si_sd: Annotated[float | None, typer.Option(help="Serial interval sd (days).")] = None,
    si_distr: Annotated[Path | None, typer.Option(help="Serial interval file day,p.")] = None,
    window: Annotated[int, typer.Option(min=1, help="Window length in days.")] = 7,
    prior_mean: Annotated[float, typer.Option(help="Prior mean of R.")] = 5.0,
    prior_sd: Annotated[float, typer.Option(help="Prior sd of R.")] = 5.0,
    no_quantiles: Annotated[
        bool, typer.Option("--no-quantiles", help="Only mean and sd (faster).")
    ] = False,
    incomplete_days: Annotated[
        int,
        typer.Option(min=0, help="Warn about windows in the last N days of an onset-dated curve."),
    ] = 0,
    date_format: DateFormatOpt = None,
    output: OutputOpt = None,
    json: JsonOpt = False,
) -> None:
    """Time-varying reproduction number, exactly as R EpiEstim's estimate_R (Cori et al. 2013):
    one row per region and window, empty where EpiEstim gives NA."""
    from shoutu.services.surveillance.rt import rt_from_file

    with errors_as_exit(json):
        table = rt_from_file(
            input_file,
            si_mean=si_mean,
            si_sd=si_sd,
            si_distr=si_distr,
            window=window,
            prior_mean=prior_mean,
            prior_sd=prior_sd,
            quantiles=not no_quantiles,
            incomplete_days=incomplete_days,
            date_format=date_format,
        )
    for warning in table.warnings:
        err.print(f"warning: {warning}", highlight=False, markup=False)
    emit_columns(
        table.columns, table.provenance, "rows", json, output, {"warnings": table.warnings}
    )


def scan(
    input_file: Annotated[
        Path, typer.Argument(help="Cases: date,region,count (or one row per case: date,region).")
    ],
    centroids: Annotated[Path, typer.Option(help="region,lat,lon or region,x,y (km).")],
    max_share: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="Largest share of cases in a circle.")
    ] = 0.5,
    max_days: Annotated[int, typer.Option(min=1, help="Longest window, in days.")] = 7,
    replications: Annotated[
        int, typer.Option(min=9, max=99_999, help="Monte Carlo replications.")
    ] = 999,
    seed: Annotated[int, typer.Option(min=0, help="Random seed.")] = 0,
    date_format: DateFormatOpt = None,
    output: OutputOpt = None,
    json: JsonOpt = False,
) -> None:
    """Prospective space-time permutation scan (Kulldorff 2005, as SaTScan): clusters ending on
    the last day, most likely first, with Monte Carlo p-values and recurrence intervals."""
    from shoutu.services.surveillance.scan import scan_file

    with errors_as_exit(json):
        result = scan_file(
            input_file,
            centroids,
            max_share=max_share,
            max_days=max_days,
            replications=replications,
            seed=seed,
            date_format=date_format,
        )
    emit_columns(result.columns, result.provenance, "clusters", json, output)


def _int_pair(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    parts = text.split(",")
    if len(parts) != 2 or not all(part.strip().lstrip("-").isdigit() for part in parts):
        raise typer.BadParameter("expected two integers: CASES,PERIODS (e.g. 5,4)")
    return int(parts[0]), int(parts[1])


def detect(
    input_file: Annotated[
        Path,
        typer.Argument(
            help="Counts: date,region,count (long) or, with "
            "--wide, a date column and one column per "
            "region; daily or weekly."
        ),
    ],
    method: Annotated[
        str,
        typer.Option(
            help="ears-c1, ears-c2, ears-c3, cusum, bayes, farrington, farrington-flexible "
            "or moving-percentile."
        ),
    ],
    wide: Annotated[bool, typer.Option("--wide", help="Wide input.")] = False,
    baseline: Annotated[int | None, typer.Option(min=3, help="EARS baseline length [7].")] = None,
    alpha: Annotated[
        float | None,
        typer.Option(help="Alpha [EARS 0.001 for C1/C2, 0.025 for C3; Bayes, Farrington 0.05]."),
    ] = None,
    min_sigma: Annotated[float | None, typer.Option(min=0, help="EARS minimum sigma [0].")] = None,
    k: Annotated[float | None, typer.Option(help="CUSUM reference value k [1.04].")] = None,
    h: Annotated[float | None, typer.Option(help="CUSUM decision boundary h [2.26].")] = None,
    m: Annotated[
        float | None,
        typer.Option(help="CUSUM in-control mean [the mean before monitoring]."),
    ] = None,
    trans: Annotated[
        str | None,
        typer.Option(help="CUSUM transformation: standard, rossi, anscombe, anscombe2nd, none."),
    ] = None,
    b: Annotated[
        int | None, typer.Option("--b", min=0, help="Years back [Bayes 0, Farrington 5].")
    ] = None,
    w: Annotated[
        int | None,
        typer.Option("--w", min=0, help="Half-window (Farrington) or weeks back (Bayes) [3; 6]."),
    ] = None,
    act_y: Annotated[
        bool | None, typer.Option("--act-y/--no-act-y", help="Bayes: include the current year.")
    ] = None,
    reweight: Annotated[
        bool | None,
        typer.Option("--reweight/--no-reweight", help="Farrington: reweight outbreaks [yes]."),
    ] = None,
    weights_threshold: Annotated[
        float | None, typer.Option(help="Farrington flexible: reweighting threshold [2.58].")
    ] = None,
    trend: Annotated[
        bool | None, typer.Option("--trend/--no-trend", help="Farrington: allow a trend [yes].")
    ] = None,
    p_threshold_trend: Annotated[
        float | None, typer.Option(help="Farrington flexible: p-value to keep a trend [0.05].")
    ] = None,
    limit54: Annotated[
        str | None,
        typer.Option(help="Farrington: no bound below CASES in the last PERIODS steps [5,4]."),
    ] = None,
    powertrans: Annotated[
        str | None, typer.Option(help="Farrington: power transformation 2/3, 1/2 or none.")
    ] = None,
    no_periods: Annotated[
        int | None, typer.Option(min=1, help="Farrington flexible: periods per year [1].")
    ] = None,
    past_weeks_not_included: Annotated[
        int | None,
        typer.Option(min=0, help="Farrington flexible: recent steps left out [w]."),
    ] = None,
    threshold_method: Annotated[
        str | None,
        typer.Option(help="Farrington flexible: delta, nbPlugin or muan [delta]."),
    ] = None,
    period_days: Annotated[
        int | None, typer.Option(min=1, help="Moving percentile: period length in days [7].")
    ] = None,
    years: Annotated[
        int | None, typer.Option(min=1, help="Moving percentile: years back [3].")
    ] = None,
    neighbours: Annotated[
        int | None,
        typer.Option(min=0, help="Moving percentile: neighbouring periods on each side [2]."),
    ] = None,
    percentile: Annotated[
        float | None, typer.Option(help="Moving percentile: the alarm percentile [80].")
    ] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First monitored date.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last monitored date.")] = None,
    date_format: DateFormatOpt = None,
    output: OutputOpt = None,
    json: JsonOpt = False,
) -> None:
    """Aberration detection exactly as R surveillance (earsC, algo.cusum, algo.bayes,
    algo.farrington, farringtonFlexible) plus CIDARS' moving percentile: one row per region
    and monitored date — date,region,count,expected,upperbound,alarm. Options are R's control
    names; [defaults] are R's for the method."""
    from shoutu.services.surveillance.detect import detect_file

    options = {
        "baseline": baseline,
        "alpha": alpha,
        "min_sigma": min_sigma,
        "k": k,
        "h": h,
        "m": m,
        "trans": trans,
        "b": b,
        "w": w,
        "act_y": act_y,
        "reweight": reweight,
        "weights_threshold": weights_threshold,
        "trend": trend,
        "p_threshold_trend": p_threshold_trend,
        "limit54": _int_pair(limit54),
        "powertrans": powertrans,
        "no_periods": no_periods,
        "past_weeks_not_included": past_weeks_not_included,
        "threshold_method": threshold_method,
        "period_days": period_days,
        "years": years,
        "neighbours": neighbours,
        "percentile": percentile,
    }
    with errors_as_exit(json):
        table = detect_file(
            input_file,
            method=method,
            wide=wide,
            options=options,
            date_from=date_from,
            date_to=date_to,
            date_format=date_format,
        )
    emit_columns(table.columns, table.provenance, "rows", json, output)


def channels(
    ctx: typer.Context,
    channel: Annotated[str | None, typer.Argument(help="Channel (omit with --list).")] = None,
    level: Annotated[
        str, typer.Option(help="Region level: city, district, town, community, building.")
    ] = "district",
    weekly: Annotated[bool, typer.Option("--weekly", help="ISO weeks keyed by Monday.")] = False,
    list_: Annotated[bool, typer.Option("--list", help="List the channels.")] = False,
    output: OutputOpt = None,
    json: JsonOpt = False,
) -> None:
    """Count series of a surveillance channel (registry and event store) per region, as
    `shoutu detect` reads them: date,region,count,rate_per_100k."""
    from shoutu.cli.state import state
    from shoutu.services.surveillance.catalogue import channel_names
    from shoutu.services.surveillance.channels import channel_report

    if list_ or channel is None:
        with errors_as_exit(json):
            names = channel_names(state(ctx).settings().event_dir)
        if json:
            emit_json({"channels": names})
        else:
            sys.stdout.write("\n".join(names) + "\n")
        return
    with errors_as_exit(json):
        result = channel_report(state(ctx).context(), channel, level=level, weekly=weekly)
    emit_columns(result.columns, result.provenance, "rows", json, output)
