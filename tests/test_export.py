"""Every output format has a renderer; SVG and HTML exports are well-formed documents."""

from __future__ import annotations

import html.parser
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from conftest import reference_models
from paramcalc.calculator import count
from paramcalc.cli import main
from paramcalc.render import OutputFormat
from paramcalc.render.reports import count_report
from paramcalc.render.text import RENDERERS, render
from paramcalc.sources import load

GPT2 = next(m for m in reference_models() if m["name"] == "gpt2")


def test_every_output_format_has_exactly_one_renderer() -> None:
    """The renderer table covers the OutputFormat enum, no more and no less."""
    assert set(RENDERERS) == set(OutputFormat)


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_renders_a_count(fmt: OutputFormat) -> None:
    """Each format renders gpt2's count, and the exact reference total appears in it."""
    text = render(count_report(count(load("gpt2"))), fmt)
    assert text.strip()
    assert f"{GPT2['total']:,}" in text or str(GPT2["total"]) in text


def test_svg_is_an_svg_document_with_every_group() -> None:
    """`--format svg` prints one parseable SVG image whose text holds each group's count."""
    result = CliRunner().invoke(main, ["count", "gpt2", "-f", "svg"], catch_exceptions=False)
    assert result.exit_code == 0
    root = ET.fromstring(result.stdout)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = " ".join(root.itertext()).replace("\xa0", " ")
    for group, value in GPT2["groups"].items():
        assert group in text
        assert f"{value:,}" in text


class TextCollector(html.parser.HTMLParser):
    """Collect the text of an HTML document and the tags that open in it."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        """Record each opening tag."""
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        """Record each run of text."""
        self.text.append(data)


def test_html_is_a_page_with_the_table() -> None:
    """`--format html` prints a whole page whose text holds the total and every group."""
    result = CliRunner().invoke(main, ["count", "gpt2", "-f", "html"], catch_exceptions=False)
    assert result.exit_code == 0
    parser = TextCollector()
    parser.feed(result.stdout)
    assert parser.tags[:2] == ["html", "head"] and "pre" in parser.tags
    text = "".join(parser.text)
    assert f"{GPT2['total']:,}" in text
    for value in GPT2["groups"].values():
        assert f"{value:,}" in text
