//! Loom models of the Treiber stack: no item lost or duplicated under any interleaving of two
//! threads, and a popped node is never read after it is freed.
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use queue_core::TreiberStack;

/// A push racing a pop on an empty stack.
#[test]
fn push_races_pop() {
    loom::model(|| {
        let s = Arc::new(TreiberStack::new());
        let s2 = s.clone();
        let t = thread::spawn(move || s2.push(1));
        let got = s.pop();
        t.join().unwrap();
        let rest = s.pop();
        assert_eq!(got.into_iter().chain(rest).collect::<Vec<_>>(), vec![1]);
    });
}

/// Two threads each push then pop: the classic ABA shape, made safe by epoch.
#[test]
fn push_pop_pairs() {
    loom::model(|| {
        let s = Arc::new(TreiberStack::new());
        s.push(0);
        let s2 = s.clone();
        let t = thread::spawn(move || {
            s2.push(1);
            s2.pop()
        });
        s.push(2);
        let mine = s.pop();
        let theirs = t.join().unwrap();
        let mut all: Vec<i32> = mine.into_iter().chain(theirs).collect();
        while let Some(x) = s.pop() {
            all.push(x);
        }
        all.sort_unstable();
        assert_eq!(all, vec![0, 1, 2]);
    });
}

/// Same-thread LIFO order survives a concurrent pop.
#[test]
fn lifo_order_of_survivors() {
    loom::model(|| {
        let s = Arc::new(TreiberStack::new());
        let s2 = s.clone();
        let t = thread::spawn(move || s2.pop());
        s.push(1);
        s.push(2);
        let stolen = t.join().unwrap();
        let rest: Vec<i32> = std::iter::from_fn(|| s.pop()).collect();
        match stolen {
            None => assert_eq!(rest, vec![2, 1]),
            Some(1) => assert_eq!(rest, vec![2]),
            Some(2) => assert_eq!(rest, vec![1]),
            Some(x) => panic!("popped {x}, never pushed"),
        }
    });
}
