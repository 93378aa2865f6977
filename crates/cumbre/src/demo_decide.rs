//! The demo's Decide step: Hoteles Sierra Azul's service vision and values (read by most
//! of its leaders, not yet by everyone) and the standards of its seven moments of truth
//! (behaviours and time limits the shoppers check, and two targets for the customers).

use cumbre_domain::TenantId;
use cumbre_domain::access::AdminGrant;
use cumbre_domain::decide::vision::{ValueDefinition, VisionDefinition};
use cumbre_domain::listen::Texts;
use cumbre_store::Store;
use cumbre_store::access::User;
use time::{Duration, OffsetDateTime};

/// The standards of the seven moments of truth, through the standards import (the file an
/// administrator would load with `cumbre import standards`).
const STANDARDS: &str = "key,touchpoint,unit,department,name,kind,limit,time_unit,weight,critical
phone-rings,Llamada de reservación,,,Contesta antes del tercer timbre,time,3,rings,2,no
phone-name,Llamada de reservación,,,Se presenta con su nombre y el del hotel,behaviour,,,1,no
phone-recap,Llamada de reservación,,,Confirma fechas y tarifa antes de colgar,behaviour,,,2,yes
phone-easy,Llamada de reservación,,,Reservar por teléfono es fácil,target,2.5,ces,,
checkin-wait,Llegada y check-in,,Recepción,Registro en 5 minutos o menos,time,5,minutes,3,yes
checkin-greet,Llegada y check-in,,Recepción,Saluda por su nombre al huésped,behaviour,,,2,no
checkin-explain,Llegada y check-in,,Recepción,Explica horarios y servicios del hotel,behaviour,,,1,no
checkin-csat,Llegada y check-in,,Recepción,Huéspedes satisfechos con el registro,target,85,csat,,
room-clean,Habitación,,Ama de llaves,Habitación limpia a la llegada (baño y cama),behaviour,,,3,yes
room-works,Habitación,,Ama de llaves,Aire acondicionado y luces funcionan,behaviour,,,2,no
cun-towels,Habitación,CUN,Ama de llaves,Toallas dobladas en cisne,behaviour,,,1,no
restaurant-seat,Restaurante,,Alimentos y bebidas,Mesa asignada en 3 minutos o menos,time,3,minutes,2,no
restaurant-menu,Restaurante,,Alimentos y bebidas,Ofrece la carta y recomienda un platillo,behaviour,,,1,no
pool-towels,Alberca y playa,,,Toallas disponibles sin pedirlas,behaviour,,,1,no
pool-lifeguard,Alberca y playa,,,Salvavidas en su puesto en horario,behaviour,,,3,yes
checkout-wait,Check-out,,Recepción,Salida en 4 minutos o menos,time,4,minutes,2,no
checkout-bill,Check-out,,Recepción,La cuenta se explica y no tiene cargos de más,behaviour,,,3,yes
after-thanks,Después de la estancia,,,Agradecimiento por e-mail en 24 horas,time,1440,minutes,1,no
";

pub async fn standards(store: &Store, tenant: TenantId, now: OffsetDateTime) -> anyhow::Result<()> {
    let lookups = store.standard_lookups(tenant).await?;
    let planned = cumbre_domain::decide::import::plan(STANDARDS, &lookups).map_err(|errors| {
        anyhow::anyhow!(
            "demo standards are invalid at line {}: {}",
            errors[0].line,
            errors[0].error
        )
    })?;
    let inputs: Vec<cumbre_store::decide::NewStandard> =
        planned.into_iter().map(Into::into).collect();
    store
        .save_standards(&AdminGrant::operator(tenant), &inputs, "demo", now)
        .await?;
    Ok(())
}

/// (key, name es, name en, meaning es, meaning en)
const VALUES: [(&str, &str, &str, &str, &str); 5] = [
    (
        "calidez",
        "Calidez",
        "Warmth",
        "Saludamos por su nombre, sonreímos y hacemos sentir en casa a cada huésped.",
        "We greet guests by name, smile and make each one feel at home.",
    ),
    (
        "duenos-del-problema",
        "Dueños del problema",
        "Own the problem",
        "Quien recibe una queja la resuelve o la acompaña hasta que se resuelva; nunca dice «no es mi área».",
        "Whoever hears a complaint solves it or stays with it until it is solved; never \"not my department\".",
    ),
    (
        "detalle",
        "Atención al detalle",
        "Attention to detail",
        "Revisamos lo que el huésped verá antes de que lo vea: la habitación, la cuenta, la mesa.",
        "We check what the guest will see before they see it: the room, the bill, the table.",
    ),
    (
        "promesa",
        "Cumplir lo prometido",
        "Keep our word",
        "Si decimos cinco minutos, son cinco minutos; si no podemos, avisamos antes.",
        "If we say five minutes, it is five minutes; if we cannot, we say so first.",
    ),
    (
        "mejorar",
        "Mejorar cada día",
        "Better every day",
        "Cada queja es una lección: la registramos, la compartimos y cambiamos lo que la causó.",
        "Every complaint is a lesson: we record it, share it and change what caused it.",
    ),
];

/// The vision as the company published it: a first version a month ago, then the current
/// one (a value added) a week ago, so the page shows a history and who has read the new one.
pub async fn vision(store: &Store, tenant: TenantId, now: OffsetDateTime) -> anyhow::Result<()> {
    let grant = AdminGrant::operator(tenant);
    let users = store.list_users(&grant).await?;
    // The executive sets the vision (the seeds' "trumpet with a clear sound").
    let actor = executive_actor(&users);
    let values = |n: usize| {
        VALUES[..n]
            .iter()
            .map(|(key, es, en, m_es, m_en)| ValueDefinition {
                key: (*key).to_owned(),
                name: Texts::new(es, en),
                meaning: Texts::new(m_es, m_en),
            })
            .collect()
    };
    let vision = Texts::new(
        "Que cada huésped se vaya descansado, con ganas de volver y de contarlo: lo atendemos como \
         quisiéramos que atendieran a nuestra familia, y cuando algo falla lo arreglamos antes de que \
         se vaya.",
        "Every guest leaves rested, wanting to come back and to tell others: we look after them as we \
         would want our own family looked after, and when something goes wrong we put it right \
         before they leave.",
    );
    let proposition = Texts::new(
        "Hoteles de playa y montaña donde el servicio es personal: lo conocemos por su nombre, \
         cumplimos los tiempos que le prometemos y respondemos por cada detalle de su estancia.",
        "Beach and mountain hotels where service is personal: we know you by name, we keep the \
         times we promise you and we answer for every detail of your stay.",
    );
    let first = VisionDefinition {
        vision: vision.clone(),
        proposition: proposition.clone(),
        values: values(4),
    };
    store
        .publish_vision(&grant, first, &actor, now - Duration::days(30))
        .await?;
    let current = VisionDefinition {
        vision,
        proposition,
        values: values(VALUES.len()),
    };
    let (version, _) = store
        .publish_vision(&grant, current, &actor, now - Duration::days(7))
        .await?;
    // Most leaders have read the current version; two hotel managers and the frontline
    // employee have not yet (the home page asks them; their bosses see who is missing).
    let mut managers_skipped = 0;
    for (i, u) in users.iter().enumerate() {
        let email = u.email.as_str();
        if email == "employee@demo.test" || !u.role.serves() {
            continue;
        }
        if u.role == cumbre_domain::access::Role::Manager
            && !email.ends_with("@demo.test")
            && managers_skipped < 2
        {
            managers_skipped += 1;
            continue;
        }
        let at = now - Duration::days(6) + Duration::hours(i as i64 % 120);
        store.read_vision(tenant, u.id, version, at).await?;
    }
    Ok(())
}

/// How the trail names a demo account's acts: as the web does (`Name <e-mail>`).
pub fn actor_of(u: &User) -> String {
    match &u.person_name {
        Some(name) => format!("{name} <{}>", u.email),
        None => u.email.clone(),
    }
}

/// The chief executive, who sets the vision and reviews the mystery-shopper reports.
pub fn executive_actor(users: &[User]) -> String {
    users
        .iter()
        .find(|u| u.email == "ceo@demo.test")
        .map_or_else(|| "demo".to_owned(), actor_of)
}
