//! Roles a user account can hold.

use crate::{Field, InvalidInput, Lang};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Installs and configures: organisation, people, users, integrations. Sees the tenant.
    Admin,
    /// Sets the service vision and decides promotions. Sees the whole tenant.
    Executive,
    /// Leads one unit (supervisor, location manager, regional): sees that unit's subtree.
    Manager,
    /// A frontline colaborador: sees only their own things.
    Employee,
    /// An external mystery-shopper auditor: sees only what they are assigned.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Executive,
        Role::Manager,
        Role::Employee,
        Role::Auditor,
    ];
    const ALLOWED: &'static str = "admin, executive, manager, employee, auditor";

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Executive => "executive",
            Role::Manager => "manager",
            Role::Employee => "employee",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let value = raw.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|r| r.code() == value)
            .ok_or(InvalidInput::NotOneOf {
                field: Field::Role,
                value: raw.trim().to_owned(),
                allowed: Self::ALLOWED,
            })
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Role::Admin, Lang::Es) => "Administrador",
            (Role::Admin, Lang::En) => "Administrator",
            (Role::Executive, Lang::Es) => "Directivo",
            (Role::Executive, Lang::En) => "Executive",
            (Role::Manager, Lang::Es) => "Gerente",
            (Role::Manager, Lang::En) => "Manager",
            (Role::Employee, Lang::Es) => "Colaborador",
            (Role::Employee, Lang::En) => "Employee",
            (Role::Auditor, _) => "Auditor",
        }
    }

    /// Leads a unit or the company (administrators, executives, managers): sees the
    /// dashboards of their reach and sets its targets.
    pub fn leads(self) -> bool {
        matches!(self, Role::Admin | Role::Executive | Role::Manager)
    }

    /// Works in the company and is held to its standards: everyone but the auditor, who
    /// checks it from outside and sees only their own assignments.
    pub fn serves(self) -> bool {
        self != Role::Auditor
    }

    /// Only administrators change the organisation, people, users and tokens of others.
    pub fn administers(self) -> bool {
        self == Role::Admin
    }
}
