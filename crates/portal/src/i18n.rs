//! Languages of the portal: bokmål (default), nynorsk, English and northern Sami.
//!
//! Why flat JSON resource files (`locales/*.json`, key → text with `{name}`
//! placeholders): translators edit one file per language without touching code, a
//! unit test proves every language has every key, and a missing key falls back to
//! bokmål rather than showing a key to a citizen. Dates and numbers are written the
//! Norwegian way in every language (dd.mm.åååå, decimal comma), as Helsenorge does.
//!
//! The catalogue mechanism and the formats are the shared ones of `nordlys-web`;
//! this module holds the portal's languages and files.
use std::sync::OnceLock;

use nordlys_web::Catalog;

pub use nordlys_web::format::{date, date_time, fhir_date, number};

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

fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::Nb => include_str!("../locales/nb.json"),
        Lang::Nn => include_str!("../locales/nn.json"),
        Lang::En => include_str!("../locales/en.json"),
        Lang::Se => include_str!("../locales/se.json"),
    }
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let sources: Vec<(&'static str, &str)> = Lang::ALL
            .into_iter()
            .map(|l| (l.code(), source(l)))
            .collect();
        Catalog::from_sources(&sources)
    })
}

/// The text for `key` in `lang`, falling back to bokmål, then to the key itself.
pub fn text(lang: Lang, key: &str) -> &'static str {
    catalog().text(lang.code(), key)
}

/// [`text`] with `{name}` placeholders filled in.
pub fn text_with(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    catalog().text_with(lang.code(), key, args)
}

/// Whether a key exists in bokmål (for optional texts, e.g. per reason code).
pub fn has(key: &str) -> bool {
    catalog().has(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Each language's texts.
    fn catalogs() -> HashMap<Lang, HashMap<String, String>> {
        Lang::ALL
            .into_iter()
            .map(|l| (l, catalog().texts(l.code()).cloned().unwrap_or_default()))
            .collect()
    }

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
        let holes = nordlys_web::i18n::placeholders;
        for (key, nb) in &all[&Lang::Nb] {
            for lang in Lang::ALL {
                let other = &all[&lang][key];
                assert_eq!(holes(nb), holes(other), "{} {key}", lang.code());
            }
        }
    }

    #[test]
    fn norwegian_formats() {
        // The number and date formats themselves are tested in nordlys-web.
        assert_eq!(number(1234.5, 1), "1\u{a0}234,5");
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
