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

/// Creates the demo tenant in `store` (already migrated) and returns it with the logins.
pub async fn build(
    store: &Store,
    seed: u64,
    now: OffsetDateTime,
    progress: impl FnMut(usize),
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
    let hash =
        tokio::task::spawn_blocking(|| cumbre_web::auth::password::hash_blocking(DEMO_PASSWORD))
            .await?
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    let all_units = store
        .list_units(&cumbre_domain::access::Scope::Tenant(tenant))
        .await?;
    for login in &org.logins {
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
    Ok((tenant, org))
}
