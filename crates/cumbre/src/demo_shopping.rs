//! The demo's mystery shopping: a monthly covert programme over every hotel for the last
//! six months, visited in rotation by two shoppers of different severity, through the
//! same store calls the API makes. Most reports are published; a few wait for review or
//! were returned; managers disputed some failures (one overturned, one upheld, one still
//! open); three visits were made twice to compare the shoppers; one hotel's check-in
//! fails its time limit in the last two months, as its guests complain of waits; and this
//! month's visits are open on the shoppers' phones.

use cumbre_domain::TenantId;
use cumbre_domain::access::{AdminGrant, Role, Scope};
use cumbre_domain::decide::audit::RawAnswer;
use cumbre_domain::decide::programme::{Frequency, ProgrammeDefinition};
use cumbre_domain::decide::questions::{AnswerKind, FreeQuestion};
use cumbre_domain::decide::standard::Check;
use cumbre_domain::demo::responses::WORSENING;
use cumbre_domain::org::UnitKind;
use cumbre_domain::recover::{CaseStatus, Resolution};
use cumbre_store::Store;
use cumbre_store::decide::{AssignmentFilter, AuditReader, DisputeDecision, NewAudit, Review};
use jiff::ToSpan;
use time::{Duration, OffsetDateTime};

/// How often each shopper passes a behaviour that was done, and one that was not: the
/// first is lenient, the second strict (calibration shows it).
const PASS_WHEN_DONE: [u32; 2] = [99, 88];
const PASS_WHEN_NOT: [u32; 2] = [35, 5];
const MONTHS: i32 = 6;

/// What the shoppers are asked besides the standards.
const QUESTIONS: [(&str, &str, AnswerKind); 3] = [
    (
        "recommendation",
        "¿Qué le recomendó el personal durante la visita?",
        AnswerKind::Text,
    ),
    (
        "come-back",
        "¿Volvería a hospedarse aquí?",
        AnswerKind::YesNo,
    ),
    (
        "overall",
        "Su impresión general de la visita",
        AnswerKind::Rating,
    ),
];

/// A shopper's answers to [`QUESTIONS`]: a worse stay at the hotel whose check-in slipped.
fn free_answers(rng: &mut fastrand::Rng, worsening: bool) -> Vec<(String, String)> {
    let tips = [
        "El ceviche del restaurante y la alberca temprano, antes de que llegue la gente.",
        "Nada en particular; solo me dieron la llave.",
        "El tour a los cenotes que organiza la recepción.",
        "Cenar en la terraza a la puesta del sol.",
    ];
    let overall = if worsening {
        rng.u8(2..4)
    } else {
        rng.u8(3..6)
    };
    vec![
        (
            "recommendation".into(),
            tips[rng.usize(..tips.len())].into(),
        ),
        (
            "come-back".into(),
            if overall >= 4 { "yes" } else { "no" }.into(),
        ),
        ("overall".into(), overall.to_string()),
    ]
}

pub async fn history(
    store: &Store,
    tenant: TenantId,
    seed: u64,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let grant = AdminGrant::operator(tenant);
    let users = store.list_users(&grant).await?;
    // In the order they were taken on: the first is the lenient one.
    let mut auditors: Vec<_> = users
        .iter()
        .filter(|u| u.role == Role::Auditor)
        .map(|u| (u.id, u.email.clone()))
        .collect();
    auditors.sort_by_key(|(id, _)| id.0);
    if auditors.len() < 2 {
        return Ok(());
    }
    let reviewer = crate::demo_decide::executive_actor(&users);
    let units = store.list_units(&Scope::Tenant(tenant)).await?;
    let hotels: Vec<_> = units
        .iter()
        .filter(|u| u.kind == UnitKind::Location)
        .collect();
    let touchpoints = store.list_touchpoints(tenant).await?;
    let clock = store.tenant_clock(tenant).await?;
    let today = clock.local_date(now);
    let start = today
        .first_of_month()
        .checked_sub((MONTHS).months())
        .unwrap_or(today);
    let programme = store
        .create_programme(
            &grant,
            ProgrammeDefinition {
                name: "Huésped misterioso mensual".into(),
                briefing:
                    "Reserve por teléfono una noche para dos con una semana de anticipación. \
                    Llegue entre las 15:00 y las 17:00, cene en el restaurante principal, use la \
                    alberca por la mañana y pida la cuenta al salir. Mida los tiempos con el \
                    cronómetro del teléfono y no revele que es auditor."
                        .into(),
                covert: true,
                frequency: Frequency::Monthly,
                dispute_days: 7,
                units: hotels.iter().map(|u| u.id).collect(),
                touchpoints: touchpoints.iter().map(|t| t.id).collect(),
                auditors: auditors.iter().map(|a| a.0).collect(),
                questions: QUESTIONS
                    .iter()
                    .map(|(key, prompt, kind)| FreeQuestion {
                        key: (*key).into(),
                        prompt: (*prompt).into(),
                        kind: *kind,
                    })
                    .collect(),
            },
            &reviewer,
            cumbre_domain::improve::period::day_start(&clock.zone, start),
        )
        .await?;
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5407_0a0e);
    let mut disputed = 0;
    // Corrective actions opened by publications: (case, when).
    let mut corrective: Vec<(i64, OffsetDateTime)> = Vec::new();
    for back in (0..=MONTHS).rev() {
        let month = today
            .first_of_month()
            .checked_sub(back.months())
            .unwrap_or(today);
        let opened = cumbre_domain::improve::period::day_start(&clock.zone, month);
        store
            .generate_assignments(&grant, programme, month, &reviewer, opened)
            .await?;
        if back == 0 {
            // This month's visits are still to be made.
            continue;
        }
        let all = store
            .list_assignments(
                tenant,
                None,
                &AssignmentFilter {
                    programme: Some(programme),
                    ..Default::default()
                },
                now,
            )
            .await?;
        let period = month.to_string();
        let mut visits: Vec<_> = all.into_iter().filter(|a| a.period == period).collect();
        // Three visits of the third month are made again by the other shopper.
        if back == 3 {
            for a in visits.clone().iter().take(3) {
                let other = auditors
                    .iter()
                    .find(|(id, _)| *id != a.auditor_id)
                    .map(|(id, _)| *id)
                    .unwrap_or(a.auditor_id);
                let id = store
                    .add_calibration_visit(&grant, a.id, other, &reviewer, opened)
                    .await?;
                let (second, _) = store.assignment(tenant, id, now).await?;
                visits.push(second);
            }
        }
        for (i, a) in visits.iter().enumerate() {
            let (_, form) = store.assignment(tenant, a.id, now).await?;
            let strict = auditors
                .iter()
                .position(|(id, _)| *id == a.auditor_id)
                .unwrap_or(0);
            // A calibration visit happens the same day as the first one.
            let day = a.calibrates.unwrap_or(a.id) % 20 + 3;
            let visited = opened + Duration::days(day) + Duration::hours(16);
            if visited > now {
                continue;
            }
            let worsening = back <= 2
                && hotels
                    .iter()
                    .any(|h| h.id == a.unit_id && h.code.as_deref() == Some(WORSENING));
            // The same visit seen by two shoppers: the same draws, different severity.
            let mut visit_rng = fastrand::Rng::with_seed(
                seed ^ (a.calibrates.unwrap_or(a.id) as u64).wrapping_mul(0x9e37_79b9),
            );
            let answers = form
                .iter()
                .map(|item| {
                    let truly_done = visit_rng.u32(..100) < 95;
                    let draw = visit_rng.u32(..100);
                    let seen_done = if truly_done {
                        draw < PASS_WHEN_DONE[strict.min(1)]
                    } else {
                        draw < PASS_WHEN_NOT[strict.min(1)]
                    };
                    let answer = match item.standard.check {
                        Check::TimeLimit(limit) => {
                            let max = limit.max;
                            let measured = if worsening && item.key == "checkin-wait" {
                                max + 4 + visit_rng.u32(..8)
                            } else if seen_done {
                                (max / 2).max(1) + visit_rng.u32(..(max / 2).max(1))
                            } else {
                                max + 1 + visit_rng.u32(..(max / 2).max(1))
                            };
                            let note = if measured > max {
                                format!("Medí {measured}: más de lo prometido.")
                            } else {
                                String::new()
                            };
                            RawAnswer {
                                outcome: String::new(),
                                measured: measured.to_string(),
                                note,
                                ..Default::default()
                            }
                        }
                        // Targets are not on a form.
                        Check::Target(_) => RawAnswer {
                            outcome: "na".into(),
                            ..Default::default()
                        },
                        Check::Behaviour if visit_rng.u32(..100) < 4 => RawAnswer {
                            outcome: "na".into(),
                            ..Default::default()
                        },
                        Check::Behaviour if seen_done => RawAnswer {
                            outcome: "pass".into(),
                            ..Default::default()
                        },
                        Check::Behaviour => RawAnswer {
                            outcome: "fail".into(),
                            note: "No lo vi: nadie lo hizo durante mi visita.".into(),
                            ..Default::default()
                        },
                    };
                    (item.key.clone(), answer)
                })
                .collect();
            let auditor_email = auditors
                .iter()
                .find(|(id, _)| *id == a.auditor_id)
                .map_or(String::new(), |(_, e)| e.clone());
            let submitted = visited + Duration::hours(3);
            let (audit, _) = store
                .submit_audit(
                    tenant,
                    a.auditor_id,
                    NewAudit {
                        assignment_id: a.id,
                        visited_at: visited,
                        answers,
                        questions: free_answers(&mut visit_rng, worsening),
                        idempotency_key: Some(format!("demo-{}", a.id)),
                    },
                    &auditor_email,
                    submitted,
                )
                .await?;
            let reviewed = submitted + Duration::days(2);
            // The last month: two reports wait for review and one went back to its shopper.
            if back == 1 && i < 2 {
                continue;
            }
            if back == 1 && i == 2 || reviewed > now {
                if reviewed <= now {
                    store
                        .review_audit(
                            tenant,
                            audit,
                            Review::Return,
                            "Faltan notas en los tiempos: ¿qué pasó mientras esperaba?",
                            &reviewer,
                            reviewed,
                        )
                        .await?;
                }
                continue;
            }
            store
                .review_audit(tenant, audit, Review::Publish, "", &reviewer, reviewed)
                .await?;
            let published = store
                .get_audit(&AuditReader::Reviewer(tenant), audit)
                .await?;
            corrective.extend(
                published
                    .items
                    .iter()
                    .filter_map(|i| i.case_id)
                    .map(|c| (c, reviewed)),
            );
            // Managers dispute a few failures of the last months.
            if back <= 2 && disputed < 3 && rng.u32(..100) < 30 {
                let manager = users
                    .iter()
                    .find(|u| u.role == Role::Manager && u.scope_unit_id == Some(a.unit_id))
                    .map_or_else(|| "demo".to_owned(), crate::demo_decide::actor_of);
                disputed += dispute(
                    store, tenant, audit, disputed, &manager, &reviewer, reviewed,
                )
                .await?;
            }
        }
    }
    resolve_corrective(store, tenant, &corrective, now).await
}

/// The hotels worked their corrective actions: those older than ten days were talked
/// over with the team and resolved; the recent ones are still open.
async fn resolve_corrective(
    store: &Store,
    tenant: TenantId,
    cases: &[(i64, OffsetDateTime)],
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let mut actors = std::collections::HashMap::new();
    for &(case, opened) in cases {
        if opened + Duration::days(10) > now {
            continue;
        }
        let detail = store.get_case(&Scope::Tenant(tenant), case, now).await?;
        let Some(owner) = detail.case.owner_id else {
            continue;
        };
        let actor = crate::demo_recovery::actor(store, tenant, &mut actors, owner).await?;
        store
            .move_case(
                &actor,
                case,
                CaseStatus::Contacted,
                "Lo revisé con el turno que atendió la visita.",
                None,
                opened + Duration::days(1),
            )
            .await?;
        let resolution = Resolution {
            action_taken:
                "Se reentrenó al turno en el estándar y se verificó en la visita siguiente.".into(),
            root_cause_id: None,
            compensation_type: String::new(),
            compensation_cents: 0,
            lessons: String::new(),
        };
        store
            .move_case(
                &actor,
                case,
                CaseStatus::Resolved,
                "",
                Some(&resolution),
                opened + Duration::days(3),
            )
            .await?;
    }
    Ok(())
}

/// The hotel's manager disputes the audit's first failed behaviour; the first dispute is
/// overturned, the second upheld, the third still open. Returns 1 when one was raised.
async fn dispute(
    store: &Store,
    tenant: TenantId,
    audit: i64,
    nth: usize,
    manager: &str,
    reviewer: &str,
    published: OffsetDateTime,
) -> anyhow::Result<usize> {
    let reader = AuditReader::Reviewer(tenant);
    let detail = store.get_audit(&reader, audit).await?;
    let Some(item) = detail
        .items
        .iter()
        .find(|i| i.outcome == cumbre_domain::decide::audit::Outcome::Fail && i.measured.is_none())
    else {
        return Ok(0);
    };
    let raised = published + Duration::days(2);
    let ids = store
        .dispute_audit(
            &Scope::Tenant(tenant),
            audit,
            &[(
                item.key.clone(),
                "El turno de esa tarde sí lo hizo: lo muestra la cámara de la recepción.".into(),
            )],
            manager,
            raised,
        )
        .await?;
    let decision = match nth {
        0 => Some((
            DisputeDecision::Overturned,
            "El video confirma que se hizo.",
        )),
        1 => Some((
            DisputeDecision::Upheld,
            "El video no cubre la hora de la visita; el reporte se mantiene.",
        )),
        _ => None,
    };
    if let (Some((decision, reason)), Some(id)) = (decision, ids.first()) {
        store
            .decide_dispute(
                tenant,
                *id,
                decision,
                reason,
                reviewer,
                raised + Duration::days(1),
            )
            .await?;
    }
    Ok(1)
}
