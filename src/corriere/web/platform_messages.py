"""The platform's messages that the panel shows, marked for translation.

The platform raises errors in Italian (the source language); the panel translates them by looking
the message up in the catalog. Listing them here puts them in the extraction, so each catalog
covers them. A message built with values in it is listed in every form it can take, where those
are few (the password's minimum length), and stays Italian otherwise; one with a count in it
has a singular and a plural form (`PLURALS`).
"""

from __future__ import annotations

from collections.abc import Callable

from babel.support import NullTranslations

from corriere.platform.auth.sms_codes import WAIT, WAIT_PLURAL, WRONG_CODE, WRONG_CODE_PLURAL
from corriere.web.i18n import N_


def _wrong_code(translations: NullTranslations, num: int) -> str:
    return translations.ngettext(
        "Codice non corretto: resta %(num)s tentativo",
        "Codice non corretto: restano %(num)s tentativi",
        num,
    )


def _wait(translations: NullTranslations, num: int) -> str:
    return translations.ngettext(
        "Attendi %(num)s secondo prima di richiedere un nuovo codice",
        "Attendi %(num)s secondi prima di richiedere un nuovo codice",
        num,
    )


# Messages with a count (`params["num"]`): the platform's Italian template (either form) → the
# form for that count in the reader's language.
PLURALS: dict[str, Callable[[NullTranslations, int], str]] = {
    WRONG_CODE: _wrong_code,
    WRONG_CODE_PLURAL: _wrong_code,
    WAIT: _wait,
    WAIT_PLURAL: _wait,
}

MESSAGES = (
    # registration and activation
    N_(
        "Username non valido: da 3 a 32 caratteri tra lettere, cifre, punto, trattino e trattino basso"
    ),
    N_("Indirizzo e-mail non valido"),
    N_("Indicare il nome"),
    N_("Indicare il cognome"),
    N_("Per registrarsi occorre accettare le condizioni del servizio"),
    N_("Per registrarsi occorre accettare l'informativa sulla privacy"),
    N_("Username già in uso: scegline un altro"),
    N_("Username riservato: scegline un altro"),
    N_("Esiste già un account con questo indirizzo e-mail"),
    N_("L'account è già attivo: accedi con username e password"),
    N_("L'account è già attivo"),
    N_("Nessun codice da verificare: richiedine uno nuovo"),
    N_("Troppi tentativi errati: richiedi un nuovo codice"),
    N_("Il codice è scaduto: richiedine uno nuovo"),
    N_("Codice non corretto. Hai esaurito i tentativi: richiedi un nuovo codice"),
    N_("Hai richiesto troppi codici: riprova tra un'ora o contatta l'assistenza"),
    N_("L'account è bloccato: il codice di attivazione non può essere usato"),
    N_("Troppe registrazioni da questa connessione nell'ultima ora: riprova più tardi"),
    N_("Il servizio ha ricevuto troppe registrazioni nell'ultima ora: riprova più tardi"),
    N_("Nessun cambio di numero da confermare"),
    # sign-in and recovery
    N_("Username o password non corretti. Riprova."),
    N_("Troppi tentativi di accesso non riusciti: riprova tra 15 minuti"),
    N_("L'account è bloccato: contatta l'assistenza"),
    N_("L'account non è ancora attivo: inserisci il codice che ti abbiamo inviato via SMS"),
    N_("Il link non è valido o è scaduto: richiedi un nuovo link di recupero"),
    # password rules (platform/auth/policy.py)
    N_("La password deve avere almeno 10 caratteri"),
    N_("La password può avere al massimo 128 caratteri"),
    N_("La password non può iniziare o finire con uno spazio"),
    N_(
        "La password deve contenere almeno tre tipi di caratteri tra minuscole, maiuscole,"
        " cifre e simboli"
    ),
    N_("La password non può contenere il tuo username o il tuo indirizzo e-mail"),
    N_("Questa password è troppo facile da indovinare"),
    # account area
    N_("La password attuale non è corretta"),
    N_("La nuova password deve essere diversa da quella attuale"),
    N_("Prefisso internazionale non valido (es. 39)"),
    N_("Lingua non disponibile"),
    N_("Fuso orario sconosciuto"),
    N_("Indicare un'etichetta (al massimo 80 caratteri)"),
    N_("Password applicativa inesistente"),
    # bacheca
    N_("Indicare almeno una soglia"),
    N_("Indicare almeno un indirizzo e-mail"),
    N_("Al massimo 10 soglie"),
    N_("Al massimo 10 indirizzi"),
    N_("Importo non valido"),
    N_("L'importo deve essere maggiore di zero"),
    N_("Nessun account attivo con questo username"),
    N_("Non puoi spostare credito sul tuo stesso account"),
    N_("Credito insufficiente per completare l'operazione"),
    N_("Account inesistente"),
    # web sign-up (platform/contacts/signup.py; the field reasons come from contacts/fields.py)
    N_("Pagina di iscrizione inesistente"),
    N_(
        "Non è stato possibile completare la richiesta: attendi qualche secondo, ricarica la"
        " pagina e riprova."
    ),
    N_("Le iscrizioni non sono aperte in questo momento"),
    N_("Indica il numero di cellulare"),
    N_("Per iscriverti devi dare il consenso"),
    N_("Scegli almeno una lista"),
    N_("Lista non disponibile: ricarica la pagina e riprova"),
    N_("Troppe richieste da questa connessione: riprova tra un'ora"),
    N_("Troppe richieste in poco tempo: riprova più tardi"),
    N_("Campo non disponibile: %(name)s"),
    N_("Indica il testo del consenso"),
    N_("Il testo del consenso può avere al massimo 2000 caratteri"),
    N_("Il titolo può avere al massimo 120 caratteri"),
    N_("Numero di cellulare non valido: %(reason)s"),
    N_("Valore non valido: %(reason)s"),
    N_("contiene caratteri non numerici"),
    N_("numero non valido"),
    N_("non è un numero di cellulare"),
    N_("indirizzo e-mail non valido"),
    N_("numero di telefono non valido"),
    N_("sesso non riconosciuto (usa M o F)"),
    N_("provincia sconosciuta (usa la sigla, es. BO)"),
    N_("data non valida"),
    N_("data non valida (usa GG/MM/AAAA)"),
    N_("la data di nascita è nel futuro"),
    N_("troppo lungo (al massimo 100 caratteri)"),
    N_("troppo lungo (al massimo 200 caratteri)"),
    N_("troppo lungo (al massimo 254 caratteri)"),
    N_("troppo lungo (al massimo 2000 caratteri)"),
    N_("troppo lungo (al massimo 32 caratteri)"),
    N_("troppo lungo (al massimo 500 caratteri)"),
    N_("numero vuoto"),
    N_("numero non valido (manca il prefisso internazionale?)"),
    N_("non è un numero di cellulare (manca il prefisso internazionale?)"),
    N_("valore non riconosciuto (usa X per sì)"),
    # address book: contacts, groups, variables
    N_("Questo numero è già in rubrica"),
    N_("Contatto inesistente"),
    N_("Gruppo inesistente"),
    N_("Scegli un gruppo"),
    N_("Nessun contatto selezionato"),
    N_("Azione sconosciuta"),
    N_("Indicare il nome del gruppo"),
    N_("Il nome del gruppo può avere al massimo 100 caratteri"),
    N_("La firma può avere al massimo 100 caratteri"),
    N_("Esiste già un gruppo con questo nome"),
    N_(
        "Nome non valido: da 1 a 32 caratteri tra lettere minuscole, cifre e trattino basso,"
        " iniziando con una lettera"
    ),
    N_("Questo nome è già un campo della rubrica: scegline un altro"),
    N_("La descrizione può avere al massimo 200 caratteri"),
    N_("Hai già il numero massimo di variabili (50)"),
    N_("Esiste già una variabile con questo nome"),
    N_("Variabile inesistente"),
    # address book imports: refusals, failures and the reasons of rejected rows
    N_("Il file è vuoto"),
    N_("Il file supera la dimensione massima di %(size)s MB"),
    N_("Il file è danneggiato: non si riesce ad aprirlo"),
    N_("Il file è un documento di testo, non un foglio di calcolo: usa .xlsx, .xls, .ods o .csv"),
    N_("Formato del file non riconosciuto: usa .xlsx, .xls, .ods o .csv"),
    N_("Il file è un PDF, non un foglio di calcolo: usa .xlsx, .xls, .ods o .csv"),
    N_("Il file è una pagina web o un XML, non un foglio di calcolo: salvalo in .xlsx o .csv"),
    N_("Il file è protetto da password: toglila e riprova"),
    N_(
        "Il file si espande in modo anomalo una volta aperto (possibile «zip bomb»): non è stato"
        " importato"
    ),
    N_("Il file .ods è troppo grande per essere letto: salvalo in .xlsx o .csv e riprova"),
    N_("Il file non contiene fogli di lavoro"),
    N_("Il file è danneggiato o non è un foglio di calcolo leggibile"),
    N_("Il file è danneggiato: la lettura si è interrotta"),
    N_("Il file CSV non è leggibile: controlla virgolette e separatori"),
    N_(
        "Virgolette non chiuse alla riga %(row)s del file CSV: le righe che"
        " seguono finirebbero in una sola cella. Correggi il file e riprova"
    ),
    N_("Il file dell'importazione non è più disponibile"),
    N_("Il file non contiene righe da importare dopo le intestazioni"),
    N_("Il file ha più di %(limit)s righe: dividilo in più file e importali uno alla volta"),
    N_(
        "Manca la colonna Cellulare: la prima riga del foglio deve contenere le intestazioni"
        " (Nome, Cognome, Cellulare…). Intestazioni trovate: %(found)s"
    ),
    N_("Errore imprevisto durante l'importazione: nessun contatto è stato modificato"),
    N_("Non è stato possibile avviare l'importazione: riprova tra qualche minuto"),
    N_("Inserisci almeno un numero, uno per riga"),
    N_("Il testo incollato è troppo lungo: usa l'importazione da file"),
    N_("Manca il numero di cellulare"),
    N_("Numero ripetuto nel file: vale la riga %(row)s"),
)
