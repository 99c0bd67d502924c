//! `cargo run --release -p queue-benches --bin compare`: a quick version of the benchmark suite.
//!
//! Runs every workload for ours and each peer in interleaved rounds (default 5), prints a Markdown
//! table of medians and median per-round ratios (above 1: we are better), the memory rows, and
//! writes the chart to `target/compare.svg`.
//!
//! Options (also `--help`): `--rounds N`, `--scale F` (multiplies every item count; 1.0 takes
//! about 70 s on a 2-vCPU VM), `--filter TEXT` (only workloads whose label contains TEXT),
//! `--svg PATH`, `--only NAME` (run just the contender called NAME, `--rounds` times per
//! workload, and print its values: for `perf record` or `strace -c` of one contender),
//! `--memory` (only the memory tables: allocations, and fill–drain cycles with page faults),
//! `--scaling` (the producer/consumer rows at 1/1 to 8/8 threads instead of the quick suite, for a
//! many-core machine; `--shapes 1/1,2/2,...` picks the shapes).

mod cases;
mod churn;
mod memory;
mod report;
mod scaling;

use std::time::Instant;

use queue_benches::alloc::Counting;
use queue_benches::text::machine;

#[global_allocator]
static ALLOC: Counting = Counting;

const HELP: &str = "
compare: ours against the peers, interleaved rounds, medians of paired ratios (docs/performance.md)

  --rounds N      rounds (default 5)
  --scale F       multiply every item count by F (default 1.0: about 70 s on 2 vCPUs)
  --filter TEXT   only workloads whose label contains TEXT
  --only NAME     run only the contender NAME, print its values (for perf or strace)
  --svg PATH      where to write the chart (default target/compare.svg)
  --memory        only the memory tables (allocations; fill-drain cycles with page faults)
  --scaling       the producer/consumer rows at 1/1, 2/2, 4/4, 8/8 instead (many-core machines)
  --shapes LIST   with --scaling: the shapes, as P/C,P/C,... (default 1/1,2/2,4/4,8/8)
";

struct Options {
    rounds: usize,
    scale: f64,
    filter: Option<String>,
    only: Option<String>,
    svg: std::path::PathBuf,
    memory_only: bool,
    /// `Some(shapes)` for `--scaling`.
    scaling: Option<Vec<(usize, usize)>>,
}

fn options() -> Options {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let mut o = Options {
        rounds: 5,
        scale: 1.0,
        filter: None,
        only: None,
        svg: target.join("compare.svg"),
        memory_only: false,
        scaling: None,
    };
    let mut shapes = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--rounds" => o.rounds = value().parse().expect("--rounds N"),
            "--scale" => o.scale = value().parse().expect("--scale F"),
            "--filter" => o.filter = Some(value()),
            "--svg" => o.svg = value().into(),
            "--only" => o.only = Some(value()),
            "--memory" => o.memory_only = true,
            "--scaling" => o.scaling = Some(scaling::SHAPES.to_vec()),
            "--shapes" => shapes = Some(scaling::parse_shapes(&value())),
            "--help" | "-h" => {
                println!("{}", HELP.trim());
                std::process::exit(0);
            }
            _ => {
                eprintln!("unknown argument {a}\n{}", HELP.trim());
                std::process::exit(2);
            }
        }
    }
    assert!(o.rounds >= 1 && o.scale > 0.0);
    if let Some(shapes) = shapes {
        assert!(o.scaling.is_some(), "--shapes goes with --scaling");
        o.scaling = Some(shapes);
    }
    o
}

fn main() {
    let o = options();
    let started = Instant::now();
    if o.memory_only {
        println!("{}", memory::table(o.scale));
        println!("{}", churn::table(o.scale, o.rounds));
        return;
    }
    let mut cases = match &o.scaling {
        Some(shapes) => scaling::cases(o.scale, shapes),
        None => cases::all(cases::Sizes::scaled(o.scale)),
    };
    if let Some(f) = &o.filter {
        cases.retain(|c| c.label.contains(f.as_str()));
    }
    if let Some(name) = &o.only {
        for case in &cases {
            for c in std::iter::once(&case.ours).chain(&case.peers).filter(|c| c.name == name.as_str()) {
                let values: Vec<Vec<f64>> = (0..o.rounds).map(|_| (c.run)()).collect();
                println!("{} | {name} | {values:.2?}", case.label);
            }
        }
        return;
    }
    eprintln!("compare: {} workloads x {} rounds on {}", cases.len(), o.rounds, machine());
    let measured = report::run(&cases, o.rounds, |round, case| {
        eprint!("\r\x1b[Kround {}/{}: {}", round + 1, o.rounds, case.label);
    });
    eprintln!();
    let rows = report::rows(&cases, &measured);
    println!("{}", report::table(&rows));
    if o.filter.is_none() && o.scaling.is_none() {
        println!("{}", memory::table(o.scale));
        println!("{}", churn::table(o.scale, o.rounds));
    }
    let subtitle = format!("{} rounds, medians of per-round ratios; {}", o.rounds, machine());
    let svg = queue_benches::svg::ratio_chart(
        "queue-blocking / queue-core vs peers",
        &subtitle,
        &report::bars(&rows),
    );
    if let Some(dir) = o.svg.parent() {
        std::fs::create_dir_all(dir).expect("create the chart's directory");
    }
    std::fs::write(&o.svg, svg).expect("write the chart");
    let misses = rows.iter().filter(|r| r.target.is_some_and(|t| r.ratio < t)).count();
    let targets = rows.iter().filter(|r| r.target.is_some()).count();
    println!(
        "targets met: {}/{targets}; chart: {}; took {:.0} s",
        targets - misses,
        o.svg.display(),
        started.elapsed().as_secs_f64()
    );
}
