"""The platform's messages that the panel shows, marked for translation.

The platform raises errors in Italian (the source language); the panel translates them by looking
the message up in the catalog. Listing them here puts them in the extraction, so each catalog
covers them. A message built with values in it is listed in every form it can take, where those
are few (the attempts left, the password's minimum length), and stays Italian otherwise.
"""

from __future__ import annotations

from corriere.web.i18n import N_

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
    N_("Esiste già un account con questo indirizzo e-mail"),
    N_("L'account è già attivo: accedi con username e password"),
    N_("L'account è già attivo"),
    N_("Nessun codice da verificare: richiedine uno nuovo"),
    N_("Troppi tentativi errati: richiedi un nuovo codice"),
    N_("Il codice è scaduto: richiedine uno nuovo"),
    N_("Codice non corretto. Hai esaurito i tentativi: richiedi un nuovo codice"),
    N_("Codice non corretto: restano 4 tentativi"),
    N_("Codice non corretto: restano 3 tentativi"),
    N_("Codice non corretto: restano 2 tentativi"),
    N_("Codice non corretto: restano 1 tentativi"),
    N_("Hai richiesto troppi codici: riprova tra un'ora o contatta l'assistenza"),
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
)
