//! The demo organisation: a hotel and vacation-club company built deterministically from a
//! seed, loaded through the same import path as a customer's CSV, plus one login per role.

use anyhow::Context;
use cumbre_domain::TenantId;
use cumbre_domain::access::{AdminGrant, Role};
use cumbre_domain::demo::{DemoOrg, organisation};
use cumbre_domain::org::Email;
use cumbre_domain::org::import::plan;
use cumbre_store::Store;
use cumbre_store::access::NewUser;
use cumbre_store::org::PeopleFilter;
use time::OffsetDateTime;

/// Every demo login uses this password.
pub const DEMO_PASSWORD: &str = "cumbre-demo";
pub const DEFAULT_SEED: u64 = 2026;
/// The demo's frontline employee account (a receptionist at the demo hotel).
const LOGIN_EMPLOYEE: &str = "employee@demo.test";

/// Creates the demo tenant in `store` (already migrated) and returns it with the logins.
pub async fn build(
    store: &Store,
    seed: u64,
    now: OffsetDateTime,
    progress: impl FnMut(usize),
) -> anyhow::Result<(TenantId, DemoOrg)> {
    build_with(store, seed, now, 0.0, progress, |_| {}).await
}

/// Expected number of history responses at `scale` (1.0 is the full demo).
pub fn expected_responses(scale: f64) -> usize {
    (160_000.0 * scale) as usize
}

/// Like [`build`], plus `scale` × about 160,000 responses over 18 months (0 for none);
/// `response_progress` receives the number written so far.
pub async fn build_with(
    store: &Store,
    seed: u64,
    now: OffsetDateTime,
    scale: f64,
    progress: impl FnMut(usize),
    response_progress: impl FnMut(usize),
) -> anyhow::Result<(TenantId, DemoOrg)> {
    let org = organisation(seed);
    let tenant = store.create_tenant(&org.company_name, now).await?;
    let grant = AdminGrant::operator(tenant);
    let existing = store.existing_org(tenant).await?;
    let checked = plan(&org.to_import_csv(), &existing, now.date()).map_err(|errors| {
        anyhow::anyhow!(
            "demo organisation is invalid at line {}: {}",
            errors[0].line,
            errors[0].error
        )
    })?;
    store
        .apply_import(&grant, &checked, "demo", now, progress)
        .await?;

    // People are found by e-mail to link logins; hashing once suffices (same password).
    let hash = tokio::task::spawn_blocking(|| {
        cumbre_web::platform::auth::password::hash_blocking(DEMO_PASSWORD)
    })
    .await?
    .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    let all_units = store
        .list_units(&cumbre_domain::access::Scope::Tenant(tenant))
        .await?;
    let leaders = org.leader_logins();
    for login in org.logins.iter().chain(&leaders) {
        let person = match &login.person {
            Some(key) => {
                let page = store
                    .list_people(
                        &cumbre_domain::access::Scope::Tenant(tenant),
                        &PeopleFilter {
                            query: Some(key.clone()),
                            limit: 5,
                            ..Default::default()
                        },
                    )
                    .await?;
                page.people
                    .into_iter()
                    .find(|p| p.employee_number.as_deref() == Some(key))
                    .map(|p| p.id)
            }
            None => None,
        };
        let scope_unit = login
            .scope_unit
            .as_ref()
            .and_then(|code| all_units.iter().find(|u| u.code.as_deref() == Some(code)))
            .map(|u| u.id);
        let new = NewUser {
            email: Email::parse(&login.email).context("demo login e-mail")?,
            role: Role::parse(login.role).context("demo login role")?,
            person,
            scope_unit,
            password_hash: hash.clone(),
        };
        store.create_user(&grant, &new, "demo", now).await?;
    }
    let (touchpoints, mut surveys) = listen(store, tenant, now).await?;
    crate::demo_decide::standards(store, tenant, now).await?;
    // The check-in survey asks about a standard: it needs them in place.
    surveys.push(checkin_survey(store, tenant, &touchpoints, now).await?);
    crate::demo_decide::vision(store, tenant, now).await?;
    recover(store, tenant, now).await?;
    if scale > 0.0 {
        history(
            store,
            tenant,
            seed,
            now,
            scale,
            &touchpoints,
            &surveys,
            response_progress,
        )
        .await?;
        // Two weeks of cases, replayed through the rules (needs that history).
        crate::demo_recovery::replay(store, tenant, seed, now, 14).await?;
        crate::demo_shopping::history(store, tenant, seed, now).await?;
        crate::demo_lead::pulses(store, tenant, seed, now).await?;
    }
    Ok((tenant, org))
}

/// The demo's recovery settings: the hotels' time zone, root causes, authority limits and
/// two company-wide alert rules (detractors; complaints about dirt, noise or rudeness).
async fn recover(store: &Store, tenant: TenantId, now: OffsetDateTime) -> anyhow::Result<()> {
    use cumbre_domain::recover::{Condition, Priority, RuleDefinition};
    let grant = AdminGrant::operator(tenant);
    store
        .set_tenant_clock(&grant, "America/Cancun", None, "demo", now)
        .await?;
    store
        .set_tenant_currency(&grant, "MXN", "demo", now)
        .await?;
    for cause in [
        "Tiempo de espera",
        "Limpieza",
        "Mantenimiento",
        "Trato del personal",
        "Ruido",
        "Facturación",
    ] {
        store.add_root_cause(&grant, cause).await?;
    }
    // Cents of Mexican pesos: a manager grants up to $1,500 alone, an executive without limit.
    store
        .set_authority_limit(&grant, None, Some(Role::Manager), 150_000, "demo", now)
        .await?;
    let company = store
        .list_units(&cumbre_domain::access::Scope::Tenant(tenant))
        .await?
        .into_iter()
        .find(|u| u.parent_id.is_none())
        .context("the company unit")?;
    let rules = [
        (
            "Detractor (NPS 0–6)",
            RuleDefinition {
                all: false,
                conditions: vec![Condition::Score {
                    question: None,
                    question_type: Some("nps".into()),
                    at_most: Some(6),
                    at_least: None,
                }],
                open_case: Some(Priority::High),
                notify: Vec::new(),
                webhook: None,
            },
        ),
        (
            "Queja grave en el comentario",
            RuleDefinition {
                all: false,
                conditions: vec![Condition::Keywords {
                    words: [
                        "sucio", "sucia", "ruido", "grosero", "dirty", "noise", "rude",
                    ]
                    .map(String::from)
                    .to_vec(),
                }],
                open_case: Some(Priority::Normal),
                notify: Vec::new(),
                webhook: None,
            },
        ),
    ];
    // The short survey a recovered guest receives: are they back?
    let winback = cumbre_domain::listen::SurveyDefinition::from_json(
        &serde_json::json!({
            "title": {"es": "¿Cómo lo resolvimos?", "en": "How did we put it right?"},
            "intro": {"es": "Una pregunta sobre cómo atendimos su queja.", "en": "One question about how we handled your complaint."},
            "questions": [
                {"key": "nps", "type": "nps", "required": true,
                 "prompt": {"es": "Después de cómo lo resolvimos, ¿nos recomendaría?", "en": "After how we resolved it, would you recommend us?"}},
                {"key": "comment", "type": "long_text",
                 "prompt": {"es": "¿Algo más que debamos saber?", "en": "Anything else we should know?"}}
            ]
        })
        .to_string(),
    )
    .map_err(|e| anyhow::anyhow!("win-back survey: {:?}", e))?;
    let scope = cumbre_domain::access::Scope::Tenant(tenant);
    let survey = store
        .create_survey(
            &scope,
            company.id,
            "Seguimiento tras la recuperación",
            &winback,
            "demo",
            now,
        )
        .await?;
    store
        .set_survey_status(
            &scope,
            survey,
            cumbre_domain::listen::SurveyStatus::Published,
            "demo",
            now,
        )
        .await?;
    store.set_winback_survey(&grant, Some(survey)).await?;
    // Company-wide targets the map colours against (one region aims higher).
    for (metric, target) in [
        (cumbre_domain::improve::Metric::Nps, 30.0),
        (cumbre_domain::improve::Metric::Csat, 80.0),
        (cumbre_domain::improve::Metric::Ces, 3.0),
    ] {
        store
            .set_metric_target(&scope, company.id, metric, Some(target), "demo", now)
            .await?;
    }
    for (name, definition) in rules {
        let input = cumbre_store::recover::RuleInput {
            name: name.into(),
            unit_id: company.id,
            touchpoint_id: None,
            survey_id: None,
            include_imports: false,
            definition,
            active: true,
        };
        store
            .save_rule(
                &cumbre_store::recover::RuleEditor {
                    scope: &cumbre_domain::access::Scope::Tenant(tenant),
                    admin: Some(&cumbre_domain::access::AdminGrant::operator(tenant)),
                    actor: "demo",
                },
                None,
                &input,
                "",
                now,
            )
            .await?;
    }
    Ok(())
}

/// The demo journey, in order: (es, en, description es, description en).
const JOURNEY: [(&str, &str, &str, &str); 7] = [
    (
        "Llamada de reservación",
        "Reservation call",
        "El primer contacto: la voz de la empresa.",
        "The first contact: the company's voice.",
    ),
    (
        "Llegada y check-in",
        "Arrival and check-in",
        "Bienvenida, tiempo de espera y entrega de la habitación.",
        "Welcome, waiting time and room hand-over.",
    ),
    (
        "Habitación",
        "Room",
        "Limpieza, descanso y que todo funcione.",
        "Cleanliness, rest and everything working.",
    ),
    (
        "Restaurante",
        "Restaurant",
        "Desayuno, comidas y servicio en mesa.",
        "Breakfast, meals and table service.",
    ),
    (
        "Alberca y playa",
        "Pool and beach",
        "Toallas, camastros, bar y salvavidas.",
        "Towels, loungers, bar and lifeguards.",
    ),
    (
        "Check-out",
        "Check-out",
        "La cuenta clara y una despedida cálida.",
        "A clear bill and a warm goodbye.",
    ),
    (
        "Después de la estancia",
        "After the stay",
        "Lo que el huésped recuerda y cuenta.",
        "What the guest remembers and tells.",
    ),
];

/// Touchpoints, the three shipped survey templates published company-wide, and links for
/// every hotel for the post-stay NPS, one for the reservation line's CES (the check-in survey
/// comes with the standards it asks about).
async fn listen(
    store: &Store,
    tenant: TenantId,
    now: OffsetDateTime,
) -> anyhow::Result<(Vec<i64>, Vec<i64>)> {
    use cumbre_domain::access::Scope;
    use cumbre_domain::listen::{SurveyStatus, TouchpointInput, templates::template};
    use cumbre_store::listen::LinkInput;
    let grant = AdminGrant::operator(tenant);
    let mut touchpoints = Vec::new();
    for (i, (es, en, des, den)) in JOURNEY.iter().enumerate() {
        let input = TouchpointInput::parse(es, en, des, den, i as i64 + 1)?;
        touchpoints.push(
            store
                .create_touchpoint(&grant, &input, &[], "demo", now)
                .await?,
        );
    }
    let scope = Scope::Tenant(tenant);
    let units = store.list_units(&scope).await?;
    let root = units.first().context("demo has a top unit")?.id;
    let mut surveys = Vec::new();
    for (key, name) in [
        ("post-stay-nps", "Después de la estancia (NPS)"),
        ("touchpoint-csat", "Satisfacción por momento (CSAT)"),
        ("reservation-ces", "Línea de reservaciones (CES)"),
    ] {
        let def = template(key).context("shipped template")?;
        let id = store
            .create_survey(&scope, root, name, &def, "demo", now)
            .await?;
        store
            .set_survey_status(&scope, id, SurveyStatus::Published, "demo", now)
            .await?;
        surveys.push(id);
    }
    let token = || cumbre_web::platform::auth::secret::random_token();
    for unit in units
        .iter()
        .filter(|u| u.kind == cumbre_domain::org::UnitKind::Location)
    {
        for (survey, touchpoint, label) in [(surveys[0], touchpoints[6], "Post-estancia")] {
            let input = LinkInput {
                survey_id: survey,
                touchpoint_id: touchpoint,
                unit_id: unit.id,
                person_id: None,
                label: format!("{label} · {}", unit.name),
            };
            store
                .create_link(&scope, &input, &token()?, "demo", now)
                .await?;
        }
    }
    let input = LinkInput {
        survey_id: surveys[2],
        touchpoint_id: touchpoints[0],
        unit_id: root,
        person_id: None,
        label: "Central de reservaciones".into(),
    };
    store
        .create_link(&scope, &input, &token()?, "demo", now)
        .await?;
    Ok((touchpoints, surveys))
}

/// The check-in survey (the touchpoint CSAT and a question on the wait, which asks about
/// the `checkin-wait` standard), published company-wide, with a link at every hotel.
async fn checkin_survey(
    store: &Store,
    tenant: TenantId,
    touchpoints: &[i64],
    now: OffsetDateTime,
) -> anyhow::Result<i64> {
    use cumbre_domain::access::Scope;
    use cumbre_domain::listen::SurveyStatus;
    use cumbre_store::listen::LinkInput;
    let scope = Scope::Tenant(tenant);
    let units = store.list_units(&scope).await?;
    let root = units.first().context("demo has a top unit")?.id;
    let def = cumbre_domain::demo::responses::checkin_definition();
    let id = store
        .create_survey(&scope, root, "Llegada y check-in (CSAT)", &def, "demo", now)
        .await?;
    store
        .set_survey_status(&scope, id, SurveyStatus::Published, "demo", now)
        .await?;
    for unit in units
        .iter()
        .filter(|u| u.kind == cumbre_domain::org::UnitKind::Location)
    {
        let input = LinkInput {
            survey_id: id,
            touchpoint_id: touchpoints[1],
            unit_id: unit.id,
            person_id: None,
            label: format!("Check-in · {}", unit.name),
        };
        let token = cumbre_web::platform::auth::secret::random_token()?;
        store
            .create_link(&scope, &input, &token, "demo", now)
            .await?;
    }
    Ok(id)
}

/// Writes the generated history in batches, each its own transaction.
#[allow(clippy::too_many_arguments)] // One call site; a struct would only rename these.
async fn history(
    store: &Store,
    tenant: TenantId,
    seed: u64,
    now: OffsetDateTime,
    scale: f64,
    touchpoints: &[i64],
    surveys: &[i64],
    mut progress: impl FnMut(usize),
) -> anyhow::Result<()> {
    use cumbre_domain::access::Scope;
    use cumbre_domain::demo::responses::{Kind, Place, generate};
    use cumbre_store::listen::imports::BulkResponse;
    let scope = Scope::Tenant(tenant);
    let units = store.list_units(&scope).await?;
    let mut places = Vec::new();
    for hotel in units
        .iter()
        .filter(|u| u.kind == cumbre_domain::org::UnitKind::Location)
    {
        let code = hotel.code.clone().unwrap_or_default();
        let mut front_desk = Vec::new();
        if let Some(desk) = units
            .iter()
            .find(|u| u.code.as_deref() == Some(&format!("{code}-REC")))
        {
            let filter = PeopleFilter {
                unit: Some(desk.id),
                limit: 500,
                ..Default::default()
            };
            let mut desk_people = store.list_people(&scope, &filter).await?.people;
            // The demo employee is among those guests name, so "My results" has results.
            desk_people.sort_by_key(|p| p.email.as_deref() != Some(LOGIN_EMPLOYEE));
            for p in desk_people.into_iter().take(3) {
                let first = p.name.split(' ').next().unwrap_or_default().to_owned();
                front_desk.push((p.id.0, first));
            }
        }
        places.push(Place {
            unit_id: hotel.id.0,
            code,
            front_desk,
        });
    }
    let mut versions = Vec::new();
    for id in surveys {
        let s = store.get_survey(&scope, *id).await?;
        versions.push((s.summary.id, s.version_id, s.definition));
    }
    let mut generated = Vec::new();
    generate(seed, &places, now, scale, |g| generated.push(g));
    let grant = AdminGrant::operator(tenant);
    let mut written = 0;
    for batch in generated.chunks(5_000) {
        let mut rows = Vec::with_capacity(batch.len());
        for g in batch {
            let (survey_id, version_id, def) = &versions[match g.kind {
                Kind::Nps => 0,
                Kind::Csat if g.touchpoint == 1 => 3,
                Kind::Csat => 1,
                Kind::Ces => 2,
            }];
            let answers = cumbre_domain::listen::answers::check(def, &g.answers)
                .map_err(|e| anyhow::anyhow!("generated answers are invalid: {e:?}"))?;
            rows.push(BulkResponse {
                survey_id: *survey_id,
                version_id: *version_id,
                unit_id: g.unit_id,
                touchpoint_id: touchpoints[g.touchpoint],
                person_id: g.person_id,
                source: "link",
                language: g.language,
                nps: answers.nps(def),
                answers,
                submitted_at: g.submitted_at,
            });
        }
        store.bulk_insert_responses(&grant, &rows, now).await?;
        written += rows.len();
        progress(written);
    }
    store.refresh_statistics().await?;
    Ok(())
}

/// The post-stay survey link of the manager's hotel, to show on start.
pub async fn sample_link(store: &Store) -> anyhow::Result<Option<String>> {
    use cumbre_domain::access::Scope;
    let Some((tenant, _)) = store.list_tenants().await?.into_iter().next() else {
        return Ok(None);
    };
    let scope = Scope::Tenant(tenant);
    let Some(survey) = store
        .list_surveys(&scope)
        .await?
        .into_iter()
        .find(|s| s.name.contains("NPS"))
    else {
        return Ok(None);
    };
    let links = store.list_links(&scope, survey.id).await?;
    Ok(links
        .into_iter()
        .find(|l| l.unit_name.contains("Cancún"))
        .map(|l| format!("/s/{}", l.token)))
}
