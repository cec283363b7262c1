"""The answers to a category's form (`tickets.forms.CategoryAnswersForm`): one rule for
the portal, the phone form and the ticket page, and one partial that draws them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import translation

from tests.factories import World
from zayavka.tickets.forms import MAX_ANSWER, CategoryAnswersForm, portal_prefix
from zayavka.tickets.models import Category, CategoryField

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(in_english: None) -> None:
    """Labels and messages are read in English."""


@pytest.fixture
def site(world: World) -> Category:
    CategoryField.objects.create(
        category=world.category,
        key="site_domain",
        label_ru="Адрес сайта",
        label_en="Site address",
        hint_en="e.g. romashka-shop.ru",
        required=True,
    )
    CategoryField.objects.create(
        category=world.category,
        key="browser",
        label_ru="Браузер",
        label_en="Browser",
        kind=CategoryField.Kind.CHOICE,
        choices=["Chrome", "Firefox"],
    )
    CategoryField.objects.create(
        category=world.category,
        key="steps",
        label_ru="Шаги",
        label_en="Steps",
        kind=CategoryField.Kind.TEXTAREA,
    )
    return world.category


def test_the_answers_are_stripped_cut_and_only_the_filled_ones_kept(site: Category) -> None:
    form = CategoryAnswersForm(
        site,
        {
            "field-site_domain": "  romashka-shop.ru ",
            "field-browser": "",
            "field-steps": "ы" * 6000,
        },
    )
    assert form.is_valid()
    assert form.cleaned_data == {"site_domain": "romashka-shop.ru", "steps": "ы" * MAX_ANSWER}


def test_a_required_field_left_blank_and_a_choice_not_offered_are_named(site: Category) -> None:
    form = CategoryAnswersForm(site, {"field-site_domain": "   ", "field-browser": "Opera"})
    assert not form.is_valid()
    assert form.errors == {
        "site_domain": ["This field is required."],
        "browser": ["Choose one of the offered values."],
    }


def test_no_category_asks_nothing() -> None:
    form = CategoryAnswersForm(None, {"field-anything": "x"})
    assert form.is_valid() and form.cleaned_data == {}


def test_the_portal_names_each_categorys_fields_apart(site: Category) -> None:
    form = CategoryAnswersForm(
        site, {f"cf_{site.pk}_site_domain": "x.ru"}, prefix=portal_prefix(site)
    )
    assert form["site_domain"].html_name == f"cf_{site.pk}_site_domain"
    assert form["site_domain"].auto_id == f"id_cf_{site.pk}_site_domain"
    assert form.is_valid() and form.cleaned_data == {"site_domain": "x.ru"}


def test_the_partial_draws_values_and_shows_errors_only_once_checked(site: Category) -> None:
    form = CategoryAnswersForm(site, {"field-browser": "Firefox", "field-steps": "1. <b>"})
    html = render_to_string("tickets/_category_answers.html", {"answers": form})
    assert 'for="id_field-site_domain">Site address *</label>' in html
    assert (
        '<input type="text" name="field-site_domain" id="id_field-site_domain" value="" required'
        ' aria-describedby="id_field-site_domain_hint">'
    ) in html
    assert '<small class="hint muted" id="id_field-site_domain_hint">e.g. romashka-shop.ru' in html
    assert '<option value="Firefox" selected>Firefox</option>' in html
    assert 'rows="3">1. &lt;b&gt;</textarea>' in html
    assert "This field is required." not in html  # typed so far, not yet checked

    assert not form.is_valid()
    checked = render_to_string("tickets/_category_answers.html", {"answers": form})
    assert '<div class="field invalid"><label for="id_field-site_domain">' in checked
    assert '<div class="errors" role="alert">This field is required.</div>' in checked


def test_an_unbound_form_shows_the_given_answers(site: Category) -> None:
    form = CategoryAnswersForm(site, initial={"site_domain": "x.ru", "version": "1.2"})
    html = render_to_string("tickets/_category_answers.html", {"answers": form})
    assert 'value="x.ru"' in html and "1.2" not in html


@pytest.fixture
def direction(world: World) -> CategoryField:
    return CategoryField.objects.create(
        category=world.category,
        key="mail_direction",
        label_ru="Что не работает",
        label_en="What fails",
        kind=CategoryField.Kind.CHOICE,
        choices=[
            {"value": "sending", "ru": "отправка", "en": "sending"},
            {"value": "receiving", "ru": "получение", "en": "receiving"},
        ],
    )


def test_a_choice_reads_in_the_readers_language_and_keeps_its_value(
    direction: CategoryField,
) -> None:
    with translation.override("ru"):
        assert direction.options() == [("sending", "отправка"), ("receiving", "получение")]
        assert direction.label_of("receiving") == "получение"
    assert direction.options()[0] == ("sending", "sending")
    form = CategoryAnswersForm(direction.category, {"field-mail_direction": "receiving"})
    assert form.is_valid()
    assert form.cleaned_data == {"mail_direction": "receiving"}
    wrong = CategoryAnswersForm(direction.category, {"field-mail_direction": "получение"})
    assert not wrong.is_valid()


def test_an_answer_kept_before_the_labels_reads_as_its_choice(direction: CategoryField) -> None:
    """Tickets answered when the choice was «отправка / sending» keep that text."""
    assert direction.value_of("отправка / sending") == "sending"
    with translation.override("ru"):
        assert direction.label_of("отправка / sending") == "отправка"
    form = CategoryAnswersForm(direction.category, initial={"mail_direction": "отправка / sending"})
    (row,) = [r for r in form.rows() if r.spec == direction]
    assert row.value == "sending"


def test_a_choice_without_a_value_is_refused_in_the_admin(direction: CategoryField) -> None:
    direction.choices = [{"ru": "отправка", "en": "sending"}]
    with pytest.raises(ValidationError):
        direction.clean()
