//! The scheduler: evaluates new responses against the alert rules, escalates overdue
//! cases, makes each new period's mystery-shopper visits and reads stored comments again
//! where a tenant's taxonomy or model changed. The server runs a pass every few seconds; `cumbre scheduler run-once`
//! runs one (with `--now` to act as of another time). Every pass is safe to run on several
//! servers sharing one PostgreSQL database: each response is claimed and each escalation
//! is a compare-and-set, so nothing happens twice.

use cumbre_domain::clock::Clock;
use cumbre_store::Store;
use cumbre_web::recover::notify::Delivery;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    pub responses: usize,
    pub cases_opened: usize,
    pub notifications: usize,
    pub escalated: Vec<(i64, i64)>,
    pub promises_broken: usize,
    /// Mystery-shopper visits made for a period that began.
    pub visits_planned: usize,
    /// Stored comments read again after a tenant's taxonomy or model changed.
    pub comments_reread: u64,
    /// Employee pulse cycles opened (their invitations queued).
    pub pulses_opened: usize,
}

/// Comments read again per batch, and the most time a pass spends on them: a pass must
/// come back soon to the alerts.
const REREAD_BATCH: i64 = 500;
const REREAD_BUDGET: Duration = Duration::from_millis(1500);

pub async fn run_once(store: &Store, now: OffsetDateTime) -> anyhow::Result<Pass> {
    use anyhow::Context;
    let evaluated = store
        .evaluate_pending(now)
        .await
        .context("evaluating new responses")?;
    let escalated = store
        .escalate_due(now)
        .await
        .context("escalating overdue cases")?;
    let promises_broken = store
        .break_overdue_promises(now)
        .await
        .context("breaking overdue promises")?;
    store
        .prune_rate_windows(now)
        .await
        .context("pruning rate windows")?;
    let visits_planned = store
        .plan_due_programmes(now)
        .await
        .context("planning mystery-shopper visits")?;
    let pulses_opened = store
        .open_due_pulses(now, &mut |_| {
            cumbre_web::platform::auth::secret::random_token().ok()
        })
        .await
        .context("opening pulse cycles")?;
    let started = std::time::Instant::now();
    let mut comments_reread = 0;
    while started.elapsed() < REREAD_BUDGET {
        match store
            .reread_step(REREAD_BATCH)
            .await
            .context("reading comments again")?
        {
            Some(n) => comments_reread += n,
            None => break,
        }
    }
    Ok(Pass {
        pulses_opened,
        comments_reread,
        visits_planned,
        promises_broken,
        responses: evaluated.responses,
        cases_opened: evaluated.cases,
        notifications: evaluated.notifications + escalated.len(),
        escalated,
    })
}

/// Sends what the passes queued: webhooks always, e-mails when SMTP is configured.
pub async fn deliver(
    store: &Store,
    delivery: &Delivery,
    clock: &dyn Clock,
) -> anyhow::Result<usize> {
    cumbre_web::recover::notify::deliver_due(store, delivery, clock).await
}

/// Runs a pass and delivers every `every`, for as long as the server runs.
pub fn spawn(
    store: Store,
    delivery: Delivery,
    clock: Arc<dyn Clock>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = deliver(&store, &delivery, clock.as_ref()).await {
                tracing::error!(error = ?e, "notification delivery");
            }
            match run_once(&store, clock.now()).await {
                Ok(p) if p.cases_opened > 0 || !p.escalated.is_empty() => {
                    tracing::info!(
                        cases = p.cases_opened,
                        escalated = p.escalated.len(),
                        "recovery scheduler"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "recovery scheduler"),
            }
            tokio::time::sleep(every).await;
        }
    })
}
