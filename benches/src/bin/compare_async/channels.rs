//! The async contenders behind one interface: ours, async-channel, flume's async API and tokio's
//! mpsc (bounded and unbounded).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// An async channel of `u64` with `producers` sending ends and `consumers` receiving ends; it is
/// closed for the receivers (drained, then `None`) once every sending end is dropped.
pub trait AsyncChannel: 'static {
    const NAME: &'static str;
    type Tx: Send + 'static;
    type Rx: Send + 'static;
    /// # Panics
    /// If the contender lacks the shape (tokio's mpsc: several consumers, or the other capacity).
    fn make(capacity: Option<usize>, producers: usize, consumers: usize) -> (Vec<Self::Tx>, Vec<Self::Rx>);
    fn send(tx: &Self::Tx, v: u64) -> impl Future<Output = ()> + Send + '_;
    /// The next value, or `None` once closed and empty.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;
}

/// Ours: `queue_blocking::Queue` shared in an `Arc`.
pub struct Ours;

/// A producer's end of ours: the last one dropped calls `shutdown()`, the moment a channel's last
/// sender would close it, so the consumers see the end as soon as the peers' consumers would.
pub struct OursTx {
    queue: Arc<queue_blocking::Queue<u64>>,
    live: Arc<AtomicUsize>,
}

impl Drop for OursTx {
    fn drop(&mut self) {
        if self.live.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.queue.shutdown();
        }
    }
}

impl AsyncChannel for Ours {
    const NAME: &'static str = "Queue";
    type Tx = OursTx;
    type Rx = Arc<queue_blocking::Queue<u64>>;
    fn make(capacity: Option<usize>, producers: usize, consumers: usize) -> (Vec<OursTx>, Vec<Self::Rx>) {
        let queue = Arc::new(match capacity {
            Some(n) => queue_blocking::Queue::bounded(n),
            None => queue_blocking::Queue::unbounded(),
        });
        let live = Arc::new(AtomicUsize::new(producers));
        let txs =
            (0..producers).map(|_| OursTx { queue: Arc::clone(&queue), live: Arc::clone(&live) }).collect();
        (txs, vec![queue; consumers])
    }
    async fn send(tx: &OursTx, v: u64) {
        tx.queue.put_async(v).await.expect("Queue: put before shutdown")
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        // The only error of an untimed get is `ShutDown`, after the last item.
        rx.get_async().await.ok()
    }
}

pub struct AsyncChannelPeer;

impl AsyncChannel for AsyncChannelPeer {
    const NAME: &'static str = "async-channel";
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    fn make(capacity: Option<usize>, producers: usize, consumers: usize) -> (Vec<Self::Tx>, Vec<Self::Rx>) {
        let (tx, rx) = match capacity {
            Some(n) => async_channel::bounded(n),
            None => async_channel::unbounded(),
        };
        (vec![tx; producers], vec![rx; consumers])
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.expect("async-channel: receivers alive")
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
}

pub struct FlumeAsync;

impl AsyncChannel for FlumeAsync {
    const NAME: &'static str = "flume";
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;
    fn make(capacity: Option<usize>, producers: usize, consumers: usize) -> (Vec<Self::Tx>, Vec<Self::Rx>) {
        let (tx, rx) = match capacity {
            Some(n) => flume::bounded(n),
            None => flume::unbounded(),
        };
        (vec![tx; producers], vec![rx; consumers])
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send_async(v).await.expect("flume: receivers alive")
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv_async().await.ok()
    }
}

/// kanal's async API (`bounded_async(n)`/`unbounded_async()`), MPMC like ours.
pub struct KanalAsync;

impl AsyncChannel for KanalAsync {
    const NAME: &'static str = "kanal";
    type Tx = kanal::AsyncSender<u64>;
    type Rx = kanal::AsyncReceiver<u64>;
    fn make(capacity: Option<usize>, producers: usize, consumers: usize) -> (Vec<Self::Tx>, Vec<Self::Rx>) {
        let (tx, rx) = match capacity {
            Some(n) => kanal::bounded_async(n),
            None => kanal::unbounded_async(),
        };
        (vec![tx; producers], vec![rx; consumers])
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.expect("kanal: receivers alive")
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
}

/// tokio's bounded mpsc (`channel(n)`): one consumer only.
pub struct TokioBounded;

impl AsyncChannel for TokioBounded {
    const NAME: &'static str = "tokio mpsc::channel";
    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = tokio::sync::mpsc::Receiver<u64>;
    fn make(capacity: Option<usize>, producers: usize, consumers: usize) -> (Vec<Self::Tx>, Vec<Self::Rx>) {
        assert_eq!(consumers, 1, "tokio mpsc has one receiver");
        let (tx, rx) = tokio::sync::mpsc::channel(capacity.expect("tokio mpsc::channel is bounded"));
        (vec![tx; producers], vec![rx])
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.expect("tokio mpsc: receiver alive")
    }
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_ {
        rx.recv()
    }
}

/// tokio's `unbounded_channel`: one consumer only.
pub struct TokioUnbounded;

impl AsyncChannel for TokioUnbounded {
    const NAME: &'static str = "tokio mpsc::unbounded_channel";
    type Tx = tokio::sync::mpsc::UnboundedSender<u64>;
    type Rx = tokio::sync::mpsc::UnboundedReceiver<u64>;
    fn make(capacity: Option<usize>, producers: usize, consumers: usize) -> (Vec<Self::Tx>, Vec<Self::Rx>) {
        assert_eq!(consumers, 1, "tokio mpsc has one receiver");
        assert!(capacity.is_none(), "tokio mpsc::unbounded_channel has no capacity");
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (vec![tx; producers], vec![rx])
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).expect("tokio mpsc: receiver alive")
    }
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_ {
        rx.recv()
    }
}
