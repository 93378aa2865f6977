//! The demo's recovery history: the last days of its responses replayed hour by hour
//! through the real rules, with managers acting on the cases the way a real team does —
//! most contacted within hours, some late and escalated, promises kept and broken,
//! compensations (some above the manager's limit, so approved upstairs), closures — and
//! the most recent ones still open. Seeded, so every demo tells the same story.

use anyhow::Context;
use cumbre_domain::access::Scope;
use cumbre_domain::recover::{CaseStatus, Resolution};
use cumbre_domain::{TenantId, UserId};
use cumbre_store::Store;
use cumbre_store::recover::{Actor, Moved};
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};

enum Step {
    Contact,
    Promise,
    KeepPromise(i64),
    Resolve,
    Approve(i64, UserId),
    /// Ask the recovered guest (who consented to contact) how we did.
    Winback,
    /// The guest answers the follow-up sent with this token.
    WinbackAnswer(String),
    Close,
}

/// Replays `days` of history; returns the number of cases opened.
pub async fn replay(
    store: &Store,
    tenant: TenantId,
    seed: u64,
    now: OffsetDateTime,
    days: i64,
) -> anyhow::Result<usize> {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed_ca5e);
    let start = (now - Duration::days(days))
        .replace_minute(0)?
        .replace_second(0)?
        .replace_nanosecond(0)?;
    store.reopen_for_rules(tenant, start).await?;
    let causes = store.root_causes(tenant).await?;
    let mut actors: HashMap<i64, Actor> = HashMap::new();
    // (when, case, step), kept sorted by time.
    let mut plan: Vec<(OffsetDateTime, i64, Step)> = Vec::new();
    let mut opened = 0;
    let mut tick = start;
    while tick < now {
        tick = (tick + Duration::hours(1)).min(now);
        let evaluated = store.evaluate_pending_before(tick, Some(tick)).await?;
        opened += evaluated.cases;
        for case in evaluated.opened {
            let roll = rng.f64();
            if roll < 0.07 {
                continue; // Forgotten: it will escalate.
            }
            // Usually within a couple of hours, sometimes past the 4-hour deadline.
            let contact = tick
                + Duration::minutes(if roll < 0.2 {
                    rng.i64(300..900)
                } else {
                    rng.i64(15..200)
                });
            plan.push((contact, case, Step::Contact));
            if rng.f64() < 0.4 {
                plan.push((contact + Duration::minutes(5), case, Step::Promise));
            }
            if rng.f64() < 0.9 {
                let resolve = contact + Duration::minutes(rng.i64(120..3600));
                plan.push((resolve, case, Step::Resolve));
                plan.push((
                    resolve + Duration::hours(rng.i64(2..10)),
                    case,
                    Step::Winback,
                ));
                if rng.f64() < 0.7 {
                    plan.push((
                        resolve + Duration::hours(rng.i64(12..72)),
                        case,
                        Step::Close,
                    ));
                }
            }
        }
        plan.sort_by_key(|(t, id, _)| (*t, *id));
        let due: Vec<_> = {
            let split = plan.partition_point(|(t, _, _)| *t <= tick);
            plan.drain(..split).collect()
        };
        for (at, case, step) in due {
            let detail = store.get_case(&Scope::Tenant(tenant), case, at).await?;
            let Some(owner) = detail.case.owner_id else {
                continue;
            };
            let actor = actor(store, tenant, &mut actors, owner).await?;
            let outcome = match step {
                Step::Contact if detail.case.status == CaseStatus::New => store
                    .move_case(
                        &actor,
                        case,
                        CaseStatus::Contacted,
                        "Llamé al huésped y le ofrecí una disculpa.",
                        None,
                        at,
                    )
                    .await
                    .map(|_| ()),
                Step::Promise if detail.case.status == CaseStatus::Contacted => {
                    let due_at = at + Duration::hours(20);
                    let id = store
                        .add_promise(
                            &actor,
                            case,
                            "Le llamamos mañana para confirmar que todo quedó resuelto.",
                            due_at,
                            at,
                        )
                        .await?;
                    if rng.f64() < 0.8 {
                        plan.push((
                            due_at - Duration::hours(rng.i64(1..10)),
                            case,
                            Step::KeepPromise(id),
                        ));
                    }
                    Ok(())
                }
                Step::KeepPromise(id) => store.keep_promise(&actor, id, None, at).await,
                Step::Resolve if detail.case.status.is_open() => {
                    let (kind, cents) = match rng.u8(0..10) {
                        0..=5 => ("", 0),
                        6 | 7 => ("cena de cortesía", rng.i64(40_000..120_000)),
                        8 => ("noche gratis", rng.i64(180_000..320_000)),
                        _ => ("ascenso de habitación", rng.i64(60_000..160_000)),
                    };
                    let cause = causes.get(rng.usize(0..causes.len().max(1)));
                    let resolution = Resolution {
                        action_taken: "Se corrigió el problema y se habló con el huésped.".into(),
                        root_cause_id: cause.map(|c| c.0),
                        compensation_type: kind.into(),
                        compensation_cents: cents,
                        lessons: if rng.f64() < 0.3 {
                            lesson(cause.map_or("", |c| c.1.as_str())).into()
                        } else {
                            String::new()
                        },
                    };
                    match store
                        .move_case(
                            &actor,
                            case,
                            CaseStatus::Resolved,
                            "",
                            Some(&resolution),
                            at,
                        )
                        .await
                    {
                        Ok(Moved::ApprovalRequested {
                            approval_id,
                            approver_id,
                        }) => {
                            plan.push((
                                at + Duration::hours(rng.i64(1..12)),
                                case,
                                Step::Approve(approval_id, approver_id),
                            ));
                            Ok(())
                        }
                        other => other.map(|_| ()),
                    }
                }
                Step::Approve(approval, approver) => {
                    let approver = self::actor(store, tenant, &mut actors, approver).await?;
                    store
                        .decide_approval(&approver, approval, None, true, "", at)
                        .await
                }
                Step::Winback
                    if detail.case.status == CaseStatus::Resolved
                        && !detail.customer_email.is_empty() =>
                {
                    let token = cumbre_web::platform::auth::secret::random_token()?;
                    store.send_winback(&actor, case, &token, at).await?;
                    // Most recovered guests answer within a couple of days.
                    if rng.f64() < 0.6 {
                        plan.push((
                            at + Duration::hours(rng.i64(3..48)),
                            case,
                            Step::WinbackAnswer(token),
                        ));
                    }
                    Ok(())
                }
                Step::WinbackAnswer(token) => {
                    answer_winback(store, &mut rng, &token, at).await?;
                    Ok(())
                }
                Step::Close if detail.case.status == CaseStatus::Resolved => store
                    .move_case(&actor, case, CaseStatus::Closed, "", None, at)
                    .await
                    .map(|_| ()),
                _ => Ok(()),
            };
            outcome.with_context(|| format!("demo case {case}"))?;
        }
        store.escalate_due(tick).await?;
        store.break_overdue_promises(tick).await?;
    }
    Ok(opened)
}

/// What a manager writes down after a case of this root cause.
fn lesson(cause: &str) -> &'static str {
    match cause {
        "Tiempo de espera" => {
            "Abrir una segunda fila en recepción cuando llegan dos grupos a la vez."
        }
        "Limpieza" => "Revisar la habitación antes de entregarla; el supervisor firma la lista.",
        "Mantenimiento" => {
            "Probar el aire acondicionado antes de asignar la habitación en temporada alta."
        }
        "Trato del personal" => {
            "Repasar con el turno de noche cómo ofrecer una disculpa y una alternativa."
        }
        "Ruido" => "No asignar habitaciones junto al salón los días con evento.",
        "Facturación" => "Confirmar los cargos con el huésped antes de cerrar la cuenta.",
        _ => "Llamar al huésped el mismo día en que se queja.",
    }
}

/// A recovered guest's answer to the follow-up: about half won back (9–10), some lukewarm,
/// a few still unhappy (whose answer the rules treat like any other detractor's).
async fn answer_winback(
    store: &Store,
    rng: &mut fastrand::Rng,
    token: &str,
    at: OffsetDateTime,
) -> anyhow::Result<()> {
    let inv = store
        .invitation_by_token(token)
        .await?
        .context("the win-back invitation")?;
    let (nps, comment) = match rng.u8(0..10) {
        0..=4 => (
            rng.i64(9..=10),
            "Quedé muy satisfecho con cómo lo resolvieron.",
        ),
        5..=7 => (rng.i64(7..=8), ""),
        _ => (rng.i64(2..=6), "La solución llegó tarde."),
    };
    let mut raw = serde_json::Map::new();
    raw.insert("nps".into(), nps.into());
    if !comment.is_empty() {
        raw.insert("comment".into(), comment.into());
    }
    let answers = cumbre_domain::listen::answers::check(&inv.definition, &raw)
        .map_err(|e| anyhow::anyhow!("win-back answer: {e:?}"))?;
    let recorded = store
        .record_response(
            cumbre_store::listen::NewResponse {
                tenant: inv.tenant,
                survey_id: inv.survey_id,
                version_id: inv.version_id,
                unit_id: inv.unit_id,
                touchpoint_id: inv.touchpoint_id,
                person_id: None,
                link_id: None,
                source: "invitation".into(),
                language: inv.language,
                nps: answers.nps(&inv.definition),
                answers,
                idempotency_key: None,
                submitted_at: at,
            },
            at,
        )
        .await?;
    store.invitation_answered(inv.id, recorded.id(), at).await?;
    Ok(())
}

pub(crate) async fn actor(
    store: &Store,
    tenant: TenantId,
    cache: &mut HashMap<i64, Actor>,
    user: UserId,
) -> anyhow::Result<Actor> {
    if let Some(a) = cache.get(&user.0) {
        return Ok(a.clone());
    }
    let u = store
        .get_user(&cumbre_domain::access::AdminGrant::operator(tenant), user)
        .await
        .context("a case owner")?;
    let a = Actor {
        user,
        role: u.role,
        scope: store.scope_for(&u).await?,
    };
    cache.insert(user.0, a.clone());
    Ok(a)
}
