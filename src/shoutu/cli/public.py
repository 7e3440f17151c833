"""`shoutu bulletin`: the daily bulletin (疫情通报) of a day, as of its 24:00."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from shoutu.cli.output import emit_json, errors_as_exit, out, parse
from shoutu.cli.state import state


def bulletin(
    ctx: typer.Context,
    date: Annotated[str, typer.Option("--date", help="The day (YYYY-MM-DD, local).")],
    lang: Annotated[str, typer.Option(help="zh or en.")] = "zh",
    fmt: Annotated[str, typer.Option("--format", help="md, html, pdf or json.")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", help="Write here (a PDF needs it) [print].")
    ] = None,
    json: Annotated[
        bool, typer.Option("--json", help="Print JSON only (what was written).")
    ] = False,
) -> None:
    """The NHC-style bulletin of a day as of its 24:00 from the registry: new infections local
    and imported by district (confirmed, of which reclassified from asymptomatic; asymptomatic),
    found inside control or in the community, community zero, discharges and deaths, contacts
    traced and under observation, risk areas, screening and vaccination, with an epidemic
    curve and a district map in HTML and PDF. Counts by event time: the bulletin of a past day
    does not change when later data arrives."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.errors import BadRequest
    from shoutu.services.public.bulletin_text import publish

    with errors_as_exit(json):
        day = parse("date", parse_date, date)
        if fmt == "pdf" and output is None:
            raise BadRequest("{output}: a PDF is written to a file: give --output FILE")
        found, content = publish(state(ctx).context(), day, lang=lang, fmt=fmt, output=output)
    if json:
        emit_json(
            {
                "date": found.day.isoformat(),
                "format": fmt,
                "lang": lang,
                "output": str(output) if output else None,
                "figures": found.figures,
            }
        )
        return
    if output is None:
        sys.stdout.write(content.decode())
        return
    f = found.figures
    out.print(
        f"{found.day}: {sum(f['new_infections'].values())} new infections "
        f"({f['new_infections']['local']} local, {f['new_infections']['imported']} imported) "
        f"→ {output}",
        markup=False,
    )
