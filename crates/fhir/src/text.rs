//! String normalisation shared by indexing and search, so both sides agree.
//!
//! FHIR string search is case- and accent-insensitive. We lower-case and fold the
//! common Latin accents (é → e, ü → u), but keep æ, ø and å: in Norwegian they are
//! letters of their own, and "Bø" is not "Bo".

/// Lower-cased, accent-folded, whitespace collapsed.
pub fn normalize_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !last_space && !out.is_empty() {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        for l in c.to_lowercase() {
            out.push(fold(l));
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'ā' => 'a',
        'ç' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' | 'ń' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'š' => 's',
        'ž' => 'z',
        'đ' => 'd',
        'ŋ' => 'n',
        'ŧ' => 't',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_str;

    #[test]
    fn folds_case_and_accents_but_keeps_norwegian_letters() {
        assert_eq!(normalize_str("  José  MÜLLER "), "jose muller");
        assert_eq!(normalize_str("Bø i Vesterålen"), "bø i vesterålen");
        assert_eq!(normalize_str("Ærlig"), "ærlig");
    }
}
