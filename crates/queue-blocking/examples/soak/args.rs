//! The command line: `--seconds N` (how long to run rounds) and `--seed S` (replay a round
//! sequence's parameters), with the usage text and the exits on `--help` (0) and bad input (2).

use std::process;

/// The parsed command line.
pub(crate) struct Args {
    pub(crate) seconds: u64,
    pub(crate) seed: Option<u64>,
}

const USAGE: &str = "usage: soak [--seconds N] [--seed S]\n  \
    --seconds N  run rounds until N seconds have passed (default 60; at least one round runs)\n  \
    --seed S     seed the round parameters (default: from the clock; printed at start)";

/// Parses `--seconds N` and `--seed S` (also as `--flag=value`); prints the usage and exits with
/// status 0 on `-h`/`--help`, with status 2 on anything else it does not understand.
pub(crate) fn parse_args() -> Args {
    fn value<T: std::str::FromStr>(flag: &str, v: Option<String>) -> T {
        match v.as_deref().map(str::parse) {
            Some(Ok(v)) => v,
            _ => {
                eprintln!("soak: {flag} needs a non-negative integer\n{USAGE}");
                process::exit(2);
            }
        }
    }
    let mut args = Args { seconds: 60, seed: None };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        match flag.as_str() {
            "--seconds" => args.seconds = value(&flag, inline.or_else(|| it.next())),
            "--seed" => args.seed = Some(value(&flag, inline.or_else(|| it.next()))),
            "-h" | "--help" => {
                println!("{USAGE}");
                process::exit(0);
            }
            _ => {
                eprintln!("soak: unknown argument `{arg}`\n{USAGE}");
                process::exit(2);
            }
        }
    }
    args
}
