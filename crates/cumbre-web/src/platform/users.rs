//! Users and roles: who can sign in, as what, seeing which unit (administrators only).

use crate::platform::auth::{CsrfForm, PageCtx, password};
use crate::platform::extract::{Path, Query};
use crate::platform::input::optional_id;
use crate::platform::page::{Chrome, Notice, done, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_domain::access::{AdminGrant, NewPassword, Role};
use cumbre_domain::org::Email;
use cumbre_domain::{Field, InvalidInput, PersonId, UnitId, UserId};
use cumbre_store::access::{NewUser, User, UserChange};
use cumbre_store::org::Unit;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "platform/users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<User>,
    units: Vec<Unit>,
    roles: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "platform/user.html")]
struct UserPage {
    chrome: Chrome,
    account: User,
    /// The linked person's employee number or e-mail, as the form shows it.
    person_reference: String,
    units: Vec<Unit>,
    roles: Vec<(&'static str, &'static str)>,
}

fn roles(chrome: &Chrome) -> Vec<(&'static str, &'static str)> {
    Role::ALL
        .iter()
        .map(|r| (r.code(), r.label(chrome.tr.lang)))
        .collect()
}

pub async fn list(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    let grant = ctx.admin()?;
    let chrome = Chrome::for_user(&ctx, "users").with_notice(n.ok.as_deref());
    page(&UsersPage {
        roles: roles(&chrome),
        users: state.store.list_users(&grant).await?,
        units: state.store.list_units(&ctx.scope).await?,
        chrome,
    })
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    let grant = ctx.admin()?;
    let chrome = Chrome::for_user(&ctx, "users").with_notice(n.ok.as_deref());
    let account = state.store.get_user(&grant, UserId(id)).await?;
    let person_reference = match account.person_id {
        Some(p) => {
            let person = state.store.get_person(&ctx.scope, p).await?;
            person.employee_number.or(person.email).unwrap_or_default()
        }
        None => String::new(),
    };
    page(&UserPage {
        roles: roles(&chrome),
        person_reference,
        account,
        units: state.store.list_units(&ctx.scope).await?,
        chrome,
    })
}

#[derive(Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    scope_unit_id: String,
}

/// The person an account links to, typed as an employee number or e-mail ("" for none).
async fn person_reference(
    state: &AppState,
    grant: &AdminGrant,
    reference: &str,
) -> Result<Option<PersonId>, AppError> {
    if reference.trim().is_empty() {
        return Ok(None);
    }
    match state.store.find_person(grant, reference).await? {
        Some(id) => Ok(Some(id)),
        None => Err(InvalidInput::UnknownReference {
            field: Field::Person,
            value: reference.trim().to_owned(),
        }
        .into()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    f: CsrfForm<NewUserForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let email = Email::parse(&f.form.email)?;
    let role = Role::parse(&f.form.role)?;
    let new_password = NewPassword::parse(&f.form.password)?;
    let person = person_reference(&state, &grant, &f.form.person).await?;
    let scope_unit = optional_id(&f.form.scope_unit_id, Field::Unit)?.map(UnitId);
    let password_hash = password::hash(new_password.expose().to_owned()).await?;
    let new = NewUser {
        email,
        role,
        person,
        scope_unit,
        password_hash,
    };
    let id = state
        .store
        .create_user(&grant, &new, &f.ctx.actor(), state.clock.now())
        .await?;
    Ok(done(&format!("/admin/users/{id}"), "created"))
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    scope_unit_id: String,
    #[serde(default)]
    active: Option<String>,
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<ChangeForm>,
) -> Result<Response, AppError> {
    let grant = f.ctx.admin()?;
    let role = Role::parse(&f.form.role)?;
    let active = f.form.active.is_some();
    // An administrator locking themselves out would leave nobody to undo it.
    if UserId(id) == f.ctx.user.id && (!active || role != Role::Admin) {
        return Err(InvalidInput::OwnAccount.into());
    }
    let change = UserChange {
        role,
        person: person_reference(&state, &grant, &f.form.person).await?,
        scope_unit: optional_id(&f.form.scope_unit_id, Field::Unit)?.map(UnitId),
        active,
    };
    state
        .store
        .update_user(
            &grant,
            UserId(id),
            &change,
            &f.ctx.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(done(&format!("/admin/users/{id}"), "saved"))
}
