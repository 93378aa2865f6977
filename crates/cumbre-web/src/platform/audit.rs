//! The audit trail page: who changed what in the organisation and its accounts.

use crate::platform::auth::PageCtx;
use crate::platform::page::{Chrome, page};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cumbre_store::audit::AuditEvent;

const SHOWN: i64 = 300;

#[derive(Template)]
#[template(path = "platform/audit.html")]
struct AuditPage {
    chrome: Chrome,
    events: Vec<AuditEvent>,
    clock: cumbre_domain::recover::TenantClock,
    money: crate::platform::page::Money,
    units: Vec<cumbre_store::org::Unit>,
}

impl AuditPage {
    /// The translated name of an action ("Change" for one the catalogue lacks: never the
    /// code itself).
    fn action(&self, code: &str) -> &'static str {
        crate::platform::i18n::catalogue(self.chrome.tr.lang)
            .get(format!("audit.{code}").as_str())
            .copied()
            .unwrap_or_else(|| self.chrome.tr.t("audit.other"))
    }

    /// The detail in words: money in the tenant's currency, a role by its name, a rule
    /// by what it does; a structured detail (JSON) is never shown as it is stored.
    fn detail(&self, e: &AuditEvent) -> String {
        let tr = &self.chrome.tr;
        match e.action.as_str() {
            "authority.set" => e
                .detail
                .parse::<i64>()
                .map_or_else(|_| e.detail.clone(), |cents| self.money.fmt(cents)),
            "rule.create" | "rule.update" => {
                match serde_json::from_str::<cumbre_domain::recover::RuleDefinition>(&e.detail) {
                    Ok(d) => {
                        let mut parts =
                            vec![tr.count("audit.conditions", d.conditions.len() as i64)];
                        if !d.notify.is_empty() {
                            parts.push(tr.count("audit.recipients", d.notify.len() as i64));
                        }
                        if d.webhook.is_some() {
                            parts.push(tr.t("audit.with_webhook").to_owned());
                        }
                        parts.join(" · ")
                    }
                    Err(_) => String::new(),
                }
            }
            "sla.set" => {
                // "first contact 60 min, resolution 1440 min"
                let minutes: Vec<i64> = e
                    .detail
                    .split(|c: char| !c.is_ascii_digit())
                    .filter_map(|n| n.parse().ok())
                    .collect();
                match minutes[..] {
                    [first, resolve] => tr
                        .f(
                            "audit.sla_detail",
                            crate::recover::cases::duration(Some(first)),
                        )
                        .replacen("{}", &crate::recover::cases::duration(Some(resolve)), 1),
                    _ => String::new(),
                }
            }
            "target.set" if e.detail == "none" => tr.t("audit.target_removed").to_owned(),
            _ if e.detail.trim_start().starts_with(['{', '[']) => String::new(),
            _ => e.detail.clone(),
        }
    }

    /// The subject in words: an authority limit's unit and role by name.
    fn subject(&self, e: &AuditEvent) -> String {
        if e.action == "sla.set" {
            return cumbre_domain::recover::Priority::parse(&e.subject).map_or_else(
                |_| e.subject.clone(),
                |p| p.label(self.chrome.tr.lang).to_owned(),
            );
        }
        if !e.action.starts_with("authority.") {
            return e.subject.clone();
        }
        // "unit 12 role manager" ("-" for any); "unit Some(12) role Some(\"manager\")" in
        // entries written before 2026-12-01.
        let unit = e
            .subject
            .split("unit ")
            .nth(1)
            .and_then(|u| u.split(' ').next())
            .map(|u| u.trim_start_matches("Some(").trim_end_matches(')'))
            .and_then(|u| u.parse::<i64>().ok());
        let role = e
            .subject
            .split("role ")
            .nth(1)
            .map(|r| {
                r.trim_start_matches("Some(")
                    .trim_end_matches(')')
                    .trim_matches('"')
            })
            .and_then(|r| cumbre_domain::access::Role::parse(r).ok());
        let unit = unit
            .and_then(|u| self.units.iter().find(|x| x.id.0 == u))
            .map_or_else(
                || self.chrome.tr.t("settings.whole_company").to_owned(),
                |u| u.name.clone(),
            );
        let role = role.map_or_else(
            || self.chrome.tr.t("settings.any_role").to_owned(),
            |r| r.label(self.chrome.tr.lang).to_owned(),
        );
        format!("{unit} · {role}")
    }

    /// Who acted, in words: the command line and the demo's loader by name, and the
    /// account id that entries written before 2026-12-02 carried ("x (user 5)") left out.
    fn who(&self, e: &AuditEvent) -> String {
        match e.actor.as_str() {
            "cli" => self.chrome.tr.t("audit.by_cli").to_owned(),
            "demo" => self.chrome.tr.t("audit.by_demo").to_owned(),
            actor => match actor.rsplit_once(" (user ") {
                Some((email, id)) if id.trim_end_matches(')').parse::<i64>().is_ok() => {
                    email.to_owned()
                }
                _ => actor.to_owned(),
            },
        }
    }

    fn when(&self, event: &AuditEvent) -> String {
        self.clock.local(event.at)
    }
}

pub async fn show(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
) -> Result<Response, AppError> {
    let grant = ctx.admin()?;
    page(&AuditPage {
        chrome: Chrome::for_user(&ctx, "audit"),
        events: state.store.audit_events(&grant, SHOWN).await?,
        clock: state.store.tenant_clock(ctx.user.tenant).await?,
        money: crate::platform::page::Money::of(&state, ctx.user.tenant).await?,
        units: state
            .store
            .list_units(&cumbre_domain::access::Scope::Tenant(ctx.user.tenant))
            .await?,
    })
}
