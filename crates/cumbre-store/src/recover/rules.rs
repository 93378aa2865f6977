//! Alert rules: who may write them (administrators; managers for their subtree) and where
//! they apply.

use crate::listen::surveys::designs;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::org::UnitPath;
use cumbre_domain::recover::RuleDefinition;
use cumbre_domain::{TenantId, UnitId};
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertRule {
    pub id: i64,
    pub name: String,
    /// Responses of this unit and everything under it.
    pub unit_id: UnitId,
    pub unit_name: String,
    pub touchpoint_id: Option<i64>,
    pub survey_id: Option<i64>,
    /// Whether imported (historical) responses trigger it too.
    pub include_imports: bool,
    pub definition: RuleDefinition,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(skip)]
    pub unit_path: UnitPath,
}

impl AlertRule {
    /// Whether `scope` may change this rule: rules set above the caller apply to their
    /// units and are shown to them, but are not theirs to change.
    pub fn editable_by(&self, scope: &Scope) -> bool {
        designs(scope, &self.unit_path)
    }
}

/// Who saves a rule: what they see, their administrator grant if they have one (needed
/// for webhooks), and the name the audit trail records.
#[derive(Clone, Copy)]
pub struct RuleEditor<'a> {
    pub scope: &'a Scope,
    pub admin: Option<&'a cumbre_domain::access::AdminGrant>,
    pub actor: &'a str,
}

/// A saved rule, and the signing secret of its webhook when this save registered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedRule {
    pub id: i64,
    pub webhook_secret: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RuleInput {
    pub name: String,
    pub unit_id: UnitId,
    pub touchpoint_id: Option<i64>,
    pub survey_id: Option<i64>,
    pub include_imports: bool,
    pub definition: RuleDefinition,
    pub active: bool,
}

const SELECT: &str = "SELECT r.id, r.name, r.unit_id, u.name AS unit_name, u.path AS unit_path, r.touchpoint_id, \
    r.survey_id, r.include_imports, r.definition, r.active, r.updated_at \
    FROM alert_rules r JOIN units u ON u.id = r.unit_id";

fn rule_from_row(r: &sqlx::any::AnyRow) -> Result<AlertRule, StoreError> {
    let path: String = col(r, "unit_path")?;
    let definition: String = col(r, "definition")?;
    Ok(AlertRule {
        id: col(r, "id")?,
        name: col(r, "name")?,
        unit_id: UnitId(col(r, "unit_id")?),
        unit_name: col(r, "unit_name")?,
        touchpoint_id: col(r, "touchpoint_id")?,
        survey_id: col(r, "survey_id")?,
        include_imports: col::<i64>(r, "include_imports")? != 0,
        definition: crate::store::json(&definition, "rule definition")?,
        active: col::<i64>(r, "active")? != 0,
        updated_at: from_millis(col(r, "updated_at")?),
        unit_path: UnitPath::from_stored(&path)
            .ok_or_else(|| StoreError::Corrupt("unit path".into()))?,
    })
}

impl Store {
    /// The rules applying within the scope's reach: a manager sees the rules of their subtree
    /// and those set above it (which apply to their units too).
    pub async fn list_rules(&self, scope: &Scope) -> Result<Vec<AlertRule>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE r.tenant_id = $1 ORDER BY r.name, r.id"
        ))
        .bind(scope.tenant().0)
        .fetch_all(self.pool())
        .await?;
        let rules = rows
            .iter()
            .map(rule_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rules
            .into_iter()
            .filter(|r| match scope {
                Scope::Tenant(_) => true,
                Scope::Subtree { path, .. } => {
                    r.unit_path.is_within(path) || path.is_within(&r.unit_path)
                }
                Scope::Own { .. } => false,
            })
            .collect())
    }

    /// Every active rule of the tenant, for the evaluator.
    pub(crate) async fn active_rules(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<AlertRule>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE r.tenant_id = $1 AND r.active = 1 ORDER BY r.id"
        ))
        .bind(tenant.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(rule_from_row).collect()
    }

    /// Creates a rule (or replaces `id`'s) for a unit the scope designs for. Only an
    /// administrator (`admin`) may give a rule a webhook or change it; a webhook address
    /// new to the tenant becomes an endpoint signed with `fresh_secret`, which is returned
    /// (once: it is never shown again).
    pub async fn save_rule(
        &self,
        editor: &RuleEditor<'_>,
        id: Option<i64>,
        input: &RuleInput,
        fresh_secret: &str,
        now: OffsetDateTime,
    ) -> Result<SavedRule, StoreError> {
        let RuleEditor {
            scope,
            admin,
            actor,
        } = *editor;
        let admin = admin.filter(|g| g.tenant() == scope.tenant());
        // Who may write rules at all comes before what the rule says: administrators and,
        // for their subtree, managers; an executive sees the whole company but does not
        // configure it, and those who see only their own things configure nothing.
        if matches!(scope, Scope::Own { .. })
            || (matches!(scope, Scope::Tenant(_)) && admin.is_none())
        {
            return Err(StoreError::Forbidden);
        }
        input.definition.check().map_err(|errors| {
            StoreError::Invalid(errors.into_iter().next().map_or(
                cumbre_domain::InvalidInput::Required(cumbre_domain::Field::Condition),
                |e| e.error,
            ))
        })?;
        let name =
            cumbre_domain::input::required_text(&input.name, cumbre_domain::Field::Name, 120)?;
        // A rule set above the caller is visible to them but not theirs to change.
        let mut webhook_before = None;
        if let Some(existing) = id {
            let rule = self
                .list_rules(scope)
                .await?
                .into_iter()
                .find(|r| r.id == existing)
                .ok_or(StoreError::NotFound)?;
            if !rule.editable_by(scope) {
                return Err(StoreError::Forbidden);
            }
            webhook_before = rule.definition.webhook;
        }
        let webhook = input.definition.webhook.as_deref();
        if webhook.is_some() && webhook != webhook_before.as_deref() && admin.is_none() {
            return Err(StoreError::Forbidden);
        }
        let unit = self.get_unit(scope, input.unit_id).await?;
        if !designs(scope, &unit.path) {
            return Err(StoreError::Forbidden);
        }
        let tenant = scope.tenant();
        if let Some(t) = input.touchpoint_id
            && !self
                .list_touchpoints(tenant)
                .await?
                .iter()
                .any(|tp| tp.id == t)
        {
            return Err(cumbre_domain::InvalidInput::UnknownReference {
                field: cumbre_domain::Field::Touchpoint,
                value: t.to_string(),
            }
            .into());
        }
        if let Some(s) = input.survey_id {
            self.get_survey(scope, s).await?;
        }
        // A theme the tenant does not have, or no longer looks for, would make a rule
        // that never fires.
        let themes: Vec<(usize, &str)> = input
            .definition
            .conditions
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c {
                cumbre_domain::recover::rules::Condition::Theme { theme, .. } => {
                    Some((i, theme.as_str()))
                }
                _ => None,
            })
            .collect();
        if !themes.is_empty() {
            let taxonomy = self.tenant_taxonomy(tenant).await?;
            let unknown: Vec<(String, cumbre_domain::InvalidInput)> = themes
                .iter()
                .filter(|(_, t)| !taxonomy.is_active(t))
                .map(|(i, t)| {
                    (
                        format!("conditions[{i}].theme"),
                        cumbre_domain::InvalidInput::UnknownReference {
                            field: cumbre_domain::Field::Theme,
                            value: t.chars().take(40).collect(),
                        },
                    )
                })
                .collect();
            if !unknown.is_empty() {
                return Err(StoreError::InvalidItems(unknown));
            }
        }
        let definition = serde_json::to_string(&input.definition)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut w = self.begin_write().await?;
        let rule_id = match id {
            None => {
                let row = sqlx::query(
                    "INSERT INTO alert_rules (tenant_id, name, unit_id, touchpoint_id, survey_id, include_imports, definition, active, created_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
                )
                .bind(tenant.0)
                .bind(&name)
                .bind(input.unit_id.0)
                .bind(input.touchpoint_id)
                .bind(input.survey_id)
                .bind(i64::from(input.include_imports))
                .bind(&definition)
                .bind(i64::from(input.active))
                .bind(actor)
                .bind(to_millis(now))
                .fetch_one(&mut *w.tx)
                .await?;
                col(&row, "id")?
            }
            Some(existing) => {
                sqlx::query(
                    "UPDATE alert_rules SET name = $1, unit_id = $2, touchpoint_id = $3, survey_id = $4, include_imports = $5, \
                     definition = $6, active = $7, updated_at = $8 WHERE id = $9 AND tenant_id = $10",
                )
                .bind(&name)
                .bind(input.unit_id.0)
                .bind(input.touchpoint_id)
                .bind(input.survey_id)
                .bind(i64::from(input.include_imports))
                .bind(&definition)
                .bind(i64::from(input.active))
                .bind(to_millis(now))
                .bind(existing)
                .bind(tenant.0)
                .execute(&mut *w.tx)
                .await?;
                existing
            }
        };
        let mut webhook_secret = None;
        if let Some(url) = webhook {
            let known =
                sqlx::query("SELECT id FROM webhook_endpoints WHERE tenant_id = $1 AND url = $2")
                    .bind(tenant.0)
                    .bind(url)
                    .fetch_optional(&mut *w.tx)
                    .await?;
            if known.is_none() {
                if fresh_secret.len() < 20 {
                    return Err(StoreError::Corrupt("a webhook secret is too short".into()));
                }
                sqlx::query(
                    "INSERT INTO webhook_endpoints (tenant_id, url, secret, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(tenant.0)
                .bind(url)
                .bind(fresh_secret)
                .bind(actor)
                .bind(to_millis(now))
                .execute(&mut *w.tx)
                .await?;
                crate::audit::record(&mut w.tx, tenant, actor, "webhook.create", url, "", now)
                    .await?;
                webhook_secret = Some(fresh_secret.to_owned());
            }
        }
        crate::audit::record(
            &mut w.tx,
            tenant,
            actor,
            if id.is_some() {
                "rule.update"
            } else {
                "rule.create"
            },
            &name,
            &definition,
            now,
        )
        .await?;
        w.commit().await?;
        Ok(SavedRule {
            id: rule_id,
            webhook_secret,
        })
    }
}
