//! An assignment's form as people read it: its items grouped by moment of truth, in the
//! scenario's order (the API answers it, the phone form shows it).

use cumbre_domain::Lang;
use cumbre_store::decide::FormItem;
use cumbre_store::listen::Touchpoint;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct FormSection {
    pub touchpoint_id: i64,
    /// In the reader's language.
    pub touchpoint: String,
    pub items: Vec<FormItem>,
}

/// The form grouped by moment of truth, in form order.
pub fn sections(form: &[FormItem], touchpoints: &[Touchpoint], lang: Lang) -> Vec<FormSection> {
    let mut out: Vec<FormSection> = Vec::new();
    for item in form {
        match out.last_mut() {
            Some(s) if s.touchpoint_id == item.touchpoint_id => s.items.push(item.clone()),
            _ => out.push(FormSection {
                touchpoint_id: item.touchpoint_id,
                touchpoint: touchpoint_name(touchpoints, item.touchpoint_id, lang),
                items: vec![item.clone()],
            }),
        }
    }
    out
}

/// A moment of truth's name in `lang`.
pub fn touchpoint_name(touchpoints: &[Touchpoint], id: i64, lang: Lang) -> String {
    touchpoints
        .iter()
        .find(|t| t.id == id)
        .map_or(String::new(), |t| t.name.get(lang).to_owned())
}
