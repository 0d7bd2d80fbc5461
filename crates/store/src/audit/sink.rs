//! Group commit for read audits: requests hand their AuditEvents to one task, which
//! writes whatever has gathered in one transaction and then answers every request.
//! A request waits for that answer before it responds, so no read goes unlogged.
use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};

use crate::backend::Backend;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::PendingWrite;

/// Most events in one transaction.
const MAX_BATCH: usize = 512;

struct Job {
    writes: Vec<PendingWrite>,
    done: oneshot::Sender<Result<(), String>>,
}

/// The sink; cheap to share.
pub(crate) struct AuditSink {
    backend: Arc<dyn Backend>,
    sender: OnceLock<mpsc::Sender<Job>>,
}

impl AuditSink {
    pub(crate) fn new(backend: Arc<dyn Backend>) -> Self {
        AuditSink {
            backend,
            sender: OnceLock::new(),
        }
    }

    /// Stores `writes` (chained AuditEvents); returns once they are committed.
    pub(crate) async fn record(&self, writes: Vec<PendingWrite>) -> StoreResult<()> {
        if writes.is_empty() {
            return Ok(());
        }
        // The task starts on first use, inside the runtime that serves requests.
        let sender = self.sender.get_or_init(|| {
            let (tx, rx) = mpsc::channel(4096);
            tokio::spawn(run(self.backend.clone(), rx));
            tx
        });
        let (done, answer) = oneshot::channel();
        sender
            .send(Job { writes, done })
            .await
            .map_err(|_| StoreError::Internal("the audit writer has stopped".into()))?;
        match answer.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Internal(format!("audit write failed: {e}"))),
            Err(_) => Err(StoreError::Internal(
                "the audit writer dropped a request".into(),
            )),
        }
    }
}

async fn run(backend: Arc<dyn Backend>, mut rx: mpsc::Receiver<Job>) {
    let ctx = RequestContext::new(nordlys_policy::Principal::System {
        client_id: "nordlys-audit".into(),
        orgnr: String::new(),
        scopes: Vec::new(),
    });
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        let mut count = jobs[0].writes.len();
        while count < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => {
                    count += job.writes.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let writes: Vec<PendingWrite> = jobs
            .iter_mut()
            .flat_map(|j| std::mem::take(&mut j.writes))
            .collect();
        let result = backend.commit(&ctx, writes).await.map(|_| ()).map_err(|e| {
            tracing::error!(error = %e, "audit commit failed");
            e.to_string()
        });
        for job in jobs {
            // A request that gave up waiting is fine: its events are stored.
            let _ = job.done.send(result.clone());
        }
    }
}
