//! The part of a tenant a signed-in user may see. Every store query that reads tenant data
//! takes a `Scope`, so forgetting the permission check does not compile.

use crate::org::UnitPath;
use crate::{PersonId, TenantId, UnitId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The whole tenant: administrators and executives.
    Tenant(TenantId),
    /// One unit and everything under it: managers.
    Subtree {
        tenant: TenantId,
        root: UnitId,
        path: UnitPath,
    },
    /// Only the user's own person and the unit they belong to: employees; auditors, who
    /// have neither, see nothing of the organisation.
    Own {
        tenant: TenantId,
        person: Option<PersonId>,
        unit: Option<UnitId>,
    },
}

impl Scope {
    pub fn tenant(&self) -> TenantId {
        match self {
            Scope::Tenant(t) => *t,
            Scope::Subtree { tenant, .. } | Scope::Own { tenant, .. } => *tenant,
        }
    }

    /// Whether a unit of `tenant` at `path` is visible.
    pub fn sees_unit(&self, tenant: TenantId, id: UnitId, path: &UnitPath) -> bool {
        if tenant != self.tenant() {
            return false;
        }
        match self {
            Scope::Tenant(_) => true,
            Scope::Subtree { path: root, .. } => path.is_within(root),
            Scope::Own { unit, .. } => *unit == Some(id),
        }
    }

    /// This scope cut down to the subtree of a unit it sees (a dashboard drilled into a
    /// region reads that region only); `None` when it does not see the unit, or sees
    /// no subtree at all (employees).
    pub fn narrowed_to(&self, id: UnitId, path: &UnitPath) -> Option<Scope> {
        if matches!(self, Scope::Own { .. }) || !self.sees_unit(self.tenant(), id, path) {
            return None;
        }
        Some(Scope::Subtree {
            tenant: self.tenant(),
            root: id,
            path: path.clone(),
        })
    }

    /// Whether a person of `tenant`, in the unit at `unit_path`, is visible.
    pub fn sees_person(&self, tenant: TenantId, id: PersonId, unit_path: &UnitPath) -> bool {
        if tenant != self.tenant() {
            return false;
        }
        match self {
            Scope::Tenant(_) => true,
            Scope::Subtree { path: root, .. } => unit_path.is_within(root),
            Scope::Own { person, .. } => *person == Some(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (UnitPath, UnitPath, UnitPath, UnitPath) {
        let company = UnitPath::root(UnitId(1));
        let region = company.child(UnitId(2));
        let hotel = region.child(UnitId(3));
        let sibling = region.child(UnitId(4));
        (company, region, hotel, sibling)
    }

    #[test]
    fn a_scope_narrows_only_to_a_subtree_it_sees() {
        let (company, region, hotel, sibling) = tree();
        let t = TenantId(1);
        let manager = Scope::Subtree {
            tenant: t,
            root: UnitId(2),
            path: region.clone(),
        };
        assert_eq!(
            manager.narrowed_to(UnitId(3), &hotel),
            Some(Scope::Subtree {
                tenant: t,
                root: UnitId(3),
                path: hotel.clone()
            })
        );
        assert_eq!(manager.narrowed_to(UnitId(1), &company), None, "above");
        let hotel_manager = Scope::Subtree {
            tenant: t,
            root: UnitId(3),
            path: hotel,
        };
        assert_eq!(hotel_manager.narrowed_to(UnitId(4), &sibling), None);
        let employee = Scope::Own {
            tenant: t,
            person: None,
            unit: Some(UnitId(3)),
        };
        assert_eq!(employee.narrowed_to(UnitId(3), &region), None);
        assert!(Scope::Tenant(t).narrowed_to(UnitId(1), &company).is_some());
    }

    #[test]
    fn manager_sees_own_subtree_but_not_sibling_parent_or_other_tenant() {
        let (company, region, hotel, sibling) = tree();
        let t = TenantId(1);
        let scope = Scope::Subtree {
            tenant: t,
            root: UnitId(3),
            path: hotel.clone(),
        };
        let team = hotel.child(UnitId(9));
        assert!(scope.sees_unit(t, UnitId(3), &hotel));
        assert!(scope.sees_unit(t, UnitId(9), &team));
        assert!(!scope.sees_unit(t, UnitId(4), &sibling));
        assert!(!scope.sees_unit(t, UnitId(2), &region));
        assert!(!scope.sees_unit(t, UnitId(1), &company));
        assert!(!scope.sees_unit(TenantId(2), UnitId(9), &team));
    }

    #[test]
    fn employee_sees_only_self_and_own_unit() {
        let (_, _, hotel, sibling) = tree();
        let t = TenantId(1);
        let scope = Scope::Own {
            tenant: t,
            person: Some(PersonId(7)),
            unit: Some(UnitId(3)),
        };
        assert!(scope.sees_unit(t, UnitId(3), &hotel));
        assert!(!scope.sees_unit(t, UnitId(4), &sibling));
        assert!(scope.sees_person(t, PersonId(7), &hotel));
        assert!(!scope.sees_person(t, PersonId(8), &hotel));
    }

    #[test]
    fn executive_sees_the_tenant_only() {
        let (company, ..) = tree();
        let scope = Scope::Tenant(TenantId(1));
        assert!(scope.sees_unit(TenantId(1), UnitId(1), &company));
        assert!(!scope.sees_unit(TenantId(2), UnitId(1), &company));
    }
}

/// Proof that the caller may change a tenant's organisation and accounts. Store writes
/// take it, so a write path without the admin check does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminGrant {
    tenant: TenantId,
}

impl AdminGrant {
    /// The grant of a signed-in user, if their role administers.
    pub fn for_role(role: crate::access::Role, tenant: TenantId) -> Option<Self> {
        role.administers().then_some(Self { tenant })
    }

    /// The operator at the server's command line, who owns the installation.
    pub fn operator(tenant: TenantId) -> Self {
        Self { tenant }
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }
}
