//! A horizontal bar chart of ratios, written as plain SVG.
//!
//! Our own ~100 lines instead of plotters: one chart type, no fonts or image crates to build, and
//! the output is a small text file that diffs well when a new run is committed under `docs/`.

use std::fmt::Write as _;

/// One bar: a label and our throughput over the peer's (above 1: we are faster).
#[derive(Debug, Clone)]
pub struct Bar {
    /// Printed left of the bar, e.g. `"unbounded 2/2 vs flume"`.
    pub label: String,
    /// Ours divided by the peer's, the median over rounds.
    pub ratio: f64,
}

const ROW: f64 = 18.0;
const PLOT_W: f64 = 460.0;
/// Average advance of an 11 px sans-serif character, for sizing the label column.
const CHAR_W: f64 = 6.2;
const TOP: f64 = 46.0;
/// The axis spans 1/16 ..= 16 on a log scale, so halving and doubling look the same size.
const SPAN: f64 = 4.0;

fn x_of(label_w: f64, ratio: f64) -> f64 {
    let l = ratio.max(1e-9).log2().clamp(-SPAN, SPAN);
    label_w + (l + SPAN) / (2.0 * SPAN) * PLOT_W
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Renders `bars` under `title` (and a smaller `subtitle`, e.g. the machine and date).
pub fn ratio_chart(title: &str, subtitle: &str, bars: &[Bar]) -> String {
    let longest = bars.iter().map(|b| b.label.chars().count()).max().unwrap_or(0);
    let label_w = (longest as f64 * CHAR_W + 16.0).max(120.0);
    let x_of = |ratio| x_of(label_w, ratio);
    let height = TOP + ROW * bars.len() as f64 + 40.0;
    let width = label_w + PLOT_W + 70.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(s, r#"<text x="8" y="18" font-size="14" font-weight="bold">{}</text>"#, escape(title));
    let _ = writeln!(s, r#"<text x="8" y="34" fill="dimgray">{}</text>"#, escape(subtitle));
    let bottom = TOP + ROW * bars.len() as f64;
    for k in -(SPAN as i32)..=SPAN as i32 {
        let r = 2f64.powi(k);
        let x = x_of(r);
        let (stroke, w) = if k == 0 { ("#000", 1.5) } else { ("#ddd", 1.0) };
        let _ = writeln!(
            s,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{bottom}" stroke="{stroke}" stroke-width="{w}"/>"#
        );
        let tick = if k >= 0 { format!("{}x", 1u32 << k) } else { format!("1/{}", 1u32 << -k) };
        let _ =
            writeln!(s, r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{tick}</text>"#, bottom + 14.0);
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="dimgray">ours vs peer: throughput ours/theirs, times theirs/ours (log scale; right of the black line = we are better)</text>"#,
        label_w + PLOT_W / 2.0,
        bottom + 30.0
    );
    let one = x_of(1.0);
    for (i, bar) in bars.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let x = x_of(bar.ratio);
        let (x0, w) = if x >= one { (one, x - one) } else { (x, one - x) };
        let fill = if bar.ratio >= 1.0 { "#2b8a3e" } else { "#c92a2a" };
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            label_w - 6.0,
            y + 12.5,
            escape(&bar.label)
        );
        let _ = writeln!(
            s,
            r#"<rect x="{x0:.1}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{fill}"/>"#,
            y + 3.0,
            ROW - 6.0
        );
        let _ =
            writeln!(s, r#"<text x="{:.1}" y="{:.1}">{:.2}x</text>"#, x.max(one) + 4.0, y + 12.5, bar.ratio);
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_sit_on_the_right_side_of_one() {
        let x = |r| x_of(100.0, r);
        assert!(x(2.0) > x(1.0) && x(0.5) < x(1.0));
        assert!((x(2.0) - x(1.0) - (x(1.0) - x(0.5))).abs() < 1e-9);
        let svg = ratio_chart("t", "s", &[Bar { label: "a<b".into(), ratio: 1.5 }]);
        assert!(svg.contains("a&lt;b") && svg.contains("1.50x") && svg.ends_with("</svg>\n"));
    }
}
