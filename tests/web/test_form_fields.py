"""The form controls every panel form is made of (`field`, `button` from macros.html)."""

from __future__ import annotations

from corriere.web.i18n import Catalogs
from corriere.web.templating import LocalizedTemplates

FORM = """{% from "macros.html" import field, button %}
{{ field("nome", _("Nome"), value=form.nome, error=errors.nome, required=true, hint="Come in rubrica") }}
{{ field("password", "Password", value="segreta", type="password") }}
{{ field("tipo", "Tipo", value=form.tipo, type="select", options=[("a", "A & B"), ("b", "<b>")]) }}
{{ field("note", "Note", value=form.note, type="textarea", rows=3) }}
{{ field("assente", "Assente", value=form.manca) }}
{{ button(_("Salva"), kind="danger", name="azione", value='x"y') }}"""


def render(locale: str, **context: object) -> str:
    env = LocalizedTemplates(Catalogs()).environment(locale)
    return env.from_string(FORM).render(**context)


def test_values_typed_by_a_user_come_back_escaped_and_passwords_never() -> None:
    html = render(
        "it",
        form={"nome": '"><script>alert(1)</script>', "tipo": "b", "note": "</textarea><i>"},
        errors={"nome": "Il nome <è> obbligatorio"},
    )
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert "<script>" not in html and "<i>" not in html
    assert '<p class="field-error" id="f-nome-error">Il nome &lt;è&gt; obbligatorio</p>' in html
    assert 'aria-describedby="f-nome-hint f-nome-error"' in html
    assert 'aria-invalid="true"' in html and " required" in html
    assert "segreta" not in html  # a password is never echoed back
    assert '<option value="b" selected>&lt;b&gt;</option>' in html
    assert '<option value="a">A &amp; B</option>' in html
    assert ">&lt;/textarea&gt;&lt;i&gt;</textarea>" in html
    assert '<input type="text" id="f-assente" name="assente" value="">' in html  # undefined
    assert (
        '<button type="submit" class="button button-danger" name="azione" value="x&#34;y">Salva</button>'
        in html
    )


def test_labels_are_in_the_language_of_the_page() -> None:
    html = render("en", form={}, errors={})
    assert (
        '<label for="f-nome">First name <span class="required" aria-hidden="true">*</span></label>'
        in html
    )
    assert ">Save</button>" in html


def test_remembered_fields_keep_apart_what_prints_apart() -> None:
    """`field` reuses the markup of recent calls with the same plain arguments: a label given
    as trusted markup and the same text as a string, or equal numbers that print differently,
    must not share it."""
    from decimal import Decimal

    from markupsafe import Markup

    from corriere.web.form_html import field

    for _ in range(2):  # the second round is served from memory where it may be
        assert "<b>Nome</b>" in field("n", Markup("<b>Nome</b>"))
        assert "&lt;b&gt;Nome&lt;/b&gt;" in field("n", "<b>Nome</b>")
        assert 'value="1.0"' in field("q", "Q", value=Decimal("1.0"))
        assert 'value="1.00"' in field("q", "Q", value=Decimal("1.00"))
        assert 'value="1"' in field("q", "Q", value=1)
        assert 'value="True"' in field("q", "Q", value=True)
        options = (("a", "A"), ("b", "B"))
        assert '<option value="b" selected>' in field(
            "t", "T", value="b", type="select", options=options
        )
        assert "segreta" not in field("p", "P", value="segreta", type="password")
