"""Plain renderers (JSON, YAML, Markdown, CSV): no Rich import on these paths."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from paramcalc.render import OutputFormat, Report
from paramcalc.render.export import render_html, render_svg
from paramcalc.render.units import cell

#: Significant digits of a share written as a decimal in CSV.
SHARE_DIGITS = 12


def plain(value: Any) -> Any:
    """Make a payload JSON/YAML-safe: Fractions become floats, tuples lists, keys strings."""
    if isinstance(value, dict):
        return {str(getattr(k, "value", k)): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Fraction):
        return float(value)
    return getattr(value, "value", value)


def render_json(report: Report) -> str:
    """The report's data as indented JSON; integers stay exact."""
    return json.dumps(plain(report.data), indent=2) + "\n"


def render_yaml(report: Report) -> str:
    """The report's data as block YAML, keys in their natural order."""
    import yaml

    return str(yaml.safe_dump(plain(report.data), sort_keys=False, allow_unicode=True))


def csv_value(value: Any) -> Any:
    """A value as CSV holds it: exact integers, shares as plain decimals (never 1.5e-05)."""
    from decimal import Decimal, localcontext

    if isinstance(value, Fraction):
        with localcontext() as context:
            context.prec = SHARE_DIGITS
            return f"{(Decimal(value.numerator) / Decimal(value.denominator)).normalize():f}"
    if isinstance(value, float) and "e" in repr(value):
        return f"{Decimal(repr(value)):f}"
    return plain(value)


def render_csv(report: Report) -> str:
    """One table: a header row, then one row per table row (footer included), values exact.

    A report with sections becomes one long table of `table,row,column,value`, a line per
    filled cell, so that every output is a single table a CSV reader takes whole.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if not report.sections:
        writer.writerow(report.columns)
        writer.writerows([[csv_value(v) for v in row] for row in report.rows])
        writer.writerows([[csv_value(v) for v in row] for row in report.footer_rows()])
        return out.getvalue()
    writer.writerow(["table", "row", "column", "value"])
    for table in [report, *report.sections]:
        for row in [*table.rows, *table.footer_rows()]:
            writer.writerows(
                [table.key or table.title, csv_value(row[0]), column, csv_value(v)]
                for column, v in zip(table.columns[1:], row[1:], strict=True)
                if v not in ("", None)
            )
    return out.getvalue()


def markdown_table(report: Report) -> list[str]:
    """A GitHub-flavoured Markdown table of the rows, then the footer in bold."""
    lines = [f"| {' | '.join(report.columns)} |", "|" + "---|" * len(report.columns)]
    lines += [f"| {' | '.join(cell(v) for v in row)} |" for row in report.rows]
    for row in report.footer_rows():
        lines.append("| " + " | ".join(f"**{cell(v)}**" if v != "" else "" for v in row) + " |")
    return lines


def render_markdown(report: Report) -> str:
    """A heading, the table and its notes; sections follow, each with its own heading."""
    lines = [f"### {report.title}", "", *markdown_table(report)]
    lines += [""] + [f"- {note}" for note in report.notes] if report.notes else []
    for section in report.sections:
        lines += ["", f"#### {section.title}", "", *markdown_table(section)]
    return "\n".join(lines) + "\n"


def render_table(report: Report) -> str:
    """The Rich table, rendered to text (Rich is imported only here)."""
    from paramcalc.render.table import render_rich

    return render_rich(report)


RENDERERS: dict[OutputFormat, Callable[[Report], str]] = {
    OutputFormat.TABLE: render_table,
    OutputFormat.JSON: render_json,
    OutputFormat.YAML: render_yaml,
    OutputFormat.MARKDOWN: render_markdown,
    OutputFormat.CSV: render_csv,
    OutputFormat.SVG: render_svg,
    OutputFormat.HTML: render_html,
}


def render(report: Report, fmt: OutputFormat) -> str:
    """Render a report in one format."""
    return RENDERERS[fmt](report)
