//! Pulse results through the anonymity rule, and the attacker against every figure and
//! comment list a report can give.

use super::*;
use crate::lead::attacker::isolable;
use proptest::prelude::*;

const COMPANY: UnitId = UnitId(1);
const HOTEL: UnitId = UnitId(2);
const TEAM_A: UnitId = UnitId(3);
const TEAM_B: UnitId = UnitId(4);
const TEAM_C: UnitId = UnitId(5);

fn hotel() -> Tree {
    Tree::new([
        (COMPANY, None),
        (HOTEL, Some(COMPANY)),
        (TEAM_A, Some(HOTEL)),
        (TEAM_B, Some(HOTEL)),
        (TEAM_C, Some(HOTEL)),
    ])
}

fn answer(unit: UnitId, enps: u8, comment: Option<&str>) -> Answered {
    Answered {
        unit,
        department: None,
        tenure: None,
        enps,
        scores: vec![4, 2],
        comment: comment.map(str::to_owned),
    }
}

#[test]
fn small_teams_show_no_figure_and_their_remainder_is_protected() {
    let mut answers = Vec::new();
    for s in [10, 9, 9, 7, 3, 0] {
        answers.push(answer(TEAM_A, s, None));
    }
    for s in [8; 6] {
        answers.push(answer(TEAM_B, s, None));
    }
    answers.push(answer(TEAM_C, 0, None));
    answers.push(answer(TEAM_C, 1, None));
    let report = decide(&hotel(), &answers, Thresholds::DEFAULT);
    let a = report.figures(&answers, 2, &View::unit(TEAM_A));
    let a = a.shown().expect("team A has six answers");
    assert_eq!(
        (a.answers, a.promoters, a.passives, a.detractors),
        (6, 3, 1, 2)
    );
    assert_eq!(a.enps.value.map(f64::round), Some(17.0));
    assert_eq!(a.statements[0].mean.value, Some(4.0));
    assert_eq!(a.statements[1].favourable.value, Some(0.0));
    // Team B has six too, but beside team A it would give team C's two away.
    let b = report.figures(&answers, 2, &View::unit(TEAM_B));
    assert_eq!(
        serde_json::to_value(&b).expect("json"),
        serde_json::json!({"suppressed": true, "reason": {
            "kind": "leaves_few", "min": 5,
            "of": {"unit": HOTEL.0, "department": null, "tenure": null}
        }})
    );
    let c = report.figures(&answers, 2, &View::unit(TEAM_C));
    assert_eq!(
        serde_json::to_value(&c).expect("json"),
        serde_json::json!({"suppressed": true, "reason": {"kind": "too_few", "min": 5}})
    );
    // The hotel counts everyone, team C included.
    let h = report.figures(&answers, 2, &View::unit(HOTEL));
    assert_eq!(h.shown().map(|f| f.answers), Some(14));
    // A group nobody in it answered, or a unit outside the audience: nothing, and why.
    let none = report.figures(&answers, 2, &View::unit(UnitId(99)));
    assert!(matches!(
        none,
        Figure::Suppressed {
            reason: Suppressed::TooFew { min: 5 },
            ..
        }
    ));
}

#[test]
fn comments_need_the_higher_threshold_and_come_in_an_order_that_says_nothing() {
    let texts = [
        "Más manos en verano",
        "Buen ambiente",
        "El turno de noche pesa",
        "Gracias",
    ];
    let mut answers: Vec<Answered> = (0..8)
        .map(|i| answer(TEAM_A, 8, texts.get(i % 4).copied()))
        .collect();
    let report = decide(&hotel(), &answers, Thresholds::DEFAULT);
    assert!(
        report
            .figures(&answers, 2, &View::unit(TEAM_A))
            .shown()
            .is_some()
    );
    assert!(matches!(
        report.comments(&answers, &View::unit(TEAM_A)),
        Figure::Suppressed {
            reason: Suppressed::TooFew { min: 10 },
            ..
        }
    ));
    for text in texts {
        answers.push(answer(TEAM_A, 8, Some(text)));
    }
    let report = decide(&hotel(), &answers, Thresholds::DEFAULT);
    let first = report.comments(&answers, &View::unit(TEAM_A));
    let first = first.shown().expect("twelve answers").clone();
    assert_eq!(first.len(), 12);
    // Written in the opposite order, they read the same: order tells nothing of who or when.
    answers.reverse();
    let report = decide(&hotel(), &answers, Thresholds::DEFAULT);
    assert_eq!(
        report.comments(&answers, &View::unit(TEAM_A)).shown(),
        Some(&first)
    );
}

/// Company 1; regions 2, 3; locations 4–7 (two per region); teams 8–15 (two per location).
fn big_tree() -> (Tree, Vec<(UnitId, Option<UnitId>)>) {
    let mut units = vec![(UnitId(1), None)];
    for r in 2..4 {
        units.push((UnitId(r), Some(UnitId(1))));
    }
    for l in 4..8 {
        units.push((UnitId(l), Some(UnitId(2 + (l - 4) / 2))));
    }
    for t in 8..16 {
        units.push((UnitId(t), Some(UnitId(4 + (t - 8) / 2))));
    }
    (Tree::new(units.clone()), units)
}

fn within(units: &[(UnitId, Option<UnitId>)], unit: UnitId, top: UnitId) -> bool {
    let mut at = Some(unit);
    while let Some(u) = at {
        if u == top {
            return true;
        }
        at = units.iter().find(|(x, _)| *x == u).and_then(|(_, p)| *p);
    }
    false
}

fn answers() -> impl Strategy<Value = Vec<Answered>> {
    prop::collection::vec(
        (
            4i64..16,
            prop::option::of(0i64..3),
            prop::option::of(0usize..4),
            0u8..=10,
            prop::option::of("[a-z]{1,6}"),
        )
            .prop_map(|(unit, dept, band, enps, comment)| Answered {
                unit: UnitId(unit),
                department: dept.map(DepartmentId),
                tenure: band.map(|b| TenureBand::ALL[b]),
                enps,
                scores: vec![enps.clamp(1, 5)],
                comment,
            }),
        0..34,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64)
    ))]

    /// Every view a request can name — each unit, alone or by department, tenure band or
    /// both — asked for figures and comments: whatever is shown counts exactly its group,
    /// and nothing shown together isolates fewer answers than the thresholds.
    #[test]
    fn no_report_lets_anyone_work_out_a_small_group(
        answers in answers(),
        group in 3u32..=5,
        extra in 0u32..=2,
    ) {
        let thresholds = Thresholds::new(group, (group + extra).min(5)).expect("valid");
        let (tree, units) = big_tree();
        let report = decide(&tree, &answers, thresholds);
        let n = answers.len();
        let mut figures = vec![(0..n as u32).collect::<Vec<u32>>()];
        let mut comments = figures.clone();
        for (unit, _) in &units {
            for department in [None, Some(0), Some(1), Some(2), Some(7)] {
                for tenure in std::iter::once(None).chain(TenureBand::ALL.map(Some)) {
                    let view = View { unit: *unit, department: department.map(DepartmentId), tenure };
                    let group: Vec<u32> = answers
                        .iter()
                        .enumerate()
                        .filter(|(_, a)| {
                            within(&units, a.unit, *unit)
                                && view.department.is_none_or(|d| a.department == Some(d))
                                && view.tenure.is_none_or(|t| a.tenure == Some(t))
                        })
                        .map(|(i, _)| i as u32)
                        .collect();
                    if let Figure::Shown(f) = report.figures(&answers, 1, &view) {
                        prop_assert_eq!(f.answers as usize, group.len());
                        prop_assert!(f.answers >= i64::from(thresholds.group()));
                        figures.push(group.clone());
                    }
                    if let Figure::Shown(texts) = report.comments(&answers, &view) {
                        prop_assert!(group.len() as u32 >= thresholds.comments());
                        let written = group.iter().filter(|i| answers[**i as usize].comment.is_some()).count();
                        prop_assert_eq!(texts.len(), written);
                        comments.push(group);
                    }
                }
            }
        }
        if n as u32 >= thresholds.group() {
            prop_assert_eq!(isolable(&figures, n, thresholds.group()), None);
        }
        if n as u32 >= thresholds.comments() {
            prop_assert_eq!(isolable(&comments, n, thresholds.comments()), None);
        }
    }
}
