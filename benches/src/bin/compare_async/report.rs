//! Rounds, medians and the Markdown tables.

use std::fmt::Write as _;

use queue_benches::stats::median;
use queue_benches::text::fmt_value;

pub(crate) struct Contender<'a> {
    pub(crate) name: &'static str,
    /// `Some(tag)` for ours: the table gets a ratio column "tag/peer" for it.
    pub(crate) ours: Option<&'static str>,
    pub(crate) run: Box<dyn Fn() -> f64 + 'a>,
    /// One value per round.
    pub(crate) values: Vec<f64>,
}

pub(crate) struct Case<'a> {
    pub(crate) label: String,
    pub(crate) contenders: Vec<Contender<'a>>,
}

pub(crate) struct Section<'a> {
    pub(crate) title: String,
    /// The unit, which way is better, the sizes: a line under the heading.
    pub(crate) note: String,
    pub(crate) cases: Vec<Case<'a>>,
}

pub(crate) fn contender<'a>(name: &'static str, run: impl Fn() -> f64 + 'a) -> Contender<'a> {
    Contender { name, ours: None, run: Box::new(run), values: Vec::new() }
}

pub(crate) fn ours<'a>(name: &'static str, tag: &'static str, run: impl Fn() -> f64 + 'a) -> Contender<'a> {
    Contender { ours: Some(tag), ..contender(name, run) }
}

/// Runs every contender once per round: ours first on even rounds and last on odd ones (within
/// each case), so drift in the machine's speed lands on both sides of a ratio.
pub(crate) fn run(sections: &mut [Section<'_>], rounds: usize) {
    let total: usize = sections.iter().map(|s| s.cases.len()).sum();
    for round in 0..rounds {
        let mut done = 0;
        for section in sections.iter_mut() {
            for case in &mut section.cases {
                done += 1;
                eprint!("\r\x1b[Kround {}/{rounds}, case {done}/{total}: {}", round + 1, case.label);
                let n = case.contenders.len();
                let order: Vec<usize> =
                    if round % 2 == 0 { (0..n).collect() } else { (0..n).rev().collect() };
                for i in order {
                    let v = (case.contenders[i].run)();
                    case.contenders[i].values.push(v);
                }
            }
        }
    }
    eprintln!();
}

/// A section as a Markdown table: per contender the median and the min–max over rounds, and per
/// ours variant the median of its per-round ratios to that contender.
pub(crate) fn table(section: &Section<'_>) -> String {
    let tags: Vec<&str> =
        section.cases.first().map_or_else(Vec::new, |c| c.contenders.iter().filter_map(|k| k.ours).collect());
    let mut s = String::new();
    let _ = writeln!(s, "\n### {}\n\n{}\n", section.title, section.note);
    let ratio_heads: String = tags.iter().map(|t| format!(" {t}/peer |")).collect();
    let _ = writeln!(s, "| workload | contender | median | min–max |{ratio_heads}");
    let _ = writeln!(s, "|---|---|---:|---:|{}", "---:|".repeat(tags.len()));
    for case in &section.cases {
        for (i, k) in case.contenders.iter().enumerate() {
            let lo = k.values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = k.values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let label = if i == 0 { case.label.as_str() } else { "" };
            let mut ratios = String::new();
            for tag in &tags {
                let o =
                    case.contenders.iter().find(|c| c.ours == Some(*tag)).expect("every case has each ours");
                if o.ours == k.ours {
                    ratios.push_str(" — |");
                } else {
                    let per_round: Vec<f64> = o.values.iter().zip(&k.values).map(|(a, b)| a / b).collect();
                    let _ = write!(ratios, " {:.2}x |", median(&per_round));
                }
            }
            let _ = writeln!(
                s,
                "| {label} | {} | {} | {}–{} |{ratios}",
                k.name,
                fmt_value(median(&k.values)),
                fmt_value(lo),
                fmt_value(hi)
            );
        }
    }
    s
}
