//! The benchmark harness shared by the criterion benches (`benches/`) and the `compare` binary.
//!
//! - [`peers`]: every contender (ours and the peers) behind one `Channel` interface;
//! - [`workloads`]: the timed workloads, each with a conservation check;
//! - [`stats`]: medians and percentiles; [`alloc`]: a counting allocator; [`svg`]: the chart;
//!   [`text`]: figures and the machine line as both reports print them.

pub mod alloc;
pub mod peers;
pub mod stats;
pub mod svg;
pub mod text;
pub mod workloads;
