//! Survey links: an unguessable token bound to survey + touchpoint + unit (+ employee).
//! The token is public by design (it is printed as a QR code), so it is stored as is.

use crate::audit::record;
use crate::sql::Sql;
use crate::store::col;
use crate::{Store, StoreError};
use cumbre_domain::access::Scope;
use cumbre_domain::clock::{from_millis, to_millis};
use cumbre_domain::listen::{SurveyDefinition, SurveyStatus, Texts};
use cumbre_domain::{Field, InvalidInput, PersonId, TenantId, UnitId};
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Clone)]
pub struct LinkInput {
    pub survey_id: i64,
    pub touchpoint_id: i64,
    pub unit_id: UnitId,
    pub person_id: Option<PersonId>,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveyLink {
    pub id: i64,
    pub token: String,
    pub survey_id: i64,
    pub touchpoint_id: i64,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub person_id: Option<PersonId>,
    pub label: String,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What the public survey page needs, found by token alone (no signed-in user).
#[derive(Debug, Clone)]
pub struct PublicLink {
    pub link_id: i64,
    pub tenant: TenantId,
    pub active: bool,
    pub survey_id: i64,
    pub status: SurveyStatus,
    pub version_id: i64,
    /// Shared: the read cache hands out copies of a link on every page view.
    pub definition: std::sync::Arc<SurveyDefinition>,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub touchpoint_id: i64,
    pub touchpoint: Texts,
    pub person_id: Option<PersonId>,
}

impl Store {
    pub async fn create_link(
        &self,
        scope: &Scope,
        input: &LinkInput,
        token: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let tenant = scope.tenant();
        let survey = self.get_survey(scope, input.survey_id).await?;
        let unit_invalid = || {
            StoreError::Invalid(InvalidInput::UnknownReference {
                field: Field::Unit,
                value: input.unit_id.to_string(),
            })
        };
        self.get_unit(scope, input.unit_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => unit_invalid(),
                other => other,
            })?;
        if !self
            .list_touchpoints(tenant)
            .await?
            .iter()
            .any(|t| t.id == input.touchpoint_id)
        {
            return Err(InvalidInput::UnknownReference {
                field: Field::Touchpoint,
                value: input.touchpoint_id.to_string(),
            }
            .into());
        }
        if let Some(p) = input.person_id {
            self.get_person(scope, p).await.map_err(|e| match e {
                StoreError::NotFound => StoreError::Invalid(InvalidInput::UnknownReference {
                    field: Field::Person,
                    value: p.to_string(),
                }),
                other => other,
            })?;
        }
        let label = cumbre_domain::input::optional_text(&input.label, Field::Name, 120)?
            .unwrap_or_else(|| survey.summary.name.clone());
        let mut w = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO survey_links (tenant_id, survey_id, touchpoint_id, unit_id, person_id, token, label, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8) RETURNING id",
        )
        .bind(tenant.0)
        .bind(input.survey_id)
        .bind(input.touchpoint_id)
        .bind(input.unit_id.0)
        .bind(input.person_id.map(|p| p.0))
        .bind(token)
        .bind(&label)
        .bind(to_millis(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        record(
            &mut w.tx,
            tenant,
            actor,
            "link.create",
            &format!("link:{id}"),
            &label,
            now,
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// The links of a survey whose unit the scope sees.
    pub async fn list_links(
        &self,
        scope: &Scope,
        survey_id: i64,
    ) -> Result<Vec<SurveyLink>, StoreError> {
        // The survey first: a link is the survey's, so whoever does not see the survey
        // (an employee, an auditor, another tenant) sees none of its links.
        self.get_survey(scope, survey_id).await?;
        let mut sql = Sql::new(
            "SELECT l.id, l.token, l.survey_id, l.touchpoint_id, l.unit_id, u.name AS unit_name, l.person_id, l.label, l.active, l.created_at \
             FROM survey_links l JOIN units u ON u.id = l.unit_id WHERE l.survey_id = ",
        );
        sql.int(survey_id);
        crate::org::units::push_unit_scope(&mut sql, scope, "u");
        sql.push(" ORDER BY l.created_at DESC, l.id DESC");
        let rows = sql.query()?.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(SurveyLink {
                    id: col(r, "id")?,
                    token: col(r, "token")?,
                    survey_id: col(r, "survey_id")?,
                    touchpoint_id: col(r, "touchpoint_id")?,
                    unit_id: UnitId(col(r, "unit_id")?),
                    unit_name: col(r, "unit_name")?,
                    person_id: col::<Option<i64>>(r, "person_id")?.map(PersonId),
                    label: col(r, "label")?,
                    active: col::<i64>(r, "active")? != 0,
                    created_at: from_millis(col(r, "created_at")?),
                })
            })
            .collect()
    }

    /// [`Store::link_by_token`] as kept under `epoch` (a guess from
    /// [`Store::recent_epoch`], or a request's); `None` reads it fresh.
    pub async fn link_by_token_at(
        &self,
        token: &str,
        epoch: Option<crate::Epoch>,
    ) -> Result<Option<PublicLink>, StoreError> {
        let Some(epoch) = epoch else {
            return self.link_by_token(token).await;
        };
        if let Some(link) = self.cache.links.get(epoch.0, &token.to_owned()) {
            return Ok(Some(link));
        }
        let link = self.link_by_token(token).await?;
        if let Some(link) = &link {
            self.cache
                .links
                .put(epoch.0, token.to_owned(), link.clone());
        }
        Ok(link)
    }

    pub async fn link_by_token(&self, token: &str) -> Result<Option<PublicLink>, StoreError> {
        let row = sqlx::query(
            "SELECT l.id, l.tenant_id, l.active, l.survey_id, s.status, s.current_version_id, v.definition, l.unit_id, u.name AS unit_name, \
             l.touchpoint_id, t.name AS touchpoint_name, l.person_id \
             FROM survey_links l JOIN surveys s ON s.id = l.survey_id JOIN survey_versions v ON v.id = s.current_version_id \
             JOIN units u ON u.id = l.unit_id JOIN touchpoints t ON t.id = l.touchpoint_id WHERE l.token = $1",
        )
        .bind(token)
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let (status, version_id, definition) = crate::listen::surveys::current_version(
            &self.cache,
            &r,
            "status",
            "current_version_id",
        )?;
        let touchpoint: String = col(&r, "touchpoint_name")?;
        Ok(Some(PublicLink {
            link_id: col(&r, "id")?,
            tenant: TenantId(col(&r, "tenant_id")?),
            active: col::<i64>(&r, "active")? != 0,
            survey_id: col(&r, "survey_id")?,
            status,
            version_id,
            definition,
            unit_id: UnitId(col(&r, "unit_id")?),
            unit_name: col(&r, "unit_name")?,
            touchpoint_id: col(&r, "touchpoint_id")?,
            touchpoint: crate::store::json(&touchpoint, "touchpoint")?,
            person_id: col::<Option<i64>>(&r, "person_id")?.map(PersonId),
        }))
    }
}
