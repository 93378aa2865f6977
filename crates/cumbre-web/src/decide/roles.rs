//! Who does what in mystery shopping: administrators plan programmes and manage
//! assignments; administrators and executives review reports and decide disputes; an
//! auditor sees only their own assignments and reports; managers and employees read the
//! published audits of their units, and the unit's manager disputes items.

use crate::AppError;
use crate::platform::auth::Ctx;
use cumbre_domain::UserId;
use cumbre_domain::access::{Role, Scope};
use cumbre_store::decide::AuditReader;

/// Reviews reports and decides disputes.
pub fn reviews(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Executive)
}

pub fn reviewer(ctx: &Ctx) -> Result<(), AppError> {
    if reviews(ctx.user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// What `ctx` reads of audits.
pub fn audit_reader(ctx: &Ctx) -> AuditReader {
    match ctx.user.role {
        Role::Auditor => AuditReader::Auditor {
            tenant: ctx.user.tenant,
            user: ctx.user.id,
        },
        Role::Admin | Role::Executive => AuditReader::Reviewer(ctx.user.tenant),
        Role::Manager | Role::Employee => AuditReader::Unit(ctx.scope.clone()),
    }
}

/// Whose assignments `ctx` sees: `Some(user)`, an auditor's own; `None`, all (reviewers).
/// Nobody else sees them: a covert programme's plan is not the visited units' to know.
pub fn assignments_of(ctx: &Ctx) -> Result<Option<UserId>, AppError> {
    match ctx.user.role {
        Role::Auditor => Ok(Some(ctx.user.id)),
        Role::Admin | Role::Executive => Ok(None),
        _ => Err(AppError::Forbidden),
    }
}

/// Disputes a published audit of their unit: a manager (who leads a subtree).
pub fn disputes(ctx: &Ctx) -> bool {
    ctx.user.role == Role::Manager && matches!(ctx.scope, Scope::Subtree { .. })
}
