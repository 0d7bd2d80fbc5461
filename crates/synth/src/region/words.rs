//! Names, places and phrases for the synthetic region.
//!
//! Why lists and not a name generator: the data should read like Northern Norway
//! (Tromsø, Bodø, Harstad, Finnmark, Sami surnames) to people testing the portal, and
//! short fixed lists keep the output deterministic and cheap.

pub(crate) const FEMALE: &[&str] = &[
    "Anne",
    "Inger",
    "Kari",
    "Marit",
    "Ingrid",
    "Liv",
    "Eva",
    "Berit",
    "Astrid",
    "Bjørg",
    "Hilde",
    "Anna",
    "Solveig",
    "Marianne",
    "Randi",
    "Ida",
    "Nina",
    "Maria",
    "Elisabeth",
    "Kristin",
    "Silje",
    "Nora",
    "Emma",
    "Sara",
    "Sofie",
    "Ingeborg",
    "Thea",
    "Maja",
    "Emilie",
    "Julie",
    "Elle",
    "Ánne",
    "Sunniva",
    "Tiril",
    "Hanne",
    "Line",
    "Ragnhild",
    "Mathilde",
    "Aurora",
    "Frida",
];

pub(crate) const MALE: &[&str] = &[
    "Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Arne", "Svein", "Hans", "Geir",
    "Thomas", "Tor", "Morten", "Terje", "Odd", "Erik", "Martin", "Jon", "Anders", "Rune", "Trond",
    "Nils", "Magnus", "Jonas", "Emil", "Henrik", "Sander", "Elias", "Jakob", "Aslak", "Mikkel",
    "Isak", "Johan", "Even", "Sindre", "Håkon", "Ivar", "Mathias", "Kristian",
];

pub(crate) const FAMILY: &[&str] = &[
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jakobsen",
    "Dahl",
    "Halvorsen",
    "Henriksen",
    "Lund",
    "Sørensen",
    "Moen",
    "Iversen",
    "Strand",
    "Solberg",
    "Eide",
    "Mathisen",
    "Isaksen",
    "Mikkelsen",
    "Hætta",
    "Somby",
    "Utsi",
    "Eira",
    "Gaup",
    "Sara",
    "Aslaksen",
    "Hanssen",
];

pub(crate) const STREETS: &[&str] = &[
    "Storgata",
    "Kirkegata",
    "Sjøgata",
    "Fjordveien",
    "Skoleveien",
    "Parkveien",
    "Strandveien",
    "Havnegata",
    "Nordre gate",
    "Fjellveien",
    "Elvegata",
    "Bjørkeveien",
    "Nordlysveien",
    "Fiskerveien",
    "Moloveien",
];

/// (city, postal code, hospital index in the region's list of health trusts)
pub(crate) const CITIES: &[(&str, &str, usize)] = &[
    ("Tromsø", "9008", 0),
    ("Harstad", "9405", 0),
    ("Narvik", "8514", 0),
    ("Finnsnes", "9300", 0),
    ("Bodø", "8006", 1),
    ("Sortland", "8400", 1),
    ("Svolvær", "8300", 1),
    ("Fauske", "8200", 1),
    ("Mo i Rana", "8622", 2),
    ("Mosjøen", "8656", 2),
    ("Alta", "9510", 3),
    ("Hammerfest", "9600", 3),
    ("Vadsø", "9800", 3),
    ("Kirkenes", "9900", 3),
    ("Karasjok", "9730", 3),
    ("Kautokeino", "9520", 3),
];

/// (name, city) of the health trusts; the first keeps UNN's real organisation number
/// so contract.md's token examples address it.
pub(crate) const HOSPITALS: &[(&str, &str)] = &[
    ("Universitetssykehuset Nord-Norge HF", "Tromsø"),
    ("Nordlandssykehuset HF", "Bodø"),
    ("Helgelandssykehuset HF", "Mo i Rana"),
    ("Finnmarkssykehuset HF", "Hammerfest"),
];

/// (short key, unit type code, name) of the wards every health trust has.
pub(crate) const WARDS: &[(&str, &str, &str)] = &[
    ("barn", "paediatrics", "Barne- og ungdomsklinikken"),
    (
        "bup",
        "child-psychiatry",
        "BUP (barne- og ungdomspsykiatrisk poliklinikk)",
    ),
    ("med", "medicine", "Medisinsk poliklinikk"),
    ("kir", "surgery", "Kirurgisk poliklinikk"),
    ("lab", "laboratory", "Laboratoriemedisin"),
    ("rad", "radiology", "Radiologi"),
    ("pat", "pathology", "Klinisk patologi"),
    ("mikro", "microbiology", "Mikrobiologi"),
];

/// (title, text) of GP consultation notes.
pub(crate) const GP_NOTES: &[(&str, &str)] = &[
    (
        "Konsultasjon: luftveisinfeksjon",
        "Hoste og feber i fire dager. Lette funn ved lungeauskultasjon. Symptomatisk behandling.",
    ),
    (
        "Konsultasjon: ryggsmerter",
        "Korsryggsmerter etter løft. Ingen nevrologiske utfall. Råd om aktivitet.",
    ),
    (
        "Konsultasjon: kontroll blodtrykk",
        "Blodtrykk innenfor mål. Fortsetter dagens behandling.",
    ),
    (
        "Konsultasjon: hudutslett",
        "Kløende utslett på armene. Mild steroidkrem i en uke.",
    ),
    (
        "Konsultasjon: søvnvansker",
        "Problemer med innsovning siste måned. Søvnhygiene gjennomgått.",
    ),
    (
        "Konsultasjon: årskontroll",
        "Generelt i god form. Blodprøver tatt.",
    ),
    (
        "Konsultasjon: magesmerter",
        "Intermitterende smerter i øvre del av magen. Blodprøver og kontroll om to uker.",
    ),
    (
        "Konsultasjon: sykmelding",
        "Vurdering av arbeidsevne. Gradert sykmelding i to uker.",
    ),
    (
        "Telefonkonsultasjon",
        "Pasienten ringte om prøvesvar. Svarene gjennomgått, ingen tiltak.",
    ),
    (
        "Konsultasjon: øreverk",
        "Smerter i høyre øre. Rød trommehinne. Smertestillende og kontroll ved behov.",
    ),
];

/// (title, text) of hospital notes.
pub(crate) const WARD_NOTES: &[(&str, &str)] = &[
    (
        "Poliklinisk notat",
        "Vurdert i poliklinikken. Plan for videre utredning lagt sammen med pasienten.",
    ),
    (
        "Poliklinisk notat: kontroll",
        "Stabil tilstand. Ny kontroll om seks måneder.",
    ),
    (
        "Epikrise",
        "Innlagt til utredning. Utskrevet i god form med plan for oppfølging hos fastlege.",
    ),
    (
        "Tverrfaglig møte",
        "Drøftet i tverrfaglig møte. Enighet om videre behandlingsplan.",
    ),
    (
        "Sykepleienotat",
        "Informert om behandlingen. Pasienten har fått skriftlig informasjon.",
    ),
];

/// Reasons for referral by receiving ward key.
pub(crate) fn referral_reason(ward: &str) -> &'static str {
    match ward {
        "barn" => "Utredning av astma",
        "bup" => "Nedstemthet og søvnvansker",
        "med" => "Vurdering av diabetesbehandling",
        "kir" => "Galleblæresmerter",
        _ => "Utredning",
    }
}

/// Message thread openings from patients, and answers from the unit.
pub(crate) const QUESTIONS: &[&str] = &[
    "Hei! Jeg lurer på om jeg kan flytte timen min til neste uke?",
    "Jeg har fått mer vondt siden sist. Bør jeg komme tidligere?",
    "Kan dere sende meg resept på nytt? Den gamle er gått ut.",
    "Hva betyr svaret på blodprøven min?",
];

pub(crate) const ANSWERS: &[&str] = &[
    "Takk for beskjed. Vi har sendt deg et forslag til ny time.",
    "Vi ringer deg i morgen for å avtale videre oppfølging.",
    "Resepten er fornyet og ligger klar på apoteket.",
    "Svaret er innenfor normalområdet. Ingen tiltak er nødvendig.",
];
