//! The rule against the attacker of `lead::attacker`: can it isolate any group of fewer
//! answers than the threshold?

use super::*;
use crate::lead::attacker::isolable;
use proptest::prelude::*;

/// The rows an attacker knows: the whole cycle and every figure shown.
fn known(n: u32, shown: &[Candidate<String>], disclosure: &Disclosure<String>) -> Vec<Vec<u32>> {
    let mut rows = vec![(0..n).collect::<Vec<u32>>()];
    rows.extend(
        shown
            .iter()
            .filter(|c| disclosure.shown(&c.key))
            .map(|c| c.members.clone()),
    );
    rows
}

fn cand(key: &str, members: &[u32]) -> Candidate<String> {
    Candidate {
        key: key.to_owned(),
        members: members.to_vec(),
    }
}

fn run(n: u32, min: u32, candidates: &[Candidate<String>]) -> Disclosure<String> {
    disclose("all".to_owned(), n, min, candidates.to_vec())
}

#[test]
fn the_attacker_finds_what_naive_thresholds_leak() {
    // A parent of 11 and two children of 5 shown, each above the threshold: the third
    // child, one person, is the parent minus the two.
    let figures = [cand("A", &[0, 1, 2, 3, 4]), cand("B", &[5, 6, 7, 8, 9])];
    let rows: Vec<Vec<u32>> = std::iter::once((0..11).collect())
        .chain(figures.iter().map(|c| c.members.clone()))
        .collect();
    assert_eq!(isolable(&rows, 11, 5), Some(vec![10]));
    // Pairwise checks miss three-way combinations: every two of these differ by at least
    // five answers, yet X + Y − Z isolates two (answers 0 and 1).
    let x: Vec<u32> = [0].into_iter().chain(10..15).collect();
    let y: Vec<u32> = [1].into_iter().chain(15..20).collect();
    let z: Vec<u32> = (10..20).collect();
    let rows = vec![(0..30).collect(), x, y, z];
    assert_eq!(isolable(&rows, 30, 5), Some(vec![0, 1]));
}

#[test]
fn a_small_group_shows_nothing() {
    let d = run(20, 5, &[cand("kitchen", &[0, 1, 2, 3])]);
    assert_eq!(
        d.decision(&"kitchen".into()),
        Some(&Err(Suppressed::TooFew { min: 5 }))
    );
    assert!(d.shown(&"all".into()));
    assert!(!d.shown(&"never offered".into()));
    // A whole cycle below the threshold shows nothing either.
    let d = run(4, 5, &[]);
    assert!(!d.shown(&"all".into()));
}

#[test]
fn a_group_whose_remainder_is_small_is_hidden_too() {
    // Reception has 8 of the hotel's 10 answers: shown, it would give away the other two.
    let hotel: Vec<u32> = (0..10).collect();
    let d = run(
        30,
        5,
        &[
            cand("hotel", &hotel),
            cand("reception", &[0, 1, 2, 3, 4, 5, 6, 7]),
        ],
    );
    assert!(d.shown(&"hotel".into()));
    assert_eq!(
        d.decision(&"reception".into()),
        Some(&Err(Suppressed::LeavesFew {
            of: "hotel".into(),
            min: 5
        }))
    );
}

#[test]
fn overlapping_segments_and_filters_cannot_both_be_shown_when_they_differ_by_few() {
    // Night shift and housekeeping share three answers: showing both would isolate them.
    let night = cand("night", &[0, 1, 2, 10, 11, 12, 13, 14]);
    let housekeeping = cand("housekeeping", &[0, 1, 2, 20, 21, 22, 23, 24]);
    let d = run(40, 5, &[night, housekeeping]);
    assert!(d.shown(&"night".into()));
    assert_eq!(
        d.decision(&"housekeeping".into()),
        Some(&Err(Suppressed::OverlapsFew {
            with: "night".into(),
            min: 5
        }))
    );
    // Before and after a filter that drops two answers: the second is held back.
    let before = cand("unit", &(0..12).collect::<Vec<_>>());
    let after = cand("unit, tenure 1+", &(0..10).collect::<Vec<_>>());
    let d = run(40, 5, &[before, after]);
    assert!(d.shown(&"unit".into()) && !d.shown(&"unit, tenure 1+".into()));
}

#[test]
fn hidden_answers_still_count_where_they_cannot_be_told_apart() {
    // Three teams of 6, 6 and 2 in a hotel: the hotel and two teams may be shown only if
    // the hidden rest is large enough — here it is not, so the second team stays hidden
    // and the third team's two answers count in the hotel's figure alone.
    let d = run(
        14,
        5,
        &[
            cand("team a", &[0, 1, 2, 3, 4, 5]),
            cand("team b", &[6, 7, 8, 9, 10, 11]),
            cand("team c", &[12, 13]),
        ],
    );
    assert!(d.shown(&"all".into()) && d.shown(&"team a".into()));
    assert!(!d.shown(&"team b".into()) && !d.shown(&"team c".into()));
}

#[test]
fn thresholds_never_go_below_the_floor() {
    assert_eq!(Thresholds::new(2, 10), None);
    assert_eq!(
        Thresholds::new(5, 4),
        None,
        "comments need at least as many"
    );
    assert_eq!(Thresholds::new(3, 3).map(|t| t.group()), Some(3));
    assert_eq!(Thresholds::default().comments(), 10);
    // A caller passing a lower threshold still gets the floor.
    let d = run(10, 1, &[cand("pair", &[0, 1])]);
    assert!(!d.shown(&"pair".into()));
}

/// An organisation's answers: each with a leaf unit, a department and a tenure band.
#[derive(Debug, Clone)]
struct Answer {
    leaf: u8,
    department: u8,
    tenure: u8,
}

/// Leaves 0..6 in regions of two (0-1, 2-3, 4-5) under one company.
fn region(leaf: u8) -> u8 {
    leaf / 2
}

/// Every figure the reports offer for a cycle: each unit (company, region, leaf) alone, by
/// department, by tenure band and by both, plus the caller's extra groups.
fn offered(answers: &[Answer], extra: &[Vec<u32>]) -> Vec<Candidate<String>> {
    let mut out = Vec::new();
    type Within = Box<dyn Fn(&Answer) -> bool>;
    let units: Vec<(String, Within)> =
        std::iter::once(("company".to_owned(), Box::new(|_: &Answer| true) as Within))
            .chain((0..3u8).map(|r| {
                (
                    format!("region {r}"),
                    Box::new(move |a: &Answer| region(a.leaf) == r) as Within,
                )
            }))
            .chain((0..6u8).map(|l| {
                (
                    format!("leaf {l}"),
                    Box::new(move |a: &Answer| a.leaf == l) as Within,
                )
            }))
            .collect();
    for (name, within) in &units {
        let pick = |f: &dyn Fn(&Answer) -> bool| -> Vec<u32> {
            answers
                .iter()
                .enumerate()
                .filter(|(_, a)| within(a) && f(a))
                .map(|(i, _)| i as u32)
                .collect()
        };
        out.push(Candidate {
            key: name.clone(),
            members: pick(&|_| true),
        });
        for d in 0..3u8 {
            out.push(Candidate {
                key: format!("{name} dept {d}"),
                members: pick(&|a| a.department == d),
            });
            for t in 0..3u8 {
                out.push(Candidate {
                    key: format!("{name} dept {d} tenure {t}"),
                    members: pick(&|a| a.department == d && a.tenure == t),
                });
            }
        }
        for t in 0..3u8 {
            out.push(Candidate {
                key: format!("{name} tenure {t}"),
                members: pick(&|a| a.tenure == t),
            });
        }
    }
    for (i, members) in extra.iter().enumerate() {
        out.push(Candidate {
            key: format!("extra {i}"),
            members: members.clone(),
        });
    }
    out
}

fn organisation() -> impl Strategy<Value = Vec<Answer>> {
    prop::collection::vec(
        (0u8..6, 0u8..3, 0u8..3).prop_map(|(leaf, department, tenure)| Answer {
            leaf,
            department,
            tenure,
        }),
        0..34,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(96)
    ))]

    /// Whatever the organisation, its answers, the order figures are offered in and the
    /// extra groups asked for, nothing shown lets any group of fewer answers than the
    /// threshold be worked out.
    #[test]
    fn no_group_below_the_threshold_can_be_worked_out(
        answers in organisation(),
        min in 3u32..=5,
        extra in prop::collection::vec(prop::collection::vec(0u32..34, 0..20), 0..6),
        order in prop::collection::vec(any::<u32>(), 200),
    ) {
        let n = answers.len() as u32;
        let mut figures = offered(&answers, &extra);
        // Any order of importance: the rule must hold for each.
        let mut keyed: Vec<(u32, Candidate<String>)> = figures
            .drain(..)
            .enumerate()
            .map(|(i, c)| (order[i % order.len()] ^ i as u32, c))
            .collect();
        keyed.sort_by_key(|(k, _)| *k);
        let figures: Vec<Candidate<String>> = keyed.into_iter().map(|(_, c)| c).collect();
        let disclosure = disclose("all".to_owned(), n, min, figures.clone());
        for c in &figures {
            if disclosure.shown(&c.key) {
                let mut m = c.members.clone();
                m.retain(|i| *i < n);
                m.sort_unstable();
                m.dedup();
                prop_assert!(m.len() as u32 >= min, "{} shown with {} answers", c.key, m.len());
            }
        }
        let rows = known(n, &figures, &disclosure);
        if n >= min {
            let rows: Vec<Vec<u32>> = rows
                .into_iter()
                .map(|mut r| { r.retain(|i| *i < n); r })
                .collect();
            prop_assert_eq!(isolable(&rows, n as usize, min), None);
        } else {
            prop_assert!(figures.iter().all(|c| !disclosure.shown(&c.key)));
        }
    }
}
