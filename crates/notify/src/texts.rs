//! The few words a notification says, per kind of news and language.
//!
//! Why so few and why here: a notification must carry no clinical content — not the
//! item, not the patient's name (a parent's message never names the child), only the
//! kind of news and where to read it after logging in. These are delivery texts, not
//! portal texts, so they live with delivery; the portal's locales are not involved.
/// A language a person can be written to in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Norwegian Bokmål (the default).
    Nb,
    /// Norwegian Nynorsk.
    Nn,
    /// English.
    En,
    /// Northern Sámi.
    Se,
}

impl Lang {
    /// The language of a BCP 47 code (`nb`, `no`, `nn-NO`, `en-GB`, `se`, `sme`, …);
    /// Bokmål for anything else or nothing.
    pub fn from_code(code: Option<&str>) -> Lang {
        let primary = code
            .and_then(|c| c.split(['-', '_']).next())
            .map(str::to_ascii_lowercase);
        match primary.as_deref() {
            Some("nn") => Lang::Nn,
            Some("en") => Lang::En,
            Some("se" | "sme") => Lang::Se,
            _ => Lang::Nb,
        }
    }
}

/// `(kind, nb, nn, en, se)`: what there is news of, as the sentence needs it.
const WHAT: &[(&str, &str, &str, &str, &str)] = &[
    (
        "new-document",
        "et nytt dokument",
        "eit nytt dokument",
        "a new document",
        "ođđa dokumeanta",
    ),
    (
        "new-letter",
        "et nytt brev",
        "eit nytt brev",
        "a new letter",
        "ođđa reive",
    ),
    (
        "letter-reminder",
        "et ulest brev",
        "eit ulese brev",
        "an unread letter",
        "lohkkakeahtes reive",
    ),
    (
        "new-result",
        "et nytt prøvesvar",
        "eit nytt prøvesvar",
        "a new test result",
        "ođđa iskosa vástádus",
    ),
    (
        "new-referral",
        "en ny henvisning",
        "ei ny tilvising",
        "a new referral",
        "ođđa čujuhus",
    ),
    (
        "new-appointment",
        "en ny avtale",
        "ein ny avtale",
        "a new appointment",
        "ođđa áigešiehtadus",
    ),
    (
        "new-message",
        "en ny melding",
        "ei ny melding",
        "a new message",
        "ođđa dieđáhus",
    ),
    (
        "new-form",
        "et nytt skjema",
        "eit nytt skjema",
        "a new form",
        "ođđa skovvi",
    ),
    (
        "new-plan",
        "en ny plan",
        "ein ny plan",
        "a new plan",
        "ođđa plána",
    ),
    (
        "new-measurement",
        "en ny måling",
        "ei ny måling",
        "a new measurement",
        "ođđa mihtideapmi",
    ),
    (
        "new-critical-info",
        "ny kritisk informasjon",
        "ny kritisk informasjon",
        "new critical information",
        "ođđa kritihkalaš diehtu",
    ),
    (
        "new-medication",
        "ny informasjon om legemidler",
        "ny informasjon om legemiddel",
        "new information about medicines",
        "ođđa diehtu dálkasiid birra",
    ),
    (
        "new-vaccination",
        "en ny vaksinasjon",
        "ein ny vaksinasjon",
        "a new vaccination",
        "ođđa boahkuheapmi",
    ),
];

/// Emergency access to the record (the store's `emergency-access` kind): who and when
/// are in the access log, behind the login.
const EMERGENCY: (&str, &str, &str, &str, &str) = (
    "emergency-access",
    "et varsel om nødtilgang",
    "eit varsel om naudtilgang",
    "a notice of emergency access",
    "dieđáhus heahtebeassamis",
);

/// For a kind not in the table.
const ANYTHING: (&str, &str, &str, &str) = (
    "ny informasjon",
    "ny informasjon",
    "new information",
    "ođđa diehtu",
);

/// A notification's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts {
    /// E-mail subject.
    pub subject: String,
    /// E-mail body.
    pub email: String,
    /// SMS text (one short message).
    pub sms: String,
}

/// The words for news of `kind` in `lang`, pointing to `portal_url`.
pub fn compose(kind: &str, lang: Lang, portal_url: &str) -> Texts {
    let (nb, nn, en, se) = WHAT
        .iter()
        .chain(std::iter::once(&EMERGENCY))
        .find(|w| w.0 == kind)
        .map(|w| (w.1, w.2, w.3, w.4))
        .unwrap_or(ANYTHING);
    // E-mail lines stay under 76 characters so the mail goes as readable 8bit text.
    let (subject, headline, login, footer) = match lang {
        Lang::Nb => (
            "Nytt i Nordlys helse",
            format!("Du har {nb} i Nordlys helse."),
            "Logg inn for å lese:",
            "Denne meldingen er sendt automatisk og kan ikke besvares.",
        ),
        Lang::Nn => (
            "Nytt i Nordlys helse",
            format!("Du har {nn} i Nordlys helse."),
            "Logg inn for å lese:",
            "Denne meldinga er send automatisk og kan ikkje svarast på.",
        ),
        Lang::En => (
            "News in Nordlys helse",
            format!("You have {en} in Nordlys helse."),
            "Log in to read it:",
            "This message was sent automatically; replies are not read.",
        ),
        Lang::Se => (
            "Ođđasat Nordlys helses",
            format!("Dus lea {se} Nordlys helses."),
            "Čálit sisa lohkat:",
            "Dát dieđáhus lea sáddejuvvon automáhtalaččat, ii sáhte vástidit.",
        ),
    };
    Texts {
        subject: subject.to_string(),
        email: format!("{headline}\n{login} {portal_url}\n\n{footer}\n"),
        sms: format!("{headline} {login} {portal_url}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_the_store_has_its_words() {
        let kinds = [
            "new-document",
            "new-letter",
            "letter-reminder",
            "new-result",
            "new-referral",
            "new-appointment",
            "new-message",
            "new-form",
            "new-plan",
            "new-measurement",
            "new-critical-info",
            "new-medication",
            "new-vaccination",
        ];
        for kind in kinds {
            assert!(WHAT.iter().any(|w| w.0 == kind), "{kind}");
        }
        assert_eq!(WHAT.len(), kinds.len());
        assert_eq!(EMERGENCY.0, nordlys_store::notify::EMERGENCY_KIND);
        assert_eq!(
            compose(nordlys_store::notify::REMINDER_KIND, Lang::Nb, "u").sms,
            "Du har et ulest brev i Nordlys helse. Logg inn for å lese: u"
        );
        let t = compose("emergency-access", Lang::Nn, "u");
        assert_eq!(
            t.sms,
            "Du har eit varsel om naudtilgang i Nordlys helse. Logg inn for å lese: u"
        );
    }

    #[test]
    fn languages_and_texts() {
        assert_eq!(Lang::from_code(Some("nn-NO")), Lang::Nn);
        assert_eq!(Lang::from_code(Some("sme")), Lang::Se);
        assert_eq!(Lang::from_code(Some("EN")), Lang::En);
        assert_eq!(Lang::from_code(Some("de")), Lang::Nb);
        assert_eq!(Lang::from_code(None), Lang::Nb);
        let t = compose("new-result", Lang::Nb, "https://helse.example.no/");
        assert_eq!(
            t.sms,
            "Du har et nytt prøvesvar i Nordlys helse. Logg inn for å lese: https://helse.example.no/"
        );
        assert_eq!(
            t.email,
            "Du har et nytt prøvesvar i Nordlys helse.\nLogg inn for å lese: https://helse.example.no/\n\n\
             Denne meldingen er sendt automatisk og kan ikke besvares.\n"
        );
        let t = compose("something-else", Lang::En, "u");
        assert_eq!(
            t.sms,
            "You have new information in Nordlys helse. Log in to read it: u"
        );
    }
}
