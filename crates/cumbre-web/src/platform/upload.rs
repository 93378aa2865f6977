//! Reading a CSV upload form (multipart): the file as UTF-8 text, the dry-run box, any other
//! text fields. The CSRF token must be the form's first field (the pages put it first,
//! and browsers send fields in order) and is checked before anything else is read, so a
//! forged upload costs its first few bytes, not the whole file. Handlers check the role
//! before calling [`read`].

use crate::AppError;
use crate::platform::auth::Ctx;
use crate::platform::auth::csrf::tokens_match;
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
    // In a block of its own: the field must be gone before the next one is read.
    let csrf = {
        let mut first = multipart
            .next_field()
            .await
            .map_err(|_| InvalidInput::BadForm)?
            .ok_or(AppError::Csrf)?;
        if first.name() != Some("csrf") {
            return Err(AppError::Csrf);
        }
        // A token is 64 characters; a longer first field is not one.
        let mut csrf = Vec::new();
        while let Some(chunk) = first.chunk().await.map_err(|_| InvalidInput::BadForm)? {
            csrf.extend_from_slice(&chunk);
            if csrf.len() > 256 {
                return Err(AppError::Csrf);
            }
        }
        csrf
    };
    if !tokens_match(&ctx.csrf, &String::from_utf8_lossy(&csrf)) {
        return Err(AppError::Csrf);
    }
    let (mut text, mut dry_run, mut fields) = (None, false, HashMap::new());
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
                fields.insert(name, value);
            }
        }
    }
    Ok(Upload {
        text: text.ok_or(InvalidInput::EmptyFile)?,
        dry_run,
        fields,
    })
}
