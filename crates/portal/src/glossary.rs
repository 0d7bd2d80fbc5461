//! Plain-language explanations of common medical words (issue #4 § 5): the journal
//! view lists, below a document's text, the glossary words that occur in it.
//!
//! Why a section below the text rather than marking each word: it needs no script,
//! reads the same with a screen reader as on a phone, and leaves the clinician's text
//! exactly as written. Why a region file merged over the built-in one: each region
//! uses its own abbreviations ("UNN", "NLSH"); a region adds or rewords entries
//! without a new build, and a broken file must never take the portal down, so it is
//! logged and left out. Matching is case-insensitive on whole words (letters and
//! digits on both sides end a word, æøå included) and accepts the common Norwegian
//! inflections ("epikrisen", "diagnosene"), since the journal text uses them.
use std::collections::BTreeMap;
use std::path::Path;

/// The built-in bokmål glossary.
const BUILT_IN: &str = include_str!("../glossary/nb.json");

/// Endings accepted after a glossary word (definite/plural forms, genitive).
const ENDINGS: [&str; 12] = [
    "", "en", "n", "et", "t", "a", "er", "r", "ene", "ne", "s", "ens",
];

/// Word → explanation.
#[derive(Debug, Clone, Default)]
pub struct Glossary {
    /// (word as written, lowercased word, explanation), sorted by the written word.
    entries: Vec<(String, String, String)>,
}

impl Glossary {
    /// The built-in glossary, with the region's file (if any) merged over it.
    pub fn load(region_file: Option<&Path>) -> Glossary {
        let mut words = parse(BUILT_IN).unwrap_or_else(|e| {
            tracing::error!(error = %e, "the built-in glossary is not valid JSON");
            BTreeMap::new()
        });
        if let Some(path) = region_file {
            match std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|s| parse(&s))
            {
                Ok(region) => words.extend(region),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "region glossary ignored");
                }
            }
        }
        Glossary::from_map(words)
    }

    fn from_map(words: BTreeMap<String, String>) -> Glossary {
        let mut entries: Vec<(String, String, String)> = words
            .into_iter()
            .filter(|(w, e)| !w.trim().is_empty() && !e.trim().is_empty())
            .map(|(w, e)| {
                let w = w.trim().to_owned();
                (w.clone(), w.to_lowercase(), e)
            })
            .collect();
        entries.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        // The same word in two spellings of case ("Hb", "HB"): the later one wins.
        entries.dedup_by(|later, earlier| {
            let same = later.1 == earlier.1;
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
        Glossary { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The glossary words occurring in `text`, alphabetically, each once:
    /// (word as the glossary writes it, explanation).
    pub fn find(&self, text: &str) -> Vec<(&str, &str)> {
        let lower = text.to_lowercase();
        self.entries
            .iter()
            .filter(|(_, w, _)| occurs(&lower, w))
            .map(|(word, _, explanation)| (word.as_str(), explanation.as_str()))
            .collect()
    }
}

fn parse(json: &str) -> Result<BTreeMap<String, String>, String> {
    serde_json::from_str(json).map_err(|e| e.to_string())
}

/// Whether `word` (lowercase) stands as a whole word, perhaps inflected, in `text`
/// (lowercase).
fn occurs(text: &str, word: &str) -> bool {
    let is_word_char = |c: char| c.is_alphanumeric();
    text.match_indices(word).any(|(at, _)| {
        let before_ok = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !is_word_char(c));
        if !before_ok {
            return false;
        }
        let rest = &text[at + word.len()..];
        ENDINGS.iter().any(|ending| {
            rest.strip_prefix(ending)
                .is_some_and(|after| after.chars().next().is_none_or(|c| !is_word_char(c)))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glossary(pairs: &[(&str, &str)]) -> Glossary {
        Glossary::from_map(
            pairs
                .iter()
                .map(|(w, e)| ((*w).to_owned(), (*e).to_owned()))
                .collect(),
        )
    }

    fn words<'a>(g: &'a Glossary, text: &str) -> Vec<&'a str> {
        g.find(text).into_iter().map(|(w, _)| w).collect()
    }

    #[test]
    fn whole_words_only_case_insensitive() {
        let g = glossary(&[("CRP", "betennelse"), ("Hb", "blod"), ("astma", "pust")]);
        assert_eq!(words(&g, "crp 45, HB 12,1"), vec!["CRP", "Hb"]);
        // Inside another word: no match ("hbs", "astmatisk", "pcrp").
        assert_eq!(words(&g, "PCRP og astmatisk, hbx"), Vec::<&str>::new());
        // Punctuation and hyphens end a word.
        assert_eq!(words(&g, "(CRP-verdi) astma."), vec!["astma", "CRP"]);
    }

    #[test]
    fn norwegian_letters_and_inflections() {
        let g = glossary(&[
            ("epikrise", "sammendrag"),
            ("blodtrykk", "trykk"),
            ("poliklinisk", "uten innleggelse"),
            ("søvn", "hvile"),
        ]);
        assert_eq!(
            words(&g, "Epikrisen er sendt. Blodtrykket var høyt."),
            vec!["blodtrykk", "epikrise"]
        );
        // æøå are letters: "søvnløs" is another word, "øsøvn" too.
        assert_eq!(words(&g, "søvnløs, øsøvn"), Vec::<&str>::new());
        assert_eq!(words(&g, "Dårlig SØVN."), vec!["søvn"]);
        // A compound is another word.
        assert_eq!(words(&g, "hjertepoliklinikken"), Vec::<&str>::new());
        assert_eq!(words(&g, "Poliklinisk kontroll"), vec!["poliklinisk"]);
    }

    #[test]
    fn built_in_loads_and_region_file_merges_or_is_ignored() {
        let built_in = Glossary::load(None);
        assert!(built_in.len() >= 30, "{} words", built_in.len());
        assert_eq!(words(&built_in, "Henvist til BUP."), vec!["BUP"]);
        let dir = std::env::temp_dir().join(format!("glossary-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let good = dir.join("region.json");
        std::fs::write(
            &good,
            r#"{"UNN": "Universitetssykehuset Nord-Norge", "BUP": "Egen forklaring"}"#,
        )
        .expect("write");
        let merged = Glossary::load(Some(&good));
        assert_eq!(merged.len(), built_in.len() + 1);
        assert_eq!(
            merged.find("BUP ved UNN"),
            vec![
                ("BUP", "Egen forklaring"),
                ("UNN", "Universitetssykehuset Nord-Norge")
            ]
        );
        let bad = dir.join("bad.json");
        std::fs::write(&bad, "{not json").expect("write");
        assert_eq!(Glossary::load(Some(&bad)).len(), built_in.len());
        assert_eq!(
            Glossary::load(Some(&dir.join("missing.json"))).len(),
            built_in.len()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
