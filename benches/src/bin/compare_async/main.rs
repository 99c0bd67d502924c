//! `cargo run --release -p queue-benches --bin compare_async`: queue-blocking's async methods and
//! batch receive against their peers.
//!
//! Four sections, each a Markdown table on stdout:
//!
//! 1. async MPMC throughput: P producer tasks put N/P values each, C consumer tasks get until the
//!    queue is closed, on one tokio multi-thread runtime with 2 workers; bounded (1024), bounded
//!    (1: every item a hand-off) and unbounded; ours (`put_async`/`get_async`, `shutdown()` once the last producer is done) vs
//!    async-channel, flume's and kanal's async APIs, and tokio's mpsc where there is one consumer;
//! 2. async MPSC: the same with one consumer, vs tokio's `channel(n)` / `unbounded_channel`;
//! 3. async hand-off latency: ping-pong between two tasks through two unbounded queues;
//! 4. batch receive: a producer thread `put`s, a consumer thread takes with `get()`,
//!    `get_many(64)` or `get_many_async(64)` vs tokio's `recv_many(64)` (on a current-thread
//!    runtime in the consumer thread) and crossbeam-channel's `recv()` + `try_iter()`.
//!
//! Every contender runs once per round (ours first on even rounds, last on odd ones, as in
//! `compare`); a table shows the median over rounds, the min–max, and the median of the
//! per-round ratios ours/peer. Every run checks conservation (the count and the sum of the values
//! received equal those sent) and panics otherwise.
//!
//! Options: `--rounds R` (default 5), `--scale S` (multiplies every item count; 1.0 is 2 000 000
//! items per throughput run and 200 000 round trips per latency run), `--filter TEXT` (only the
//! workloads whose label contains TEXT), `--only NAME` (only the contenders whose name contains
//! NAME, their values printed per round: for `perf record`).

mod channels;
mod report;
mod runs;

use std::time::Instant;

use queue_benches::text::machine;
use tokio::runtime::{Builder, Runtime};

use channels::{AsyncChannel, AsyncChannelPeer, FlumeAsync, KanalAsync, Ours, TokioBounded, TokioUnbounded};
use report::{Case, Contender, Section, contender, ours, run, table};
use runs::{OursReceive, async_ping_pong, async_throughput, batch_crossbeam, batch_ours, batch_tokio};

/// The bounded configurations' capacity, the same for every contender.
const CAPACITY: usize = 1024;
/// Most items one batch receive takes.
const BATCH: usize = 64;

const HELP: &str = "
compare_async: queue-blocking's async methods and batch receive against their peers

  --rounds R   rounds (default 5); a table shows the median and the min-max over rounds
  --scale S    multiply every item count by S (default 1.0: 2000000 items per throughput run,
               200000 round trips per latency run)
  --filter TEXT  only workloads whose label contains TEXT
  --only NAME    only contenders whose name contains NAME; prints each run's value (for perf)
";

struct Options {
    rounds: usize,
    scale: f64,
    filter: Option<String>,
    only: Option<String>,
}

fn options() -> Options {
    let mut o = Options { rounds: 5, scale: 1.0, filter: None, only: None };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--rounds" => o.rounds = value().parse().expect("--rounds R"),
            "--scale" => o.scale = value().parse().expect("--scale S"),
            "--filter" => o.filter = Some(value()),
            "--only" => o.only = Some(value()),
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
    assert!(o.rounds >= 1 && o.scale > 0.0, "--rounds at least 1, --scale above 0");
    o
}

fn async_contender<'a, A: AsyncChannel>(
    rt: &'a Runtime,
    capacity: Option<usize>,
    p: usize,
    c: usize,
    items: u64,
) -> Contender<'a> {
    contender(A::NAME, move || async_throughput::<A>(rt, capacity, p, c, items))
}

fn capacity_label(capacity: Option<usize>) -> String {
    capacity.map_or_else(|| "unbounded".to_string(), |n| format!("bounded {n}"))
}

/// Section 1 or 2: one case per shape and capacity; tokio's mpsc joins where there is one consumer.
fn throughput_cases<'a>(rt: &'a Runtime, shapes: &[(usize, usize)], items: u64) -> Vec<Case<'a>> {
    let mut cases = Vec::new();
    for &(p, c) in shapes {
        for capacity in [Some(CAPACITY), Some(1), None] {
            let mut contenders = vec![
                ours("Queue put_async/get_async", "ours", move || {
                    async_throughput::<Ours>(rt, capacity, p, c, items)
                }),
                async_contender::<AsyncChannelPeer>(rt, capacity, p, c, items),
                async_contender::<FlumeAsync>(rt, capacity, p, c, items),
                async_contender::<KanalAsync>(rt, capacity, p, c, items),
            ];
            if c == 1 {
                contenders.push(match capacity {
                    Some(_) => async_contender::<TokioBounded>(rt, capacity, p, c, items),
                    None => async_contender::<TokioUnbounded>(rt, capacity, p, c, items),
                });
            }
            cases.push(Case { label: format!("{p}P/{c}C, {}", capacity_label(capacity)), contenders });
        }
    }
    cases
}

fn main() {
    let o = options();
    let started = Instant::now();
    // Multiples of 12, so every producer count divides them.
    let scaled = |n: f64| ((n * o.scale) as u64).max(12) / 12 * 12;
    let items = scaled(2_000_000.0);
    let round_trips = scaled(200_000.0);
    let warmup = (round_trips / 10).max(10);

    // One runtime for every async contender, so all of them see the same scheduler and workers.
    let rt = Builder::new_multi_thread().worker_threads(2).build().expect("a tokio runtime");
    let rt = &rt;

    let mut sections = vec![
        Section {
            title: "1. Async MPMC throughput".to_string(),
            note: format!(
                "M items/s, higher is better; {items} u64 per run; tokio multi-thread runtime, 2 workers"
            ),
            cases: throughput_cases(rt, &[(1, 1), (2, 2), (4, 4)], items),
        },
        Section {
            title: "2. Async MPSC throughput".to_string(),
            note: format!("M items/s, higher is better; {items} u64 per run; the same runtime"),
            cases: throughput_cases(rt, &[(1, 1), (4, 1)], items),
        },
        Section {
            title: "3. Async hand-off latency".to_string(),
            note: format!(
                "µs per round trip (mean), lower is better: ours/peer below 1 means ours is faster; \
                 {round_trips} round trips after {warmup} untimed; two tasks, two unbounded queues"
            ),
            cases: vec![Case {
                label: "ping-pong, unbounded".to_string(),
                contenders: vec![
                    ours("Queue put_async/get_async", "ours", move || {
                        async_ping_pong::<Ours>(rt, warmup, round_trips)
                    }),
                    contender(AsyncChannelPeer::NAME, move || {
                        async_ping_pong::<AsyncChannelPeer>(rt, warmup, round_trips)
                    }),
                    contender(FlumeAsync::NAME, move || {
                        async_ping_pong::<FlumeAsync>(rt, warmup, round_trips)
                    }),
                    contender(KanalAsync::NAME, move || {
                        async_ping_pong::<KanalAsync>(rt, warmup, round_trips)
                    }),
                    contender(TokioUnbounded::NAME, move || {
                        async_ping_pong::<TokioUnbounded>(rt, warmup, round_trips)
                    }),
                ],
            }],
        },
        Section {
            title: "4. Batch receive".to_string(),
            note: format!(
                "M items/s, higher is better; {items} u64 per run; one producer thread (blocking puts), \
                 one consumer thread, batches of up to {BATCH}"
            ),
            cases: [Some(CAPACITY), None]
                .into_iter()
                .map(|capacity| Case {
                    label: format!("1 thread → 1 thread, {}", capacity_label(capacity)),
                    contenders: vec![
                        ours("Queue get_many(64)", "get_many", move || {
                            batch_ours(OursReceive::GetMany, capacity, items)
                        }),
                        ours("Queue get() loop", "get", move || {
                            batch_ours(OursReceive::Get, capacity, items)
                        }),
                        ours("Queue get_many_async(64), current-thread rt", "get_many_async", move || {
                            batch_ours(OursReceive::GetManyAsync, capacity, items)
                        }),
                        contender("tokio mpsc recv_many(64), current-thread rt", move || {
                            batch_tokio(capacity, items)
                        }),
                        contender("crossbeam-channel recv() + try_iter()", move || {
                            batch_crossbeam(capacity, items)
                        }),
                    ],
                })
                .collect(),
        },
    ];

    if let Some(f) = &o.filter {
        for section in &mut sections {
            section.cases.retain(|c| c.label.contains(f.as_str()));
        }
        sections.retain(|s| !s.cases.is_empty());
    }
    if let Some(name) = &o.only {
        for round in 0..o.rounds {
            for case in sections.iter().flat_map(|s| &s.cases) {
                for c in case.contenders.iter().filter(|c| c.name.contains(name.as_str())) {
                    println!("round {round}: {} | {}: {:.3}", case.label, c.name, (c.run)());
                }
            }
        }
        return;
    }
    let cases: usize = sections.iter().map(|s| s.cases.len()).sum();
    eprintln!("compare_async: {cases} workloads x {} rounds on {}", o.rounds, machine());
    run(&mut sections, o.rounds);
    println!(
        "compare_async: {} rounds (medians; ratios are medians of per-round ratios), {}",
        o.rounds,
        machine()
    );
    for section in &sections {
        print!("{}", table(section));
    }
    println!("\ntook {:.1} s", started.elapsed().as_secs_f64());
}
