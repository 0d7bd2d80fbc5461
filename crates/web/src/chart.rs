//! Small line charts as inline SVG, drawn on the server — shared by the portal (a
//! patient's series) and the workspace (home measurements with the threshold band).
//!
//! Why SVG from the server: no script (the Content-Security-Policy forbids it), the
//! chart is part of the page the moment it arrives, and it carries a text
//! alternative (`<title>` + `role="img"`) while the same numbers are in a table
//! beside it for screen readers (WCAG 1.1.1).
use std::fmt::Write;

/// One point: x as a sortable instant (seconds), y the value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// An SVG line chart of `points` (sorted by x), `label` as its accessible name,
/// with an optional reference band (low, high) shaded.
pub fn line_chart(label: &str, points: &[Point], band: Option<(f64, f64)>) -> String {
    const W: f64 = 320.0;
    const H: f64 = 120.0;
    const PAD: f64 = 8.0;
    let mut svg = String::new();
    let esc = escape(label);
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" width="100%" role="img" aria-label="{esc}"><title>{esc}</title>"#
    );
    if points.is_empty() {
        svg.push_str("</svg>");
        return svg;
    }
    let (mut x0, mut x1) = (f64::MAX, f64::MIN);
    let (mut y0, mut y1) = (f64::MAX, f64::MIN);
    for p in points {
        x0 = x0.min(p.x);
        x1 = x1.max(p.x);
        y0 = y0.min(p.y);
        y1 = y1.max(p.y);
    }
    if let Some((lo, hi)) = band {
        y0 = y0.min(lo);
        y1 = y1.max(hi);
    }
    if (x1 - x0).abs() < f64::EPSILON {
        x1 = x0 + 1.0;
    }
    if (y1 - y0).abs() < f64::EPSILON {
        y1 = y0 + 1.0;
    }
    let sx = |x: f64| PAD + (x - x0) / (x1 - x0) * (W - 2.0 * PAD);
    let sy = |y: f64| H - PAD - (y - y0) / (y1 - y0) * (H - 2.0 * PAD);
    if let Some((lo, hi)) = band {
        let _ = write!(
            svg,
            r#"<rect class="band" x="{PAD}" y="{:.1}" width="{:.1}" height="{:.1}"/>"#,
            sy(hi),
            W - 2.0 * PAD,
            (sy(lo) - sy(hi)).max(0.0)
        );
    }
    let path: Vec<String> = points
        .iter()
        .map(|p| format!("{:.1},{:.1}", sx(p.x), sy(p.y)))
        .collect();
    let _ = write!(
        svg,
        r#"<polyline class="line" points="{}"/>"#,
        path.join(" ")
    );
    for p in points {
        let _ = write!(
            svg,
            r#"<circle class="dot" cx="{:.1}" cy="{:.1}" r="3"/>"#,
            sx(p.x),
            sy(p.y)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_has_a_name_and_one_dot_per_point() {
        let pts = [
            Point { x: 1.0, y: 10.0 },
            Point { x: 2.0, y: 12.0 },
            Point { x: 3.0, y: 11.0 },
        ];
        let svg = line_chart("Hemoglobin <g/dL>", &pts, Some((11.5, 15.0)));
        assert!(
            svg.contains(r#"aria-label="Hemoglobin &lt;g/dL&gt;""#),
            "{svg}"
        );
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(svg.matches("<rect").count(), 1);
        assert!(line_chart("x", &[], None).ends_with("</svg>"));
    }
}
