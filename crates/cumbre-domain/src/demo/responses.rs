//! Eighteen months of demo responses with the structure a real company shows: seasons,
//! better and worse hotels, a few employees praised by name again and again, and one hotel
//! whose check-in got worse in the last two months. Deterministic for a seed.

use super::comments::{Theme, negative, positive};
use crate::Lang;
use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

/// One hotel as the generator sees it.
#[derive(Debug, Clone)]
pub struct Place {
    pub unit_id: i64,
    pub code: String,
    /// (person id, first name) of front-desk staff customers may name.
    pub front_desk: Vec<(i64, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Post-stay NPS (survey template `post-stay-nps`).
    Nps,
    /// Touchpoint CSAT (`touchpoint-csat`).
    Csat,
    /// Reservation-line CES (`reservation-ces`).
    Ces,
}

#[derive(Debug, Clone)]
pub struct Generated {
    pub kind: Kind,
    pub unit_id: i64,
    /// Index in the demo journey (0 reservation call … 6 after the stay).
    pub touchpoint: usize,
    pub person_id: Option<i64>,
    pub submitted_at: OffsetDateTime,
    pub language: Lang,
    pub answers: Map<String, Value>,
}

/// The standard the check-in survey's `wait` question asks about.
pub const CHECKIN_WAIT: &str = "checkin-wait";

/// The check-in survey: the touchpoint CSAT template and a question on the wait, linked
/// to the [`CHECKIN_WAIT`] standard (its top box counts as met).
pub fn checkin_definition() -> crate::listen::SurveyDefinition {
    let mut def = crate::listen::templates::template("touchpoint-csat")
        .unwrap_or_else(|| unreachable!("a shipped template"));
    def.questions.insert(
        1,
        crate::listen::Question {
            key: "wait".into(),
            kind: crate::listen::QuestionKind::Csat,
            prompt: crate::listen::Texts::new(
                "¿Qué tan satisfecho quedó con el tiempo de espera para registrarse?",
                "How satisfied were you with the wait to check in?",
            ),
            required: false,
            show_if: None,
            standard: Some(CHECKIN_WAIT.into()),
        },
    );
    def
}

/// The hotel whose check-in worsens in the last two months.
pub const WORSENING: &str = "PDC";
pub const DAYS: i64 = 548;
const BASE_PER_DAY: f64 = 19.0;
/// Mean NPS-like quality (0–10) per hotel, in `Place` order; some clearly better than others.
const QUALITY: [f64; 16] = [
    8.9, 8.4, 9.3, 7.7, 8.7, 6.9, 8.5, 9.0, 7.2, 8.8, 8.1, 9.1, 7.9, 8.4, 8.6, 7.4,
];
/// Volume per hotel relative to the average.
const SIZE: [f64; 16] = [
    1.4, 1.2, 1.0, 0.7, 0.8, 1.3, 1.1, 0.9, 0.8, 0.7, 0.9, 1.0, 1.2, 1.0, 0.8, 1.2,
];
/// Month-of-year demand (January first): winter and summer holidays are high season.
const SEASON: [f64; 12] = [
    1.3, 1.25, 1.35, 1.2, 0.9, 0.95, 1.25, 1.3, 0.7, 0.75, 0.95, 1.4,
];
/// Share of praise that names a front-desk person at the hotels that have stars.
const NAMED_PRAISE: [usize; 3] = [0, 2, 7];

fn normal(rng: &mut fastrand::Rng, mean: f64, sd: f64) -> f64 {
    // Box–Muller.
    let u1 = rng.f64().max(f64::MIN_POSITIVE);
    let u2 = rng.f64();
    mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn clamp_round(x: f64, lo: i64, hi: i64) -> i64 {
    (x.round() as i64).clamp(lo, hi)
}

/// Calls `emit` for every response from `end - DAYS` to `end`, oldest day first.
/// `scale` multiplies the volume (1.0 ≈ 160,000 responses for the 16 demo hotels).
pub fn generate(
    seed: u64,
    places: &[Place],
    end: OffsetDateTime,
    scale: f64,
    mut emit: impl FnMut(Generated),
) {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed_0f11_57e4);
    let start_day = end.date() - Duration::days(DAYS);
    for day in 0..DAYS {
        let date = start_day + Duration::days(day);
        let season = SEASON[usize::from(u8::from(date.month())) - 1];
        let weekend = matches!(
            date.weekday(),
            time::Weekday::Saturday | time::Weekday::Sunday
        );
        let days_left = DAYS - day;
        for (i, place) in places.iter().enumerate() {
            let expected = BASE_PER_DAY
                * scale
                * season
                * SIZE[i % SIZE.len()]
                * if weekend { 1.15 } else { 1.0 };
            let count = (expected + normal(&mut rng, 0.0, expected.sqrt().max(0.3)))
                .round()
                .max(0.0) as usize;
            for _ in 0..count {
                let at =
                    date.midnight().assume_utc() + Duration::minutes(rng.i64(13 * 60..28 * 60));
                if at >= end {
                    continue;
                }
                emit(one(
                    &mut rng,
                    place,
                    QUALITY[i % QUALITY.len()] + (season - 1.0) * 0.8,
                    i,
                    at,
                    days_left,
                ));
            }
        }
    }
}

fn one(
    rng: &mut fastrand::Rng,
    place: &Place,
    quality: f64,
    index: usize,
    at: OffsetDateTime,
    days_left: i64,
) -> Generated {
    let language = if rng.u8(..100) < 32 {
        Lang::En
    } else {
        Lang::Es
    };
    let roll = rng.u8(..100);
    let kind = if roll < 55 {
        Kind::Nps
    } else if roll < 90 {
        Kind::Csat
    } else {
        Kind::Ces
    };
    let worsening = place.code == WORSENING && days_left <= 60;
    let mut answers = Map::new();
    let mut person_id = None;
    let touchpoint = match kind {
        Kind::Nps => {
            let penalty = if worsening { 1.4 } else { 0.0 };
            let nps = clamp_round(normal(rng, quality - penalty, 1.9), 0, 10);
            answers.insert("nps".into(), json!(nps));
            if nps >= 9 && rng.u8(..100) < 60 {
                let named = NAMED_PRAISE.contains(&index)
                    && !place.front_desk.is_empty()
                    && rng.u8(..100) < 30;
                let who =
                    named.then(|| &place.front_desk[rng.usize(..place.front_desk.len().min(2))]);
                person_id = who.map(|(id, _)| *id);
                answers.insert(
                    "best".into(),
                    json!(positive(rng, language, who.map(|(_, n)| n.as_str()))),
                );
            } else if nps <= 8 && rng.u8(..100) < 55 {
                let forced = (worsening && rng.u8(..100) < 70).then_some(Theme::CheckinWait);
                answers.insert("fix".into(), json!(negative(rng, language, forced)));
            }
            let purpose = ["leisure", "family", "business", "event"][rng.usize(..4)];
            answers.insert("purpose".into(), json!(purpose));
            if nps <= 6 && rng.u8(..100) < 25 {
                let n = rng.u32(1000..99999);
                answers.insert(
                    "contact".into(),
                    json!({"consent": true, "email": format!("huesped{n}@example.com")}),
                );
            }
            6
        }
        Kind::Csat => {
            let touchpoint = [1, 2, 3, 4, 5][rng.usize(..5)];
            let penalty = if worsening && touchpoint == 1 {
                1.6
            } else {
                0.0
            };
            let csat = clamp_round(
                normal(rng, (quality - 5.0) * 0.9 + 1.0 - penalty, 0.8),
                1,
                5,
            );
            answers.insert("csat".into(), json!(csat));
            // At check-in most guests also rate the wait, which is what went wrong.
            if touchpoint == 1 && rng.u8(..100) < 80 {
                let slow = if worsening { 2.2 } else { 0.0 };
                let wait = clamp_round(normal(rng, (quality - 5.0) * 0.9 + 0.9 - slow, 0.9), 1, 5);
                answers.insert("wait".into(), json!(wait));
            }
            if csat >= 4 {
                let aspects: Vec<&str> = ["speed", "friendliness", "cleanliness", "knowledge"]
                    .into_iter()
                    .filter(|_| rng.u8(..100) < 35)
                    .collect();
                if !aspects.is_empty() {
                    answers.insert("aspects".into(), json!(aspects));
                }
            }
            if rng.u8(..100) < 30 {
                let text = if csat >= 4 {
                    positive(rng, language, None)
                } else {
                    negative(
                        rng,
                        language,
                        (touchpoint == 1).then_some(Theme::CheckinWait),
                    )
                };
                answers.insert(
                    "comment".into(),
                    json!(text.chars().take(200).collect::<String>()),
                );
            }
            touchpoint
        }
        Kind::Ces => {
            let ces = clamp_round(normal(rng, 11.0 - quality, 1.2), 1, 7);
            answers.insert("ces".into(), json!(ces));
            answers.insert(
                "stars".into(),
                json!(clamp_round(normal(rng, quality / 2.0, 0.7), 1, 5)),
            );
            if ces >= 5 && rng.bool() {
                let text = if language == Lang::Es {
                    "Me transfirieron tres veces antes de poder reservar."
                } else {
                    "I was transferred three times before I could book."
                };
                answers.insert("what_hard".into(), json!(text));
            }
            0
        }
    };
    Generated {
        kind,
        unit_id: place.unit_id,
        touchpoint,
        person_id,
        submitted_at: at,
        language,
        answers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listen::answers::check;
    use crate::listen::templates::template;
    use time::macros::datetime;

    fn places() -> Vec<Place> {
        ["CUN", "TUL", WORSENING, "MZT"]
            .iter()
            .enumerate()
            .map(|(i, code)| Place {
                unit_id: i as i64 + 1,
                code: (*code).into(),
                front_desk: vec![(100 + i as i64, "Carmen".into()), (200, "Luis".into())],
            })
            .collect()
    }

    #[test]
    fn responses_are_valid_structured_and_deterministic() {
        let end = datetime!(2026-11-25 10:00 UTC);
        let defs = [
            template("post-stay-nps"),
            template("touchpoint-csat"),
            template("reservation-ces"),
        ]
        .map(|d| d.expect("template"));
        let mut all = Vec::new();
        generate(7, &places(), end, 0.2, |g| all.push(g));
        assert!(all.len() > 4000, "{}", all.len());
        let checkin = checkin_definition();
        assert!(checkin.check().is_ok());
        for g in &all {
            let def = match g.kind {
                Kind::Nps => &defs[0],
                Kind::Csat if g.touchpoint == 1 => &checkin,
                Kind::Csat => &defs[1],
                Kind::Ces => &defs[2],
            };
            check(def, &g.answers).unwrap_or_else(|e| panic!("{:?}: {e:?}", g.answers));
            assert!(g.submitted_at < end && g.submitted_at >= end - Duration::days(DAYS + 1));
        }
        let mut again = Vec::new();
        generate(7, &places(), end, 0.2, |g| again.push(g.answers));
        assert_eq!(
            again,
            all.iter().map(|g| g.answers.clone()).collect::<Vec<_>>()
        );
        assert!(
            all.iter().any(|g| g.language == Lang::En)
                && all.iter().any(|g| g.language == Lang::Es)
        );
        assert!(
            all.iter().any(|g| g.person_id.is_some()),
            "someone is praised by name"
        );

        // The worsening hotel's check-in CSAT drops in the last two months.
        let checkin = |recent: bool| {
            let scores: Vec<i64> = all
                .iter()
                .filter(|g| g.unit_id == 3 && g.kind == Kind::Csat && g.touchpoint == 1)
                .filter(|g| (g.submitted_at >= end - Duration::days(60)) == recent)
                .filter_map(|g| g.answers["csat"].as_i64())
                .collect();
            scores.iter().sum::<i64>() as f64 / scores.len().max(1) as f64
        };
        assert!(
            checkin(true) + 0.8 < checkin(false),
            "recent {} vs before {}",
            checkin(true),
            checkin(false)
        );
        // High season brings more answers than low season.
        let month = |y: i32, m: u8| {
            all.iter()
                .filter(|g| g.submitted_at.year() == y && u8::from(g.submitted_at.month()) == m)
                .count()
        };
        assert!(
            month(2025, 12) as f64 > month(2025, 9) as f64 * 1.5,
            "{} vs {}",
            month(2025, 12),
            month(2025, 9)
        );
    }
}
