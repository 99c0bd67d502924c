//! A job scheduler on `PriorityQueue`: lower numbers run first, jobs of equal priority run in the
//! order they were submitted, and the consumer works to a deadline (`get_deadline`), reporting what
//! it could not reach. Run with `cargo run --release --example priority_scheduler`.

use std::time::{Duration, Instant};

use queue_blocking::{GetError, PriorityQueue};

/// Ordered by priority only, so jobs of equal priority are "equal" and keep submission order.
#[derive(Debug)]
struct Job {
    priority: u8,
    name: String,
}

impl PartialEq for Job {
    fn eq(&self, other: &Self) -> bool {
        self.priority == other.priority
    }
}
impl Eq for Job {}
impl PartialOrd for Job {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Job {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.priority.cmp(&other.priority)
    }
}

fn main() {
    let jobs = PriorityQueue::new(0);
    let submissions = [
        (2, "rebuild search index"),
        (0, "page the on-call engineer"),
        (1, "send invoice #1"),
        (1, "send invoice #2"),
        (2, "compress old logs"),
        (1, "send invoice #3"),
        (0, "fail over the database"),
    ];
    std::thread::scope(|s| {
        s.spawn(|| {
            for (priority, name) in submissions {
                jobs.put(Job { priority, name: name.to_string() }).unwrap();
            }
            println!("submitter: {} jobs submitted", submissions.len());
        });
    });

    // The worker has a budget: it takes jobs until the deadline, each "costing" 1 ms.
    let deadline = Instant::now() + Duration::from_millis(200);
    let mut order = Vec::new();
    loop {
        match jobs.get_deadline(deadline) {
            Ok(job) => {
                std::thread::sleep(Duration::from_millis(1)); // the work itself
                println!("ran [{}] {}", job.priority, job.name);
                order.push(job.name);
                jobs.task_done().unwrap();
                if order.len() == 5 {
                    // Pretend the budget ran out early to show what is left behind.
                    break;
                }
            }
            Err(GetError::Empty) => break,
            Err(GetError::ShutDown) => unreachable!("nobody shuts this queue down"),
        }
    }
    let left: Vec<String> = jobs.shutdown_immediate().into_iter().map(|j| j.name).collect();
    println!("budget over; {} jobs not reached, in the order they would have run: {left:?}", left.len());
    assert_eq!(
        order,
        [
            "page the on-call engineer",
            "fail over the database",
            "send invoice #1",
            "send invoice #2",
            "send invoice #3"
        ],
        "priorities first, equal priorities in submission order"
    );
    assert_eq!(left, ["rebuild search index", "compress old logs"]);
    assert_eq!(jobs.unfinished_tasks(), 0, "the drained jobs no longer hold join()");
}
