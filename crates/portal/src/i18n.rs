//! Languages of the portal: bokmål (default), nynorsk, English and northern Sami.
//!
//! Why flat JSON resource files (`locales/*.json`, key → text with `{name}`
//! placeholders): translators edit one file per language without touching code, a
//! unit test proves every language has every key, and a missing key falls back to
//! bokmål rather than showing a key to a citizen. Dates and numbers are written the
//! Norwegian way in every language (dd.mm.åååå, decimal comma), as Helsenorge does.
use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Oslo;

/// A portal language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Nb,
    Nn,
    En,
    Se,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::Nb, Lang::Nn, Lang::En, Lang::Se];

    /// The code used in `?lang=` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nb => "nb",
            Lang::Nn => "nn",
            Lang::En => "en",
            Lang::Se => "se",
        }
    }

    /// The BCP 47 tag for `<html lang>`.
    pub fn html_tag(self) -> &'static str {
        match self {
            Lang::Nb => "nb",
            Lang::Nn => "nn",
            Lang::En => "en",
            Lang::Se => "se",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The language's own name (for the switcher).
    pub fn own_name(self) -> &'static str {
        text(self, "lang.name")
    }
}

type Catalog = HashMap<String, String>;

fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::Nb => include_str!("../locales/nb.json"),
        Lang::Nn => include_str!("../locales/nn.json"),
        Lang::En => include_str!("../locales/en.json"),
        Lang::Se => include_str!("../locales/se.json"),
    }
}

fn catalogs() -> &'static HashMap<Lang, Catalog> {
    static CATALOGS: OnceLock<HashMap<Lang, Catalog>> = OnceLock::new();
    CATALOGS.get_or_init(|| {
        Lang::ALL
            .into_iter()
            .map(|l| {
                let catalog: Catalog = serde_json::from_str(source(l)).unwrap_or_else(|e| {
                    // The files are compiled in and checked by a unit test; an error
                    // here is a build mistake, answered with bokmål/keys, not a panic.
                    tracing::error!(lang = l.code(), error = %e, "locale file is not valid JSON");
                    Catalog::new()
                });
                (l, catalog)
            })
            .collect()
    })
}

/// The text for `key` in `lang`, falling back to bokmål, then to the key itself.
pub fn text(lang: Lang, key: &str) -> &'static str {
    let all = catalogs();
    all.get(&lang)
        .and_then(|c| c.get(key))
        .or_else(|| all.get(&Lang::Nb).and_then(|c| c.get(key)))
        .map(String::as_str)
        .unwrap_or_else(|| missing(key))
}

/// A missing key is shown as itself (interned: each distinct key leaks once, and keys
/// come from code, so the set is small). A unit test keeps this path unused.
fn missing(key: &str) -> &'static str {
    static MISSING: OnceLock<parking_lot::Mutex<std::collections::HashSet<&'static str>>> =
        OnceLock::new();
    tracing::warn!(key, "missing translation");
    let mut set = MISSING.get_or_init(Default::default).lock();
    if let Some(k) = set.get(key) {
        return k;
    }
    let leaked: &'static str = Box::leak(key.to_owned().into_boxed_str());
    set.insert(leaked);
    leaked
}

/// [`text`] with `{name}` placeholders filled in.
pub fn text_with(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut out = text(lang, key).to_owned();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// Whether a key exists in bokmål (for optional texts, e.g. per reason code).
pub fn has(key: &str) -> bool {
    catalogs()
        .get(&Lang::Nb)
        .is_some_and(|c| c.contains_key(key))
}

/// `21.11.2026`.
pub fn date(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// `21.11.2026 kl. 14:05` in Norwegian time (`kl.` is written in every language).
pub fn date_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Oslo)
        .format("%d.%m.%Y kl. %H:%M")
        .to_string()
}

/// A FHIR date or dateTime as written to a citizen: date only when that is all there is.
pub fn fhir_date(s: &str) -> String {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return date_time(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d") {
        return date(d);
    }
    s.to_owned()
}

/// `1 234,5`: decimal comma, no-break space between thousands.
pub fn number(value: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, value.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('\u{a0}');
        }
        grouped.push(ch);
    }
    let sign = if value < 0.0 { "−" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key() {
        let all = catalogs();
        let nb = &all[&Lang::Nb];
        assert!(nb.len() > 100, "bokmål has {} keys", nb.len());
        for lang in Lang::ALL {
            let c = &all[&lang];
            let mut missing: Vec<&String> = nb.keys().filter(|k| !c.contains_key(*k)).collect();
            missing.sort();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
            let mut extra: Vec<&String> = c.keys().filter(|k| !nb.contains_key(*k)).collect();
            extra.sort();
            assert!(
                extra.is_empty(),
                "{} has keys bokmål lacks: {extra:?}",
                lang.code()
            );
        }
    }

    #[test]
    fn placeholders_match_bokmal() {
        let all = catalogs();
        let holes = |s: &str| -> Vec<String> {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
                .collect();
            v.sort();
            v
        };
        for (key, nb) in &all[&Lang::Nb] {
            for lang in Lang::ALL {
                let other = &all[&lang][key];
                assert_eq!(holes(nb), holes(other), "{} {key}", lang.code());
            }
        }
    }

    #[test]
    fn norwegian_formats() {
        assert_eq!(number(1234.5, 1), "1\u{a0}234,5");
        assert_eq!(number(7.0, 0), "7");
        assert_eq!(number(-0.25, 2), "−0,25");
        assert_eq!(fhir_date("2026-11-05"), "05.11.2026");
        assert_eq!(fhir_date("2026-07-01T10:00:00Z"), "01.07.2026 kl. 12:00");
        assert_eq!(
            text_with(Lang::En, "test.hello", &[("name", "Kari")]),
            "Hello, Kari"
        );
        assert_eq!(Lang::from_code("se"), Some(Lang::Se));
        assert_eq!(Lang::from_code("sv"), None);
    }

    /// Keys whose northern Sami text may legitimately equal the bokmål one (only
    /// placeholders, or a word both languages write the same way).
    const SE_SAME_AS_NB: [&str; 3] = [
        "appointment.video",
        "chooser.person-no-age",
        "settings.by-patient",
    ];

    /// Words that exist in bokmål but not in nynorsk: a nynorsk text containing one is
    /// almost surely an untranslated copy. (A list of identical keys would not do for
    /// nynorsk: over a quarter of the texts, short labels such as "Status", "Dato" and
    /// "Brev", are rightly the same.)
    const BOKMAL_ONLY: &str = "ikke jeg hva hvem hvis hvor hvordan hvorfor hvilke hvilken \
        noe noen fra ble mye kommer gjør gjøre dere ennå selv uten sykehus sykehuset tjeneste \
        tjenesten tjenester tjenestene opplysninger opplysningene vises hjemme deres hver \
        gjelder dager mottatt";

    #[test]
    fn se_and_nn_are_translated() {
        let all = catalogs();
        let nb = &all[&Lang::Nb];
        let same = |lang: Lang| -> Vec<&String> {
            let mut v: Vec<&String> = nb
                .iter()
                .filter(|(k, t)| all[&lang].get(*k) == Some(*t))
                .map(|(k, _)| k)
                .collect();
            v.sort();
            v
        };
        let se_copies: Vec<&String> = same(Lang::Se)
            .into_iter()
            .filter(|k| !SE_SAME_AS_NB.contains(&k.as_str()))
            .collect();
        assert!(
            se_copies.is_empty(),
            "northern Sami texts identical to bokmål (translate them, or add the key to \
             SE_SAME_AS_NB if that is right): {se_copies:?}"
        );

        let mut nn_bokmal: Vec<(&String, String)> = Vec::new();
        for (key, text) in &all[&Lang::Nn] {
            let lower = text.to_lowercase();
            if let Some(w) = lower
                .split(|c: char| !c.is_alphabetic())
                .find(|w| BOKMAL_ONLY.split_whitespace().any(|b| b == *w))
            {
                nn_bokmal.push((key, w.to_owned()));
            }
        }
        nn_bokmal.sort();
        assert!(
            nn_bokmal.is_empty(),
            "nynorsk texts with bokmål words: {nn_bokmal:?}"
        );
        // A backstop against a whole file of copies: today about 28 % of the nynorsk
        // texts equal the bokmål ones, all short labels such as "Status" or "Brev".
        let nn_same = same(Lang::Nn).len();
        assert!(
            nn_same * 100 <= nb.len() * 40,
            "{nn_same} of {} nynorsk texts are identical to bokmål: {:?}",
            nb.len(),
            same(Lang::Nn)
        );
    }
}
