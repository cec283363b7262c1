"""Article Markdown becomes safe HTML once, at save: what a hostile or careless author
writes cannot run in a reader's browser."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from zayavka.kb.render import MAX_ARTICLE_BYTES, check_size, plain_text, render_markdown


def test_markdown_is_rendered_by_a_real_markdown_library() -> None:
    html = render_markdown(
        "# Заголовок\n\n**жирный** и *курсив*, `код`\n\n"
        "1. раз\n2. два\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n~~старое~~\n"
    )
    assert "<h1>Заголовок</h1>" in html
    assert "<strong>жирный</strong>" in html and "<em>курсив</em>" in html
    assert "<ol>" in html and "<li>два</li>" in html
    assert "<table>" in html and "<td>2</td>" in html
    assert "<s>старое</s>" in html or "<del>старое</del>" in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<iframe src="https://evil.example/"></iframe>',
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](vbscript:msgbox)",
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<a href="javascript:alert(1)">x</a>',
        "<style>body{display:none}</style>",
        '<form action="https://evil.example/"><input name=p></form>',
        "![x](javascript:alert(1))",
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_scripts_frames_and_javascript_links_are_neutralised(source: str) -> None:
    html = render_markdown(f"Текст до.\n\n{source}\n\nТекст после.")
    for tag, attrs in tags_of(html):
        assert tag in {"p", "a", "img"}, html
        for name, value in attrs:
            assert not name.startswith("on"), html
            if name in {"href", "src"}:
                assert value.strip().lower().startswith(("https:", "mailto:", "/")), html
    assert "Текст после." in html


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, [(k, v or "") for k, v in attrs]))


def tags_of(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The elements of the HTML as a browser reads them: (tag, attributes)."""
    parser = _Tags()
    parser.feed(html)
    return parser.found


def test_raw_html_is_shown_as_text_not_dropped_silently() -> None:
    html = render_markdown("Нажмите <kbd>Ctrl</kbd> и <script>x()</script>")
    assert "&lt;script&gt;" in html


def test_links_keep_safe_schemes_and_our_own_addresses() -> None:
    html = render_markdown(
        "[сайт](https://example.org/a) [почта](mailto:help@desk.example) "
        "[портал](/portal/new/) [звонок](tel:+78123631787)"
    )
    assert 'href="https://example.org/a"' in html
    assert 'href="mailto:help@desk.example"' in html
    assert 'href="/portal/new/"' in html
    assert 'href="tel:+78123631787"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_images_only_from_this_site() -> None:
    html = render_markdown(
        "![экран](/kb/files/3/screen.png) ![чужой](https://tracker.example/p.gif)"
    )
    assert 'src="/kb/files/3/screen.png"' in html
    assert "tracker.example" not in html
    assert "//" not in render_markdown("![x](//tracker.example/p.gif)").split("src=")[-1]


def test_a_huge_article_is_refused_with_a_clear_message(in_english: None) -> None:
    check_size("а" * (MAX_ARTICLE_BYTES // 2))  # Cyrillic: two bytes a letter, just fits
    with pytest.raises(ValidationError) as refused:
        check_size("x" * 1024 * 1024)
    message = refused.value.messages[0]
    assert "1.0\xa0MB" in message and "256.0\xa0KB" in message
    assert "Split it" in message


@given(st.text(max_size=400))
def test_any_text_renders_without_a_script_or_a_handler(text: str) -> None:
    for tag, attrs in tags_of(render_markdown(text)):
        assert tag not in {"script", "iframe", "style", "form", "input", "svg", "object"}
        for name, value in attrs:
            assert not name.startswith("on")
            assert not value.strip().lower().startswith(("javascript:", "vbscript:", "data:"))


def test_plain_text_of_an_article() -> None:
    html = render_markdown("# Outlook\n\nПорт **993**, SSL &amp; TLS.\n\n- раз\n- два")
    assert plain_text(html) == "Outlook\nПорт 993, SSL & TLS.\nраз\nдва"
