//! Reading a CSV upload form (multipart): the file as UTF-8 text, the dry-run box, any other
//! text fields, with the CSRF token checked.

use crate::AppError;
use crate::auth::Ctx;
use crate::auth::csrf::tokens_match;
use axum::extract::Multipart;
use cumbre_domain::InvalidInput;
use std::collections::HashMap;

pub struct Upload {
    pub text: String,
    pub dry_run: bool,
    fields: HashMap<String, String>,
}

impl Upload {
    /// A text field other than `csrf`, `file` and `dry_run`; `""` when absent.
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

pub async fn read(ctx: &Ctx, mut multipart: Multipart) -> Result<Upload, AppError> {
    let (mut csrf, mut text, mut dry_run, mut fields) =
        (String::new(), None, false, HashMap::new());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| InvalidInput::BadForm)?
    {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "dry_run" => dry_run = true,
            "file" => {
                let bytes = field.bytes().await.map_err(|_| InvalidInput::BadForm)?;
                text = Some(
                    String::from_utf8(bytes.to_vec()).map_err(|_| InvalidInput::Csv {
                        detail: "not UTF-8 text".into(),
                    })?,
                );
            }
            _ => {
                let value = field.text().await.map_err(|_| InvalidInput::BadForm)?;
                if name == "csrf" {
                    csrf = value;
                } else {
                    fields.insert(name, value);
                }
            }
        }
    }
    if !tokens_match(&ctx.csrf, &csrf) {
        return Err(AppError::Csrf);
    }
    Ok(Upload {
        text: text.ok_or(InvalidInput::EmptyFile)?,
        dry_run,
        fields,
    })
}
