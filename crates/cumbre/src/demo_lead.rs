//! The demo's employee voice: a monthly anonymous pulse to the whole company for the six
//! months before now, answered by about four in five employees through their invitations,
//! as the product takes answers. Playa del Carmen's eNPS falls after its manager changed
//! three months ago (the leadership statement most); elsewhere it holds. Small teams are
//! there as they are in the organisation, and the threshold hides them.

use cumbre_domain::access::{AdminGrant, Scope};
use cumbre_domain::lead::anonymity::Thresholds;
use cumbre_domain::lead::pulse::{Cadence, Mode, PulseAnswer, Template};
use cumbre_domain::{PersonId, TenantId, UnitId};
use cumbre_store::Store;
use cumbre_store::lead::pulses::NewPulse;
use cumbre_store::org::PeopleFilter;
use std::collections::HashMap;
use time::OffsetDateTime;

/// The location whose manager changed, and from which cycle its people feel it.
const CHANGED: &str = "PDC";
const CHANGED_FROM_CYCLE: usize = 3;
const CYCLES: usize = 6;

const COMMENTS: [&str; 8] = [
    "Necesitamos más personal en temporada alta.",
    "Me gusta mi equipo, nos apoyamos mucho.",
    "Los uniformes nuevos llegaron tarde.",
    "Gracias por el curso de servicio, me sirvió.",
    "Los turnos se publican con muy poca anticipación.",
    "Mi supervisora siempre escucha nuestras ideas.",
    "Falta mantenimiento en las áreas de colaboradores.",
    "El comedor de personal mejoró mucho.",
];
const CHANGED_COMMENTS: [&str; 4] = [
    "Desde que cambió la gerencia nadie nos explica las decisiones.",
    "Se perdió la confianza con el nuevo gerente.",
    "Ya no hay reuniones de equipo.",
    "Varios compañeros buenos se han ido.",
];

/// Roughly normal noise with standard deviation `sd`.
fn noise(rng: &mut fastrand::Rng, sd: f64) -> f64 {
    (rng.f64() + rng.f64() + rng.f64() - 1.5) * 2.0 * sd
}

pub async fn pulses(
    store: &Store,
    tenant: TenantId,
    seed: u64,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let scope = Scope::Tenant(tenant);
    let units = store.list_units(&scope).await?;
    let Some(root) = store.root_unit(tenant).await? else {
        return Ok(());
    };
    // Each unit's location (the unit itself or its nearest ancestor of kind location).
    let by_id: HashMap<UnitId, &cumbre_store::org::units::Unit> =
        units.iter().map(|u| (u.id, u)).collect();
    let location_of = |unit: UnitId| -> Option<String> {
        let mut at = by_id.get(&unit).copied();
        while let Some(u) = at {
            if u.kind.code() == "location" {
                return u.code.clone();
            }
            at = u.parent_id.and_then(|p| by_id.get(&p).copied());
        }
        None
    };
    let mut place: HashMap<PersonId, Option<String>> = HashMap::new();
    let mut offset = 0;
    loop {
        let page = store
            .list_people(
                &scope,
                &PeopleFilter {
                    limit: 500,
                    offset,
                    ..Default::default()
                },
            )
            .await?;
        for p in &page.people {
            place.insert(p.id, location_of(p.unit_id));
        }
        offset += page.people.len() as i64;
        if page.people.is_empty() || offset >= page.total {
            break;
        }
    }
    let template = Template::find("monthly").ok_or_else(|| anyhow::anyhow!("no template"))?;
    let first = (0..CYCLES).fold(
        now.replace_day(1)?.replace_time(time::macros::time!(09:00)),
        |at, _| previous_month(at),
    );
    let grant = AdminGrant::operator(tenant);
    store
        .create_pulse(
            &grant,
            "demo",
            &NewPulse {
                name: "Pulso mensual".into(),
                template,
                mode: Mode::Anonymous,
                cadence: Cadence::Monthly,
                audience: root.id,
                open_days: 10,
                first_opens_at: first,
            },
            first,
        )
        .await?;
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5055_4c53);
    // Each person's own leaning, so that the months agree with each other.
    let mut leaning: HashMap<PersonId, f64> = HashMap::new();
    let mut at = first;
    for cycle in 0..CYCLES {
        let mut invited: Vec<(PersonId, String)> = Vec::new();
        store
            .open_due_pulses(at, &mut |person| {
                let token = cumbre_web::platform::auth::secret::random_token().ok()?;
                invited.push((person, token.clone()));
                Some(token)
            })
            .await?;
        for (person, token) in invited {
            if rng.f64() > 0.8 {
                continue;
            }
            let changed = place.get(&person).and_then(|p| p.as_deref()) == Some(CHANGED)
                && cycle >= CHANGED_FROM_CYCLE;
            let base = *leaning
                .entry(person)
                .or_insert_with(|| 7.6 + noise(&mut rng, 1.2));
            let mood = base - if changed { 3.2 } else { 0.0 } + noise(&mut rng, 0.8);
            let enps = mood.round().clamp(0.0, 10.0).to_string();
            let score = |rng: &mut fastrand::Rng, drop: f64| -> String {
                ((mood - 2.0) / 1.6 + noise(rng, 0.6) - drop)
                    .round()
                    .clamp(1.0, 5.0)
                    .to_string()
            };
            let scores: Vec<String> = template
                .statements
                .iter()
                .map(|s| {
                    let drop = if changed && s.key == "leader" {
                        1.0
                    } else {
                        0.0
                    };
                    score(&mut rng, drop)
                })
                .collect();
            let comment = if rng.f64() < 0.18 {
                Some(if changed && rng.bool() {
                    CHANGED_COMMENTS[rng.usize(..CHANGED_COMMENTS.len())]
                } else {
                    COMMENTS[rng.usize(..COMMENTS.len())]
                })
            } else {
                None
            };
            let refs: Vec<Option<&str>> = scores.iter().map(|s| Some(s.as_str())).collect();
            let answer = PulseAnswer::parse(template, Some(&enps), &refs, comment)?;
            let key = cumbre_web::platform::auth::secret::random_token()?;
            let when = at + time::Duration::hours(rng.i64(1..24 * 9));
            let terms = (Mode::Anonymous, Thresholds::DEFAULT);
            store
                .answer_pulse(&token, &key, &answer, terms, when)
                .await?;
        }
        at = Cadence::Monthly.next(at);
    }
    Ok(())
}

fn previous_month(at: OffsetDateTime) -> OffsetDateTime {
    let (year, month) = match at.month() {
        time::Month::January => (at.year() - 1, time::Month::December),
        m => (at.year(), m.previous()),
    };
    time::Date::from_calendar_date(year, month, 1)
        .map(|d| at.replace_date(d))
        .unwrap_or(at)
}
