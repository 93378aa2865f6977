//! User accounts: who can sign in, with which role, seeing which part of the tenant.

use crate::audit::record;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::{AdminGrant, Role, Scope};
use cumbre_domain::clock::to_millis;
use cumbre_domain::org::{Email, UnitPath};
use cumbre_domain::{Field, InvalidInput, Lang, PersonId, TenantId, UnitId, UserId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: UserId,
    #[serde(skip)]
    pub tenant: TenantId,
    pub email: String,
    pub role: Role,
    pub person_id: Option<PersonId>,
    pub person_name: Option<String>,
    /// The unit a manager leads; their scope is its subtree.
    pub scope_unit_id: Option<UnitId>,
    pub scope_unit_name: Option<String>,
    pub locale: Option<Lang>,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub role: Role,
    pub person: Option<PersonId>,
    pub scope_unit: Option<UnitId>,
    /// An argon2id PHC string; hashing happens off the async runtime, before the store.
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct UserChange {
    pub role: Role,
    pub person: Option<PersonId>,
    pub scope_unit: Option<UnitId>,
    pub active: bool,
}

pub(crate) const SELECT: &str = "SELECT s.id, s.tenant_id, s.email, s.role, s.person_id, p.name AS person_name, \
    s.scope_unit_id, un.name AS scope_unit_name, s.locale, s.active \
    FROM users s LEFT JOIN people p ON p.id = s.person_id LEFT JOIN units un ON un.id = s.scope_unit_id";

pub(crate) fn user_from_row(r: &AnyRow) -> Result<User, StoreError> {
    let role: String = col(r, "role")?;
    Ok(User {
        id: UserId(col(r, "id")?),
        tenant: TenantId(col(r, "tenant_id")?),
        email: col(r, "email")?,
        role: Role::parse(&role).map_err(|_| StoreError::Corrupt(format!("role {role}")))?,
        person_id: col::<Option<i64>>(r, "person_id")?.map(PersonId),
        person_name: col(r, "person_name")?,
        scope_unit_id: col::<Option<i64>>(r, "scope_unit_id")?.map(UnitId),
        scope_unit_name: col(r, "scope_unit_name")?,
        locale: col::<Option<String>>(r, "locale")?
            .as_deref()
            .and_then(Lang::from_code),
        active: col::<i64>(r, "active")? != 0,
    })
}

impl Store {
    /// The active account with this sign-in e-mail and its password hash.
    pub async fn user_credentials(
        &self,
        email: &Email,
    ) -> Result<Option<(User, String)>, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE s.email = $1 AND s.active = 1"))
            .bind(email.as_str())
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let hash_row = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
            .bind(col::<i64>(&row, "id")?)
            .fetch_one(self.pool())
            .await?;
        Ok(Some((
            user_from_row(&row)?,
            col(&hash_row, "password_hash")?,
        )))
    }

    pub async fn password_hash(&self, user: UserId) -> Result<String, StoreError> {
        let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
            .bind(user.0)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        col(&row, "password_hash")
    }

    /// Looks an account up by sign-in e-mail, for the command line.
    pub async fn user_by_email(&self, email: &Email) -> Result<User, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE s.email = $1"))
            .bind(email.as_str())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    pub async fn list_users(&self, grant: &AdminGrant) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(&format!("{SELECT} WHERE s.tenant_id = $1 ORDER BY s.email"))
            .bind(grant.tenant().0)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    pub async fn get_user(&self, grant: &AdminGrant, id: UserId) -> Result<User, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE s.id = $1 AND s.tenant_id = $2"))
            .bind(id.0)
            .bind(grant.tenant().0)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    pub async fn create_user(
        &self,
        grant: &AdminGrant,
        new: &NewUser,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UserId, StoreError> {
        let tenant = grant.tenant();
        let mut w = self.begin_write().await?;
        check_links(&mut w.tx, tenant, new.role, new.person, new.scope_unit).await?;
        let row = sqlx::query(
            "INSERT INTO users (tenant_id, email, password_hash, role, person_id, scope_unit_id, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id",
        )
        .bind(tenant.0)
        .bind(new.email.as_str())
        .bind(new.password_hash.as_str())
        .bind(new.role.code())
        .bind(new.person.map(|p| p.0))
        .bind(scope_unit_for(new.role, new.scope_unit))
        .bind(to_millis(now))
        .fetch_one(&mut *w.tx)
        .await
        .map_err(|e| StoreError::unique_or(e, InvalidInput::EmailTaken { value: new.email.as_str().to_owned() }))?;
        let id = UserId(col(&row, "id")?);
        record(
            &mut w.tx,
            tenant,
            actor,
            "user.create",
            &format!("user:{id}"),
            &format!("{} {}", new.email.as_str(), new.role.code()),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Changes role, links and activity. Deactivating ends the account's sessions and tokens.
    pub async fn update_user(
        &self,
        grant: &AdminGrant,
        id: UserId,
        change: &UserChange,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let tenant = grant.tenant();
        let mut w = self.begin_write().await?;
        // The account first: another tenant's is not found, whatever the change names.
        sqlx::query("SELECT id FROM users WHERE id = $1 AND tenant_id = $2")
            .bind(id.0)
            .bind(tenant.0)
            .fetch_optional(&mut *w.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        check_links(
            &mut w.tx,
            tenant,
            change.role,
            change.person,
            change.scope_unit,
        )
        .await?;
        let done = sqlx::query(
            "UPDATE users SET role = $1, person_id = $2, scope_unit_id = $3, active = $4, updated_at = $5 \
             WHERE id = $6 AND tenant_id = $7",
        )
        .bind(change.role.code())
        .bind(change.person.map(|p| p.0))
        .bind(scope_unit_for(change.role, change.scope_unit))
        .bind(i64::from(change.active))
        .bind(to_millis(now))
        .bind(id.0)
        .bind(tenant.0)
        .execute(&mut *w.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if !change.active {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *w.tx)
                .await?;
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(to_millis(now))
            .bind(id.0)
            .execute(&mut *w.tx)
            .await?;
        }
        let detail = format!("{} active={}", change.role.code(), change.active);
        record(
            &mut w.tx,
            tenant,
            actor,
            "user.update",
            &format!("user:{id}"),
            &detail,
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// Sets a new password hash and signs the account out everywhere except `keep_session`:
    /// other sessions end and its API tokens are revoked (whoever knew the old password may
    /// have made one).
    pub async fn set_password(
        &self,
        user: &User,
        password_hash: &str,
        keep_session: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(to_millis(now))
            .bind(user.id.0)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user.id.0)
            .bind(keep_session.unwrap_or(""))
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(to_millis(now))
        .bind(user.id.0)
        .execute(&mut *w.tx)
        .await?;
        record(
            &mut w.tx,
            user.tenant,
            &user.email,
            "user.password",
            &format!("user:{}", user.id),
            "",
            now,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// The account's own language choice; `None` follows the browser.
    pub async fn set_locale(&self, user: UserId, locale: Option<Lang>) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
            .bind(locale.map(|l| l.code().to_owned()))
            .bind(user.0)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// [`Store::scope_for`] as kept under `epoch` (a change of account or a unit's move
    /// moves the epoch); `None` computes it fresh.
    pub async fn scope_for_at(
        &self,
        user: &User,
        epoch: Option<crate::Epoch>,
    ) -> Result<Scope, StoreError> {
        let Some(epoch) = epoch else {
            return self.scope_for(user).await;
        };
        self.cache
            .scopes
            .read_through(epoch.0, user.id.0, || self.scope_for(user))
            .await
    }

    /// What this account may see. Computed once per request by the web layer.
    pub async fn scope_for(&self, user: &User) -> Result<Scope, StoreError> {
        let tenant = user.tenant;
        Ok(match user.role {
            Role::Admin | Role::Executive => Scope::Tenant(tenant),
            Role::Manager => match user.scope_unit_id {
                Some(root) => {
                    let row =
                        sqlx::query("SELECT path FROM units WHERE id = $1 AND tenant_id = $2")
                            .bind(root.0)
                            .bind(tenant.0)
                            .fetch_optional(self.pool())
                            .await?;
                    match row {
                        Some(r) => {
                            let text: String = col(&r, "path")?;
                            let path = UnitPath::from_stored(&text)
                                .ok_or_else(|| StoreError::Corrupt(format!("unit path {text}")))?;
                            Scope::Subtree { tenant, root, path }
                        }
                        None => Scope::Own {
                            tenant,
                            person: user.person_id,
                            unit: None,
                        },
                    }
                }
                None => Scope::Own {
                    tenant,
                    person: user.person_id,
                    unit: None,
                },
            },
            Role::Employee => {
                let unit = match user.person_id {
                    Some(p) => {
                        sqlx::query("SELECT unit_id FROM people WHERE id = $1 AND tenant_id = $2")
                            .bind(p.0)
                            .bind(tenant.0)
                            .fetch_optional(self.pool())
                            .await?
                            .map(|r| col::<i64>(&r, "unit_id"))
                            .transpose()?
                            .map(UnitId)
                    }
                    None => None,
                };
                Scope::Own {
                    tenant,
                    person: user.person_id,
                    unit,
                }
            }
            Role::Auditor => Scope::Own {
                tenant,
                person: None,
                unit: None,
            },
        })
    }
}

fn scope_unit_for(role: Role, unit: Option<UnitId>) -> Option<i64> {
    (role == Role::Manager)
        .then_some(unit)
        .flatten()
        .map(|u| u.0)
}

/// The person and unit an account links to must be the tenant's; managers need a unit.
async fn check_links(
    tx: &mut Transaction<'static, Any>,
    tenant: TenantId,
    role: Role,
    person: Option<PersonId>,
    unit: Option<UnitId>,
) -> Result<(), StoreError> {
    if role == Role::Manager && unit.is_none() {
        return Err(InvalidInput::ManagerNeedsUnit.into());
    }
    if let Some(p) = person {
        let found = sqlx::query("SELECT id FROM people WHERE id = $1 AND tenant_id = $2")
            .bind(p.0)
            .bind(tenant.0)
            .fetch_optional(&mut **tx)
            .await?;
        if found.is_none() {
            return Err(InvalidInput::UnknownReference {
                field: Field::Name,
                value: p.to_string(),
            }
            .into());
        }
    }
    if let (Role::Manager, Some(u)) = (role, unit) {
        let found = sqlx::query("SELECT id FROM units WHERE id = $1 AND tenant_id = $2")
            .bind(u.0)
            .bind(tenant.0)
            .fetch_optional(&mut **tx)
            .await?;
        if found.is_none() {
            return Err(InvalidInput::UnknownReference {
                field: Field::Unit,
                value: u.to_string(),
            }
            .into());
        }
    }
    Ok(())
}

pub(crate) async fn active_user(store: &Store, id: UserId) -> Result<Option<User>, StoreError> {
    let row = sqlx::query(&format!("{SELECT} WHERE s.id = $1 AND s.active = 1"))
        .bind(id.0)
        .fetch_optional(store.pool())
        .await?;
    row.as_ref().map(user_from_row).transpose()
}
