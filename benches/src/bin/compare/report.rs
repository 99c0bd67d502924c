//! Interleaved rounds, medians of paired ratios, the table and the chart.

use std::fmt::Write as _;

use queue_benches::stats::median;
use queue_benches::svg::Bar;
use queue_benches::text::fmt_value;

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Better {
    Higher,
    Lower,
}

/// One measured quantity of a case, e.g. throughput in M items/s or a p99 in µs.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub name: &'static str,
    pub better: Better,
}

/// One thing measured: `run` returns one value per metric of its case.
pub struct Contender {
    pub name: &'static str,
    pub run: Box<dyn Fn() -> Vec<f64>>,
}

/// Ours against some peers on one workload.
pub struct Case {
    pub section: &'static str,
    pub label: String,
    pub metrics: Vec<Metric>,
    pub ours: Contender,
    pub peers: Vec<Contender>,
    /// The targets: the peer's name and the least acceptable ratio.
    pub targets: Vec<(&'static str, f64)>,
}

/// Every value measured for one case: `values[contender][metric][round]`, ours first.
pub struct Measured {
    values: Vec<Vec<Vec<f64>>>,
}

impl Case {
    fn contenders(&self) -> impl DoubleEndedIterator<Item = &Contender> {
        std::iter::once(&self.ours).chain(&self.peers)
    }
}

/// Runs `rounds` rounds; within a round every case runs each contender once, ours first on even
/// rounds and last on odd ones, so drift in the machine's speed lands on both sides of a ratio.
pub fn run(cases: &[Case], rounds: usize, mut progress: impl FnMut(usize, &Case)) -> Vec<Measured> {
    let mut all: Vec<Measured> = cases
        .iter()
        .map(|c| Measured { values: vec![vec![Vec::new(); c.metrics.len()]; c.peers.len() + 1] })
        .collect();
    for round in 0..rounds {
        for (case, measured) in cases.iter().zip(&mut all) {
            progress(round, case);
            let order: Vec<usize> = if round % 2 == 0 {
                (0..=case.peers.len()).collect()
            } else {
                (0..=case.peers.len()).rev().collect()
            };
            let contenders: Vec<&Contender> = case.contenders().collect();
            for i in order {
                let got = (contenders[i].run)();
                assert_eq!(got.len(), case.metrics.len(), "{}: one value per metric", contenders[i].name);
                for (m, v) in got.into_iter().enumerate() {
                    measured.values[i][m].push(v);
                }
            }
        }
    }
    all
}

/// One line of the report.
pub struct Row {
    pub section: &'static str,
    pub label: String,
    pub metric: &'static str,
    pub ours_name: &'static str,
    pub ours: f64,
    pub peer: &'static str,
    pub peer_value: f64,
    /// Median over rounds of the per-round ratio, oriented so that above 1 means we are better.
    pub ratio: f64,
    pub target: Option<f64>,
}

/// Turns measurements into rows: per peer and metric, the median of the per-round ratios.
pub fn rows(cases: &[Case], measured: &[Measured]) -> Vec<Row> {
    let mut out = Vec::new();
    for (case, m) in cases.iter().zip(measured) {
        for (p, peer) in case.peers.iter().enumerate() {
            for (k, metric) in case.metrics.iter().enumerate() {
                let ours = &m.values[0][k];
                let theirs = &m.values[p + 1][k];
                let ratios: Vec<f64> = ours
                    .iter()
                    .zip(theirs)
                    .map(|(o, t)| if metric.better == Better::Higher { o / t } else { t / o })
                    .collect();
                out.push(Row {
                    section: case.section,
                    label: case.label.clone(),
                    metric: metric.name,
                    ours_name: case.ours.name,
                    ours: median(ours),
                    peer: peer.name,
                    peer_value: median(theirs),
                    ratio: median(&ratios),
                    target: case.targets.iter().find(|(n, _)| *n == peer.name).map(|t| t.1),
                });
            }
        }
    }
    out
}

/// The rows as a Markdown table (so a run can be pasted into `docs/performance.md`).
pub fn table(rows: &[Row]) -> String {
    let mut s = String::new();
    let mut section = "";
    for r in rows {
        if r.section != section {
            section = r.section;
            let _ = writeln!(s, "\n### {section}\n");
            let _ = writeln!(s, "| workload | metric | ours | value | peer | value | ratio | target |");
            let _ = writeln!(s, "|---|---|---|---:|---|---:|---:|---|");
        }
        let target = match r.target {
            Some(t) if r.ratio >= t => format!("≥ {t:.1}: met"),
            Some(t) => format!("≥ {t:.1}: **missed**"),
            None => String::new(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {:.2}x | {} |",
            r.label,
            r.metric,
            r.ours_name,
            fmt_value(r.ours),
            r.peer,
            fmt_value(r.peer_value),
            r.ratio,
            target
        );
    }
    s
}

/// One bar per row, labelled "workload vs peer" (plus the metric where a workload has several).
pub fn bars(rows: &[Row]) -> Vec<Bar> {
    rows.iter()
        .map(|r| {
            let several = rows.iter().any(|o| o.label == r.label && o.metric != r.metric);
            let metric = if several { format!(" {}", r.metric) } else { String::new() };
            Bar { label: format!("{}{metric} vs {}", r.label, r.peer), ratio: r.ratio }
        })
        .collect()
}
