//! Running many statements on one connection without waiting for each answer.
//!
//! Why: tokio-postgres sends a request the first time its future is polled and
//! matches answers in order, so polling all of a batch's statement futures together
//! sends them back to back and costs one network round trip instead of one per
//! statement. The server still executes them one after another, in the order given,
//! inside the same transaction. A batch import commits hundreds of resources at a
//! time; this is what keeps it within reach of the embedded store.
//!
//! Each future must send its request on its first poll (an `execute`/`query` on an
//! already prepared statement does), or the order on the wire would not be the order
//! of the list.
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;

/// A boxed statement future, so that statements of different kinds can share a batch.
pub(crate) type Pending<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Polls all futures together; the outputs come back in the order of the input.
pub(crate) async fn join_all<T>(futures: Vec<Pending<'_, T>>) -> Vec<T> {
    let mut futures: Vec<Option<Pending<'_, T>>> = futures.into_iter().map(Some).collect();
    let mut outputs: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    // Everything before `first_open` is done: answers arrive in order, so this keeps
    // the work per wake-up proportional to what is still outstanding.
    let mut first_open = 0;
    poll_fn(|cx| {
        for (slot, out) in futures.iter_mut().zip(outputs.iter_mut()).skip(first_open) {
            if let Some(f) = slot {
                if let Poll::Ready(v) = f.as_mut().poll(cx) {
                    *out = Some(v);
                    *slot = None;
                }
            }
        }
        while first_open < futures.len() && futures[first_open].is_none() {
            first_open += 1;
        }
        if first_open == futures.len() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn outputs_keep_input_order_whatever_finishes_first() {
        let futures: Vec<Pending<'_, u64>> = (0..5u64)
            .map(|i| -> Pending<'_, u64> {
                Box::pin(async move {
                    tokio::time::sleep(Duration::from_millis(50 - i * 10)).await;
                    i
                })
            })
            .collect();
        assert_eq!(join_all(futures).await, vec![0, 1, 2, 3, 4]);
    }

    #[tokio::test]
    async fn an_empty_batch_is_done_at_once() {
        assert_eq!(join_all::<u8>(Vec::new()).await, Vec::<u8>::new());
    }
}
