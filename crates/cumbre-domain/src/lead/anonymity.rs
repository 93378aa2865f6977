//! Which figures about employees' answers may be shown, decided once for every output
//! (pages, `/api/v1`, CSV, dashboards, the internal-customer matrix, the ideas box).
//!
//! A figure counts a group of answers. Shown figures can be added and subtracted: a parent
//! minus its children, two overlapping segments, a view before and after a filter. So the
//! question is not whether each group is large enough, but whether any group that can be
//! *worked out* from all the figures shown is. The rule used here is a sufficient one:
//! the figures shown cut the cycle's answers into blocks (answers that every shown figure
//! counts together or not at all); each block must hold no answer or at least the
//! threshold. Every group that sums, differences or any other combination of shown figures
//! can isolate is a union of blocks, so none smaller than the threshold can be isolated —
//! whatever a user, or several users together, request.
//!
//! Figures are offered in a fixed order of importance (the caller's), and each is shown
//! only if the blocks stay large enough with it; the decision depends on the answers and
//! that order alone, never on who asks first, so two managers comparing notes learn
//! nothing that one cannot. A figure held back says why ([`Suppressed`]).

use std::collections::HashMap;
use std::hash::Hash;

/// The smallest groups a tenant lets Cumbre show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    group: u32,
    comments: u32,
}

impl Thresholds {
    /// Never below this, whatever a tenant sets.
    pub const FLOOR: u32 = 3;
    pub const DEFAULT: Thresholds = Thresholds {
        group: 5,
        comments: 10,
    };

    /// `group` answers for a figure, `comments` for a group's comments (at least `group`).
    pub fn new(group: u32, comments: u32) -> Option<Thresholds> {
        Self::parse(i64::from(group), i64::from(comments)).ok()
    }

    /// Thresholds as a person or a client gives them: `group` from the floor to 1000,
    /// `comments` from `group` to 1000; each refusal names its field and range.
    pub fn parse(group: i64, comments: i64) -> Result<Thresholds, crate::InvalidInput> {
        const MAX: i64 = 1000;
        let in_range = |v: i64, min: i64, field: crate::Field| {
            if (min..=MAX).contains(&v) {
                Ok(v as u32)
            } else {
                Err(crate::InvalidInput::OutOfRange {
                    field,
                    min,
                    max: MAX,
                    value: v.to_string(),
                })
            }
        };
        let group = in_range(group, i64::from(Self::FLOOR), crate::Field::MinGroup)?;
        let comments = in_range(comments, i64::from(group), crate::Field::MinComments)?;
        Ok(Thresholds { group, comments })
    }

    pub fn group(&self) -> u32 {
        self.group
    }

    pub fn comments(&self) -> u32 {
        self.comments
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A figure a report would show: its key and the answers it counts (indices into the
/// cycle's answers; order and repeats do not matter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<K> {
    pub key: K,
    pub members: Vec<u32>,
}

/// Why a figure is not shown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Suppressed<K> {
    /// It counts fewer answers than the threshold.
    TooFew { min: u32 },
    /// Shown beside `of` (shown, and counting more), it would leave fewer than `min` of
    /// `of`'s answers outside it: the rest could be worked out by subtraction.
    LeavesFew { of: K, min: u32 },
    /// It shares fewer than `min` answers with `with` (shown): subtracting one from the
    /// other would single those out.
    OverlapsFew { with: K, min: u32 },
}

/// What may be shown of one cycle's answers.
#[derive(Debug, Clone)]
pub struct Disclosure<K> {
    decided: HashMap<K, Result<(), Suppressed<K>>>,
    min: u32,
}

impl<K: Eq + Hash> Disclosure<K> {
    /// `None`: the figure was never offered (a caller's mistake: show nothing).
    pub fn decision(&self, key: &K) -> Option<&Result<(), Suppressed<K>>> {
        self.decided.get(key)
    }

    /// The threshold it was decided under.
    pub fn min(&self) -> u32 {
        self.min
    }

    /// Whether `key` may be shown (false when it was never offered).
    pub fn shown(&self, key: &K) -> bool {
        matches!(self.decided.get(key), Some(Ok(())))
    }
}

/// Decides, in the order given, which of the `candidates` may be shown for a cycle of
/// `answers` answers under the threshold `min`. The whole cycle (`everyone`) counts as
/// shown first: its size is known from participation anyway.
pub fn disclose<K: Clone + Eq + Hash>(
    everyone: K,
    answers: u32,
    min: u32,
    candidates: impl IntoIterator<Item = Candidate<K>>,
) -> Disclosure<K> {
    let min = min.max(Thresholds::FLOOR);
    let mut decided = HashMap::new();
    // block[answer], and per block its size and the shown figure that cut it off.
    let mut block = vec![0u32; answers as usize];
    let mut size: Vec<u32> = vec![answers];
    let mut origin: Vec<K> = vec![everyone.clone()];
    let whole = if answers >= min {
        Ok(())
    } else {
        Err(Suppressed::TooFew { min })
    };
    decided.insert(everyone, whole);
    for candidate in candidates {
        if decided.contains_key(&candidate.key) {
            continue;
        }
        let mut members = candidate.members;
        members.sort_unstable();
        members.dedup();
        members.retain(|m| *m < answers);
        let verdict = judge(&members, min, &block, &size, &origin);
        if verdict.is_ok() {
            split(&members, &mut block, &mut size, &mut origin, &candidate.key);
        }
        decided.insert(candidate.key, verdict);
    }
    Disclosure { decided, min }
}

/// The blocks `members` touches, in the order first met, with how many of it each holds.
fn touched(members: &[u32], block: &[u32]) -> Vec<(u32, u32)> {
    let mut order: Vec<(u32, u32)> = Vec::new();
    let mut at: HashMap<u32, usize> = HashMap::new();
    for m in members {
        let b = block[*m as usize];
        match at.get(&b) {
            Some(i) => order[*i].1 += 1,
            None => {
                at.insert(b, order.len());
                order.push((b, 1));
            }
        }
    }
    order
}

fn judge<K: Clone>(
    members: &[u32],
    min: u32,
    block: &[u32],
    size: &[u32],
    origin: &[K],
) -> Result<(), Suppressed<K>> {
    if (members.len() as u64) < u64::from(min) {
        return Err(Suppressed::TooFew { min });
    }
    for (b, inside) in touched(members, block) {
        let outside = size[b as usize] - inside;
        let by = origin[b as usize].clone();
        if inside < min {
            return Err(Suppressed::OverlapsFew { with: by, min });
        }
        if outside > 0 && outside < min {
            return Err(Suppressed::LeavesFew { of: by, min });
        }
    }
    Ok(())
}

fn split<K: Clone>(
    members: &[u32],
    block: &mut [u32],
    size: &mut Vec<u32>,
    origin: &mut Vec<K>,
    key: &K,
) {
    let mut renamed: HashMap<u32, u32> = HashMap::new();
    for (b, inside) in touched(members, block) {
        if inside < size[b as usize] {
            renamed.insert(b, size.len() as u32);
            size[b as usize] -= inside;
            size.push(inside);
            origin.push(key.clone());
        } else {
            // The newest figure holding a whole block is the closest one to name in a
            // reason (a hotel rather than the company it makes up alone).
            origin[b as usize] = key.clone();
        }
    }
    for m in members {
        if let Some(nb) = renamed.get(&block[*m as usize]) {
            block[*m as usize] = *nb;
        }
    }
}

#[cfg(test)]
mod tests;
