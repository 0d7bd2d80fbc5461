//! Base64 and a minimal one-page PDF, for document attachments.
//!
//! Why hand-made: the workspace has no base64 or PDF crate and the generator needs only
//! encoding and a valid single-page text PDF (with a correct cross-reference table, so
//! real viewers open it). Text is limited to printable ASCII; other characters are
//! replaced, which is enough for synthetic documents.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648), as FHIR `base64Binary` expects.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Norwegian letters spelled in ASCII, and anything else unprintable dropped, so the
/// PDF string literals stay valid without font encodings.
fn pdf_text(line: &str) -> String {
    let mut s = String::new();
    for c in line.chars() {
        match c {
            'æ' => s.push_str("ae"),
            'ø' => s.push_str("oe"),
            'å' => s.push_str("aa"),
            'Æ' => s.push_str("Ae"),
            'Ø' => s.push_str("Oe"),
            'Å' => s.push_str("Aa"),
            '(' | ')' | '\\' => {
                s.push('\\');
                s.push(c);
            }
            c if c.is_ascii_graphic() || c == ' ' => s.push(c),
            _ => s.push('?'),
        }
    }
    s
}

/// A valid one-page PDF showing `lines` in Helvetica.
pub fn one_page_pdf(lines: &[&str]) -> Vec<u8> {
    let mut content = String::from("BT /F1 12 Tf 56 780 Td 16 TL\n");
    for line in lines {
        content.push_str(&format!("({}) '\n", pdf_text(line)));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{}endstream", content.len(), content),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{}\nendobj\n", i + 1, body));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for o in offsets {
        out.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{}\n%%EOF\n",
        objects.len() + 1,
        xref
    ));
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64("blåbær".as_bytes()), "YmzDpWLDpnI=");
    }

    #[test]
    fn pdf_has_a_consistent_xref_table() {
        let pdf = String::from_utf8(one_page_pdf(&["Epikrise (utkast)", "Blåbær"])).unwrap();
        assert!(pdf.starts_with("%PDF-1.4\n") && pdf.ends_with("%%EOF\n"));
        assert!(pdf.contains("(Epikrise \\(utkast\\)) '") && pdf.contains("(Blaabaer) '"));
        let startxref: usize = pdf
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(pdf[startxref..].starts_with("xref\n0 6\n"));
        // Every listed offset points at its object header.
        let table: Vec<usize> = pdf[startxref..]
            .lines()
            .skip(3)
            .take(5)
            .map(|l| l[..10].parse().unwrap())
            .collect();
        for (i, off) in table.iter().enumerate() {
            assert!(
                pdf[*off..].starts_with(&format!("{} 0 obj", i + 1)),
                "object {}",
                i + 1
            );
        }
    }
}
