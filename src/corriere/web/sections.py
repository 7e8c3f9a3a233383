"""The panel's sections, as in the product manual: the navigation and the "coming soon" pages.

A section whose page is not built yet is served by one placeholder handler (`pages.py`). Building
it needs no change here: register a handler for its path and the placeholder steps aside
(`create_app` only fills paths no other handler serves).
"""

from __future__ import annotations

from dataclasses import dataclass

from corriere.web.i18n import N_


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    path: str
    label: str  # Italian msgid, translated where shown
    summary: str  # Italian msgid: what the section will hold

    def is_active(self, path: str) -> bool:
        if self.path == "/":
            return path == "/"
        return path == self.path or path.startswith(self.path + "/")


HOME = Section("pannello", "/", N_("Pannello"), N_("Il tuo credito e le tipologie di SMS."))

# The navigation, in the manual's order.
SECTIONS: tuple[Section, ...] = (
    HOME,
    Section(
        "invio",
        "/invio",
        N_("Invio SMS"),
        N_(
            "Invio singolo, a gruppi o profilato, con mittente personalizzato, variabili,"
            " programmazione, invio per blocchi e anteprima."
        ),
    ),
    Section(
        "sms20",
        "/sms20",
        N_("SMS 2.0"),
        N_("Landing page, mini siti ed e-commerce da raggiungere con un link nel messaggio."),
    ),
    Section(
        "ricezione",
        "/ricezione",
        N_("Ricezione Free"),
        N_("SMS ricevuti sul numero condiviso tramite il tuo codice di ricezione o alias."),
    ),
    Section(
        "risposte",
        "/risposte",
        N_("Risposte Free"),
        N_(
            "Le risposte agli SMS REPLY PRO entro 48 ore, le risposte automatiche e"
            " l'inoltro su e-mail o URL."
        ),
    ),
    Section(
        "rubrica",
        "/rubrica",
        N_("Rubrica"),
        N_("I tuoi contatti: aggiunta, ricerca, importazione ed esportazione."),
    ),
    Section(
        "gruppi",
        "/gruppi",
        N_("Gruppi"),
        N_("Liste di contatti con firma, importazione e iscrizione via web."),
    ),
    Section(
        "archivio",
        "/archivio",
        N_("Archivio"),
        N_("Gli SMS inviati, il dettaglio di ogni messaggio e lo stato di consegna."),
    ),
    Section(
        "statistiche",
        "/statistiche",
        N_("Statistiche"),
        N_("Grafici degli invii e dei report di consegna."),
    ),
    Section(
        "extra",
        "/extra",
        N_("Extra"),
        N_(
            "Auguri di compleanno, SMS offline, SMS chat, API, verifica numeri,"
            " SMS predefiniti e gestione scadenze."
        ),
    ),
    Section(
        "account",
        "/account",
        N_("Account"),
        N_("Dati personali, ricariche recenti, password applicative e mittenti."),
    ),
)

# Pages linked from the layout's user area, built later by the account pages.
ACCOUNT_PAGES: tuple[Section, ...] = (
    Section(
        "accesso", "/accesso", N_("Accedi"), N_("Accedi al pannello con nome utente e password.")
    ),
    Section(
        "registrazione",
        "/registrazione",
        N_("Registrati"),
        N_("Crea un account gratuito: ricevi crediti omaggio per provare il servizio."),
    ),
)

PLACEHOLDERS: tuple[Section, ...] = tuple(s for s in SECTIONS if s is not HOME) + ACCOUNT_PAGES


def section_for_path(path: str) -> Section | None:
    for section in (*SECTIONS, *ACCOUNT_PAGES):
        if section.path == path.rstrip("/") or (section.path == "/" and path == "/"):
            return section
    return None
