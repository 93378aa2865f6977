//! Typed identifiers, so a unit id can never be passed where a person id is expected.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// An organisation using Cumbre; nothing is ever shared between tenants.
    TenantId
);
id_type!(
    /// A node of the organisation tree (company, region, location, team…).
    UnitId
);
id_type!(
    /// An employee (colaborador), whether or not they can sign in.
    PersonId
);
id_type!(
    /// An account that can sign in.
    UserId
);
id_type!(
    /// A functional department (reception, housekeeping…), across units.
    DepartmentId
);
