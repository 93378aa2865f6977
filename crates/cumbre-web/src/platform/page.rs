//! What every server-rendered page shares. Each page is an askama template struct holding a [`Chrome`]
//! (language, navigation, CSRF token) plus its data; every string comes from the catalogues.

use crate::AppError;
use crate::platform::auth::Ctx;
use crate::platform::i18n::Tr;
use askama::Template;
use axum::response::{Html, IntoResponse, Redirect, Response};
use cumbre_domain::Lang;

/// What every page shows around its content.
pub struct Chrome {
    pub tr: Tr,
    pub csrf: String,
    pub email: Option<String>,
    pub role: String,
    pub is_admin: bool,
    /// Leads a unit or the company: sees the dashboards.
    pub manages: bool,
    /// A frontline employee: sees their own results.
    pub serves: bool,
    /// The navigation entry to highlight.
    pub section: &'static str,
    /// A translated confirmation after a redirect (`?ok=saved`).
    pub notice: Option<&'static str>,
    /// How many things wait in the person's inbox.
    pub waiting: i64,
}

impl Chrome {
    pub fn for_user(ctx: &Ctx, section: &'static str) -> Self {
        let tr = Tr::new(ctx.lang);
        Self {
            tr,
            csrf: ctx.csrf.clone(),
            email: Some(ctx.user.email.clone()),
            role: ctx.user.role.label(ctx.lang).to_owned(),
            is_admin: ctx.user.role.administers(),
            manages: ctx.user.role.leads(),
            serves: ctx.user.role == cumbre_domain::access::Role::Employee,
            section,
            notice: None,
            waiting: ctx.waiting,
        }
    }

    pub fn anonymous(lang: Lang) -> Self {
        Self {
            tr: Tr::new(lang),
            csrf: String::new(),
            email: None,
            role: String::new(),
            is_admin: false,
            manages: false,
            serves: false,
            section: "",
            notice: None,
            waiting: 0,
        }
    }

    /// Shows the confirmation named by `?ok=` when it is one we know.
    pub fn with_notice(mut self, ok: Option<&str>) -> Self {
        self.notice = ok.and_then(|k| match k {
            "saved" => Some("notice.saved"),
            "created" => Some("notice.created"),
            "moved" => Some("notice.moved"),
            "deactivated" => Some("notice.deactivated"),
            "activated" => Some("notice.activated"),
            "password" => Some("notice.password"),
            "queued" => Some("notice.queued"),
            "checked" => Some("notice.checked"),
            "approval" => Some("notice.approval"),
            "published" => Some("notice.published"),
            "unchanged" => Some("notice.unchanged"),
            "read" => Some("notice.read"),
            "submitted" => Some("notice.submitted"),
            "returned" => Some("notice.returned"),
            "disputed" => Some("notice.disputed"),
            "decided" => Some("notice.decided"),
            _ => None,
        });
        self
    }

    pub fn priority_label(&self, p: &cumbre_domain::recover::Priority) -> &'static str {
        p.label(self.tr.lang)
    }

    /// Monday to Sunday, in the page's language.
    pub fn weekdays(&self) -> [&'static str; 7] {
        match self.tr.lang {
            cumbre_domain::Lang::Es => [
                "lunes",
                "martes",
                "miércoles",
                "jueves",
                "viernes",
                "sábado",
                "domingo",
            ],
            cumbre_domain::Lang::En => [
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
                "Sunday",
            ],
        }
    }

    /// The catalogue key of a priority code.
    pub fn priority_key(&self, code: &str) -> &'static str {
        match code {
            "urgent" => "priority.urgent",
            "high" => "priority.high",
            "normal" => "priority.normal",
            _ => "priority.low",
        }
    }

    /// The catalogue key of a case status code.
    pub fn case_status_key(&self, code: &str) -> &'static str {
        match code {
            "new" => "case.status_new",
            "contacted" => "case.status_contacted",
            "resolved" => "case.status_resolved",
            _ => "case.status_closed",
        }
    }

    /// The catalogue key of a promise's state.
    pub fn promise_state_key(&self, state: &str) -> &'static str {
        match state {
            "open" => "promises.open",
            "overdue" => "promises.overdue",
            "kept" => "promises.kept_state",
            _ => "promises.broken",
        }
    }

    /// Indentation for a unit in a drop-down, where markup cannot nest.
    pub fn indent(&self, depth: impl std::borrow::Borrow<usize>) -> String {
        "\u{a0}\u{a0}".repeat(*depth.borrow())
    }

    pub fn kind_label(&self, kind: &cumbre_domain::org::UnitKind) -> &'static str {
        kind.label(self.tr.lang)
    }

    pub fn role_label(&self, role: &cumbre_domain::access::Role) -> &'static str {
        role.label(self.tr.lang)
    }

    /// A role's name from its stored code.
    pub fn role_name(&self, code: &str) -> &'static str {
        cumbre_domain::access::Role::parse(code).map_or("", |r| r.label(self.tr.lang))
    }

    /// The catalogue key of an invitation status.
    pub fn invitation_status(&self, status: &str) -> &'static str {
        match status {
            "queued" => "invitations.status.queued",
            "sending" => "invitations.status.sending",
            "sent" => "invitations.status.sent",
            "answered" => "invitations.status.answered",
            "bounced" => "invitations.status.bounced",
            _ => "invitations.status.unsubscribed",
        }
    }

    /// The catalogue key of a notification's state in the outbox.
    pub fn outbox_status_key(&self, status: &str) -> &'static str {
        match status {
            "failed" => "notifications.failed",
            other => self.invitation_status(other),
        }
    }

    /// The catalogue key naming a shipped survey template.
    pub fn template_key(&self, template: &str) -> &'static str {
        match template {
            "post-stay-nps" => "surveys.template.post_stay",
            "touchpoint-csat" => "surveys.template.csat",
            _ => "surveys.template.ces",
        }
    }

    /// `active` for the menu entry the page belongs to: the administration pages share one
    /// entry, the API tokens belong to the profile.
    pub fn nav_class(&self, section: &str) -> &'static str {
        let entry = match self.section {
            "users" | "import" | "audit" | "recovery_settings" | "themes_settings"
            | "notifications" => "admin",
            "tokens" => "profile",
            "pulses" => "overview",
            other => other,
        };
        if entry == section { "active" } else { "" }
    }
}

/// Renders a template into a response; a template error is a bug, logged as a 500.
pub fn page(t: &impl Template) -> Result<Response, AppError> {
    Ok(Html(t.render().map_err(AppError::internal)?).into_response())
}

/// Who acted, as the trail names them (`Ana López <admin@demo.test>`), by name; an account
/// without a person keeps its e-mail.
pub fn actor_name(actor: &str) -> String {
    actor
        .split_once(" <")
        .map_or(actor, |(name, _)| name)
        .to_owned()
}

/// After a successful form post: go to `to` with a confirmation.
pub fn done(to: &str, notice: &str) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{to}{sep}ok={notice}")).into_response()
}

#[derive(serde::Deserialize, Default)]
pub struct Notice {
    pub ok: Option<String>,
}

/// Where a paged list stands: the page asked for (1-based, clamped to the pages that
/// exist, so no page number can overflow an offset) and how many there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub size: i64,
}

impl Pager {
    /// Before the count is known: the offset of `page` (1 when absent or below 1), bounded.
    pub fn asked(page: Option<i64>, size: i64) -> Self {
        let page = page.unwrap_or(1).clamp(1, i64::MAX / size.max(1));
        Self {
            page,
            pages: page,
            size,
        }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.size
    }

    /// Once the total is known.
    pub fn of(self, total: i64) -> Self {
        Self {
            pages: ((total + self.size - 1) / self.size).max(1),
            ..self
        }
    }

    /// The rows this page shows, 1-based (`51`–`100`).
    pub fn first_row(&self) -> i64 {
        self.offset() + 1
    }

    pub fn last_row(&self, shown: usize) -> i64 {
        self.offset() + shown as i64
    }
}

/// Money as people read it: `1,500.00 MXN`, in the tenant's currency.
#[derive(Debug, Clone)]
pub struct Money {
    pub currency: String,
}

impl Money {
    pub async fn of(
        state: &crate::AppState,
        tenant: cumbre_domain::TenantId,
    ) -> Result<Self, AppError> {
        Ok(Money {
            currency: state.store.tenant_currency(tenant).await?,
        })
    }

    pub fn fmt(&self, cents: i64) -> String {
        let sign = if cents < 0 { "-" } else { "" };
        let abs = cents.unsigned_abs();
        let units = Tr::new(Lang::En).int(i64::try_from(abs / 100).unwrap_or(i64::MAX));
        format!("{sign}{units}.{:02} {}", abs % 100, self.currency)
    }
}
