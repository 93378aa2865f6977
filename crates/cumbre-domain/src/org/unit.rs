//! Organisation units and the materialised path that makes subtree queries one index scan.

use crate::input::{optional_text, required_text};
use crate::{Field, InvalidInput, Lang, UnitId};
use serde::{Deserialize, Serialize};

/// A unit's display name, e.g. "Sierra Azul Cancún".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitName(String);

impl UnitName {
    pub const MAX: usize = 120;
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        required_text(raw, Field::Name, Self::MAX).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An optional external code (from the HR system or the import file), unique per tenant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnitCode(String);

impl UnitCode {
    pub const MAX: usize = 40;
    pub fn parse(raw: &str) -> Result<Option<Self>, InvalidInput> {
        let code = optional_text(raw, Field::Key, Self::MAX)?;
        Ok(code.map(Self))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What level of the organisation a unit is; only a label, the tree may be of any depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    Company,
    Region,
    Location,
    Team,
    Area,
}

impl UnitKind {
    pub const ALL: [UnitKind; 5] = [
        UnitKind::Company,
        UnitKind::Region,
        UnitKind::Location,
        UnitKind::Team,
        UnitKind::Area,
    ];
    const ALLOWED: &'static str = "company, region, location, team, area";

    pub fn code(self) -> &'static str {
        match self {
            UnitKind::Company => "company",
            UnitKind::Region => "region",
            UnitKind::Location => "location",
            UnitKind::Team => "team",
            UnitKind::Area => "area",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let value = raw.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.code() == value)
            .ok_or(InvalidInput::NotOneOf {
                field: Field::UnitKind,
                value: raw.trim().to_owned(),
                allowed: Self::ALLOWED,
            })
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (UnitKind::Company, Lang::Es) => "Empresa",
            (UnitKind::Company, Lang::En) => "Company",
            (UnitKind::Region, _) => "Región",
            (UnitKind::Location, Lang::Es) => "Sede",
            (UnitKind::Location, Lang::En) => "Location",
            (UnitKind::Team, Lang::Es) => "Equipo",
            (UnitKind::Team, Lang::En) => "Team",
            (UnitKind::Area, Lang::Es) => "Área",
            (UnitKind::Area, Lang::En) => "Area",
        }
    }
}

/// The ids from the root down to a unit, written `/1/4/9/`. A unit's subtree is every
/// unit whose path starts with its own, so "this unit and everything under it" is a prefix
/// match on an indexed column in both databases.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnitPath(String);

impl UnitPath {
    pub fn root(id: UnitId) -> Self {
        Self(format!("/{id}/"))
    }

    pub fn child(&self, id: UnitId) -> Self {
        Self(format!("{}{id}/", self.0))
    }

    /// Reads a path stored by [`UnitPath::as_str`]; `None` if it is malformed.
    pub fn from_stored(raw: &str) -> Option<Self> {
        let inner = raw.strip_prefix('/')?.strip_suffix('/')?;
        if inner.is_empty() || !inner.split('/').all(|p| p.parse::<i64>().is_ok()) {
            return None;
        }
        Some(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `LIKE` pattern that matches this unit and all its descendants.
    pub fn subtree_pattern(&self) -> String {
        format!("{}%", self.0)
    }

    /// True when `self` is `other` or lies under it.
    pub fn is_within(&self, other: &UnitPath) -> bool {
        self.0.starts_with(&other.0)
    }

    pub fn depth(&self) -> usize {
        self.0.matches('/').count() - 1
    }

    /// The ids from the root to this unit, inclusive.
    pub fn ids(&self) -> Vec<UnitId> {
        self.0
            .split('/')
            .filter_map(|p| p.parse().ok())
            .map(UnitId)
            .collect()
    }

    /// Checks that a unit at `self` may be placed under `new_parent`.
    pub fn check_move_under(&self, new_parent: &UnitPath) -> Result<(), InvalidInput> {
        if new_parent.is_within(self) {
            return Err(InvalidInput::MoveIntoOwnSubtree);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_nest_and_match_their_subtree_only() {
        let company = UnitPath::root(UnitId(1));
        let region = company.child(UnitId(4));
        let hotel = region.child(UnitId(9));
        let other = company.child(UnitId(41));
        assert_eq!(hotel.as_str(), "/1/4/9/");
        assert!(hotel.is_within(&region));
        assert!(hotel.is_within(&hotel));
        assert!(!region.is_within(&hotel));
        // "/1/41/" must not count as under "/1/4/": the trailing slash prevents it.
        assert!(!other.is_within(&region));
        assert_eq!(hotel.depth(), 3);
        assert_eq!(hotel.ids(), vec![UnitId(1), UnitId(4), UnitId(9)]);
        assert_eq!(region.subtree_pattern(), "/1/4/%");
    }

    #[test]
    fn cannot_move_a_unit_into_its_own_subtree() {
        let region = UnitPath::root(UnitId(1)).child(UnitId(4));
        let hotel = region.child(UnitId(9));
        assert_eq!(
            region.check_move_under(&hotel),
            Err(InvalidInput::MoveIntoOwnSubtree)
        );
        assert_eq!(
            region.check_move_under(&region),
            Err(InvalidInput::MoveIntoOwnSubtree)
        );
        assert!(hotel.check_move_under(&UnitPath::root(UnitId(1))).is_ok());
    }

    #[test]
    fn stored_paths_are_validated() {
        assert!(UnitPath::from_stored("/1/2/").is_some());
        assert!(UnitPath::from_stored("/1/x/").is_none());
        assert!(UnitPath::from_stored("1/2").is_none());
        assert!(UnitPath::from_stored("//").is_none());
    }

    #[test]
    fn unit_kind_parses_case_insensitively_and_explains_rejections() {
        assert_eq!(UnitKind::parse(" Location ").unwrap(), UnitKind::Location);
        let err = UnitKind::parse("hotel").unwrap_err();
        assert!(
            err.to_string()
                .contains("company, region, location, team, area")
        );
    }
}
