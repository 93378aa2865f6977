//! Survey templates shipped with the product: a manager starts from one and adapts it.

use super::SurveyDefinition;

pub struct Template {
    pub key: &'static str,
    pub json: &'static str,
}

pub const TEMPLATES: [Template; 3] = [
    Template {
        key: "post-stay-nps",
        json: include_str!("templates/post_stay_nps.json"),
    },
    Template {
        key: "touchpoint-csat",
        json: include_str!("templates/touchpoint_csat.json"),
    },
    Template {
        key: "reservation-ces",
        json: include_str!("templates/reservation_ces.json"),
    },
];

pub fn template(key: &str) -> Option<SurveyDefinition> {
    TEMPLATES
        .iter()
        .find(|t| t.key == key)
        .and_then(|t| SurveyDefinition::from_json(t.json).ok())
}
