//! The responses' filters, read the same way by the API, the response browser and the CSV
//! export.

use crate::platform::input::{optional_id, page_limit};
use cumbre_domain::improve::reading::Sentiment;
use cumbre_domain::{Field, InvalidInput, UnitId};
use cumbre_store::listen::ResponseFilter;
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::IntoParams;

/// Filters shared by the API, the response browser and the CSV export. Empty values are
/// ignored, so an HTML form can send every field.
#[derive(Deserialize, Default, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResponsesQuery {
    /// A unit: its whole subtree.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    pub unit: String,
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    pub touchpoint: String,
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    pub survey: String,
    /// A date (`YYYY-MM-DD`, from its start, UTC) or an RFC 3339 instant.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub from: String,
    /// A date (up to its end, UTC) or an RFC 3339 instant (exclusive).
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub to: String,
    /// By the first NPS question.
    #[serde(default)]
    #[param(value_type = Option<cumbre_store::listen::Band>)]
    pub band: String,
    /// Words in the free-text answers (case and accents ignored; parts of words too), one
    /// of them at least 3 letters long.
    #[serde(default)]
    #[param(value_type = Option<String>, max_length = 200)]
    pub q: String,
    /// How the comments read; with `theme`, how they speak of that theme.
    #[serde(default)]
    #[param(value_type = Option<cumbre_domain::improve::reading::Sentiment>)]
    pub sentiment: String,
    /// Comments about this theme (`staff`, `waiting`, `cleanliness`, `checkin_checkout`, …).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(staff|waiting|cleanliness|room|food_drink|price_value|checkin_checkout|communication|noise|facilities|booking|location)?$")]
    pub theme: String,
    /// Comments that name this employee.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(-?[0-9]{1,18})?$")]
    pub employee: String,
    /// At most 1,000 (default 100).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^([1-9][0-9]{0,2}|1000)?$")]
    pub limit: String,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub cursor: String,
}

fn instant(
    raw: &str,
    field: Field,
    end_of_day: bool,
) -> Result<Option<OffsetDateTime>, InvalidInput> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    cumbre_domain::calendar::parse_day_or_instant(raw, field, end_of_day).map(Some)
}

/// A theme's key, by its shape (whether the tenant has it is the store's to say).
pub fn theme_key(raw: &str) -> Result<String, InvalidInput> {
    if cumbre_domain::improve::reading::is_theme_key(raw) {
        Ok(raw.to_owned())
    } else {
        Err(InvalidInput::UnknownReference {
            field: Field::Theme,
            value: raw.chars().take(40).collect(),
        })
    }
}

impl ResponsesQuery {
    pub fn filter(&self, default_limit: i64) -> Result<ResponseFilter, InvalidInput> {
        let from = instant(&self.from, Field::From, false)?;
        let to = instant(&self.to, Field::To, true)?;
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err(InvalidInput::RangeReversed {
                from: self.from.trim().to_owned(),
                to: self.to.trim().to_owned(),
            });
        }
        Ok(ResponseFilter {
            unit: optional_id(&self.unit, Field::Unit)?.map(UnitId),
            touchpoint: optional_id(&self.touchpoint, Field::Touchpoint)?,
            survey: optional_id(&self.survey, Field::Survey)?,
            from,
            to,
            band: match self.band.trim() {
                "" => None,
                b => Some(cumbre_store::listen::Band::parse(b)?),
            },
            text: cumbre_domain::text::Search::parse(&self.q)?,
            limit: page_limit(&self.limit, default_limit, 1000)?,
            cursor: Some(self.cursor.clone()).filter(|c| !c.is_empty()),
            with_text: false,
            person: None,
            sentiment: match self.sentiment.trim() {
                "" => None,
                s => Some(Sentiment::parse(s)?),
            },
            theme: match self.theme.trim() {
                "" => None,
                t => Some(theme_key(t)?),
            },
            mentioned: optional_id(&self.employee, Field::Person)?.map(cumbre_domain::PersonId),
        })
    }
}
