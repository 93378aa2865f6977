//! A pulse cycle's results for any unit and filter, through the anonymity rule: every
//! figure (eNPS, its distribution, each statement) and every group's comments is either
//! shown in full or replaced by why it is not.
//!
//! What may be shown is decided once per cycle, for the whole audience and in one fixed
//! order of importance — each unit, top-down; then each unit by department, by tenure band,
//! by both — whoever asks; a request only looks the decision up.

use super::anonymity::{Candidate, Disclosure, Suppressed, Thresholds, disclose};
use super::segment::TenureBand;
use crate::improve::stats::{Estimate, mean, nps, share};
use crate::{DepartmentId, UnitId};
use serde::Serialize;
use std::collections::HashMap;

/// One answer as it is reported: where its author stood when answering, and what they
/// said. Nothing here says who.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub unit: UnitId,
    pub department: Option<DepartmentId>,
    pub tenure: Option<TenureBand>,
    pub enps: u8,
    pub scores: Vec<u8>,
    pub comment: Option<String>,
}

/// The audience's units: each with its parent, listed parents first.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    order: Vec<UnitId>,
    parent: HashMap<UnitId, UnitId>,
}

impl Tree {
    /// `units` as (unit, parent), parents before their children; the first is the root
    /// (the pulse's audience) and units outside it are dropped.
    pub fn new(units: impl IntoIterator<Item = (UnitId, Option<UnitId>)>) -> Tree {
        let mut tree = Tree::default();
        for (unit, parent) in units {
            match (tree.order.is_empty(), parent) {
                (true, _) => tree.order.push(unit),
                (false, Some(p)) if tree.contains(p) => {
                    tree.order.push(unit);
                    tree.parent.insert(unit, p);
                }
                _ => {}
            }
        }
        tree
    }

    pub fn root(&self) -> Option<UnitId> {
        self.order.first().copied()
    }

    pub fn contains(&self, unit: UnitId) -> bool {
        self.order.first() == Some(&unit) || self.parent.contains_key(&unit)
    }

    /// `unit` and every unit above it, up to the root; a unit no longer in the audience
    /// (moved since) counts at the root alone.
    fn chain(&self, unit: UnitId) -> Vec<UnitId> {
        let mut out = Vec::new();
        let start = if self.contains(unit) {
            Some(unit)
        } else {
            self.root()
        };
        let mut at = start;
        while let Some(u) = at {
            out.push(u);
            at = self.parent.get(&u).copied();
        }
        out
    }
}

/// A group a figure is about: a unit's subtree, optionally one department and/or one
/// tenure band of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct View {
    pub unit: UnitId,
    pub department: Option<DepartmentId>,
    pub tenure: Option<TenureBand>,
}

impl View {
    pub fn unit(unit: UnitId) -> View {
        View {
            unit,
            department: None,
            tenure: None,
        }
    }
}

/// A figure, or why it is held back. In JSON: the figure itself, or
/// `{"suppressed": true, "reason": …}` — never a number.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Figure<T> {
    Shown(T),
    Suppressed {
        suppressed: bool,
        reason: Suppressed<View>,
    },
}

impl<T> Figure<T> {
    fn hidden(reason: Suppressed<View>) -> Self {
        Figure::Suppressed {
            suppressed: true,
            reason,
        }
    }

    pub fn shown(&self) -> Option<&T> {
        match self {
            Figure::Shown(t) => Some(t),
            Figure::Suppressed { .. } => None,
        }
    }
}

/// What a group said, when it may be shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub answers: i64,
    pub enps: Estimate,
    pub promoters: i64,
    pub passives: i64,
    pub detractors: i64,
    /// Per statement, in the template's order: the mean (1–5) and the share who agree (4–5).
    pub statements: Vec<StatementFigures>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementFigures {
    pub mean: Estimate,
    pub favourable: Estimate,
}

/// What may be shown of one cycle.
#[derive(Debug, Clone)]
pub struct CycleReport {
    members: HashMap<View, Vec<u32>>,
    figures: Disclosure<View>,
    comments: Disclosure<View>,
    root: Option<UnitId>,
}

/// Decides what may be shown of a cycle's `answers` for the audience `tree`.
pub fn decide(tree: &Tree, answers: &[Answered], thresholds: Thresholds) -> CycleReport {
    let mut members: HashMap<View, Vec<u32>> = HashMap::new();
    for (i, a) in answers.iter().enumerate() {
        for unit in tree.chain(a.unit) {
            let mut views = vec![View::unit(unit)];
            if let Some(d) = a.department {
                views.push(View {
                    department: Some(d),
                    ..View::unit(unit)
                });
            }
            if let Some(t) = a.tenure {
                views.push(View {
                    tenure: Some(t),
                    ..View::unit(unit)
                });
            }
            if let (Some(d), Some(t)) = (a.department, a.tenure) {
                views.push(View {
                    unit,
                    department: Some(d),
                    tenure: Some(t),
                });
            }
            for v in views {
                members.entry(v).or_default().push(i as u32);
            }
        }
    }
    let offered = offered(tree, &members);
    let everyone = tree.root().map(View::unit).unwrap_or(View::unit(UnitId(0)));
    let n = answers.len() as u32;
    let candidates = |order: &[View]| -> Vec<Candidate<View>> {
        order
            .iter()
            .map(|v| Candidate {
                key: *v,
                members: members.get(v).cloned().unwrap_or_default(),
            })
            .collect()
    };
    let figures = disclose(everyone, n, thresholds.group(), candidates(&offered));
    let comments = disclose(everyone, n, thresholds.comments(), candidates(&offered));
    CycleReport {
        members,
        figures,
        comments,
        root: tree.root(),
    }
}

/// Every view with answers, in the order of importance.
fn offered(tree: &Tree, members: &HashMap<View, Vec<u32>>) -> Vec<View> {
    let mut by_unit: HashMap<UnitId, Vec<View>> = HashMap::new();
    for v in members.keys() {
        by_unit.entry(v.unit).or_default().push(*v);
    }
    for views in by_unit.values_mut() {
        views.sort_by_key(|v| (v.department, v.tenure));
    }
    let rank = |v: &View| match (v.department, v.tenure) {
        (None, None) => 0,
        (Some(_), None) => 1,
        (None, Some(_)) => 2,
        (Some(_), Some(_)) => 3,
    };
    let mut out = Vec::new();
    for level in 0..4 {
        for unit in &tree.order {
            out.extend(
                by_unit
                    .get(unit)
                    .into_iter()
                    .flatten()
                    .filter(|v| rank(v) == level),
            );
        }
    }
    out
}

impl CycleReport {
    fn reason(&self, disclosure: &Disclosure<View>, view: &View) -> Option<Suppressed<View>> {
        match disclosure.decision(view) {
            Some(Ok(())) => None,
            Some(Err(r)) => Some(r.clone()),
            // No answer in this group (or outside the audience): nothing to show.
            None => Some(Suppressed::TooFew { min: 0 }),
        }
    }

    /// The figures of `view`, or why not.
    pub fn figures(&self, answers: &[Answered], statements: usize, view: &View) -> Figure<Figures> {
        if let Some(reason) = self.reason(&self.figures, view) {
            return Figure::hidden(fill(reason, &self.figures));
        }
        let picked: Vec<&Answered> = self.picked(answers, view);
        let count = |f: &dyn Fn(u8) -> bool| picked.iter().filter(|a| f(a.enps)).count() as i64;
        let (promoters, detractors) = (count(&|s| s >= 9), count(&|s| s <= 6));
        let passives = picked.len() as i64 - promoters - detractors;
        let n = picked.len() as i64;
        let statements = (0..statements)
            .map(|s| {
                let scores: Vec<i64> = picked
                    .iter()
                    .filter_map(|a| a.scores.get(s).map(|v| i64::from(*v)))
                    .collect();
                let m = scores.len() as i64;
                StatementFigures {
                    mean: mean(
                        m,
                        scores.iter().sum(),
                        scores.iter().map(|v| v * v).sum(),
                        (1.0, 5.0),
                        1,
                    ),
                    favourable: share(scores.iter().filter(|v| **v >= 4).count() as i64, m, 1),
                }
            })
            .collect();
        Figure::Shown(Figures {
            answers: n,
            enps: nps(promoters, passives, detractors, 1),
            promoters,
            passives,
            detractors,
            statements,
        })
    }

    /// The comments of `view` in an order that says nothing of when or by whom (sorted by
    /// a hash of their text), or why not.
    pub fn comments(&self, answers: &[Answered], view: &View) -> Figure<Vec<String>> {
        if let Some(reason) = self.reason(&self.comments, view) {
            return Figure::hidden(fill(reason, &self.comments));
        }
        let mut texts: Vec<String> = self
            .picked(answers, view)
            .into_iter()
            .filter_map(|a| a.comment.clone())
            .collect();
        texts.sort_by_key(|t| fnv(t));
        Figure::Shown(texts)
    }

    fn picked<'a>(&self, answers: &'a [Answered], view: &View) -> Vec<&'a Answered> {
        self.members
            .get(view)
            .into_iter()
            .flatten()
            .filter_map(|i| answers.get(*i as usize))
            .collect()
    }

    /// The audience's unit, the figure every other is cut from.
    pub fn root(&self) -> Option<UnitId> {
        self.root
    }
}

/// A group with no answers at all says so with the threshold it would need.
fn fill(reason: Suppressed<View>, disclosure: &Disclosure<View>) -> Suppressed<View> {
    match reason {
        Suppressed::TooFew { min: 0 } => Suppressed::TooFew {
            min: disclosure.min(),
        },
        other => other,
    }
}

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests;
