//! Why a piece of input was rejected, with a message in each language.
//!
//! Every `parse` constructor returns [`InvalidInput`]; the web layer shows
//! [`InvalidInput::message`] in the user's language and the CLI shows it in English.

use crate::Lang;

/// The user-facing name of an input field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Phone,
    Currency,
    Limit,
    Offset,
    Email,
    Password,
    JobTitle,
    HireDate,
    Role,
    UnitKind,
    Unit,
    Parent,
    Department,
    Manager,
    Key,
    Record,
    Language,
    TokenName,
    Person,
    Description,
    Position,
    Title,
    Question,
    Options,
    Scale,
    Contact,
    Answer,
    Survey,
    Touchpoint,
    Priority,
    Condition,
    Webhook,
    TimeZone,
    BusinessHours,
    Words,
    Status,
    RootCause,
    Amount,
    Metric,
    Interval,
    Breakdown,
    From,
    To,
    SubmittedAt,
    DueAt,
    Day,
    Case,
    Approval,
    Promise,
    VisitDate,
    Search,
    Standard,
    Weight,
    TimeLimit,
    Measure,
    Outcome,
    Note,
    Section,
    Vision,
    Proposition,
    Value,
    Version,
    Frequency,
    Briefing,
    DisputeDays,
    Auditor,
    Programme,
    Assignment,
    Decision,
    Reason,
    Photo,
    Target,
    Sentiment,
    Theme,
    /// A theme's name in Spanish, in English.
    NameEs,
    NameEn,
    /// A word or phrase of the theme taxonomy.
    Term,
    /// Anonymous or confidential (employee surveys).
    Mode,
    Cadence,
    Comment,
    Pulse,
    Template,
    /// The smallest group a figure may describe; the smallest whose comments are shown.
    MinGroup,
    MinComments,
}

impl Field {
    pub fn label(self, lang: Lang) -> &'static str {
        use Field::*;
        match (self, lang) {
            (Name, Lang::Es) => "nombre",
            (Name, Lang::En) => "name",
            (Phone, Lang::Es) => "teléfono",
            (Phone, Lang::En) => "phone",
            (Currency, Lang::Es) => "moneda",
            (Currency, Lang::En) => "currency",
            (Limit, Lang::Es) => "límite",
            (Limit, Lang::En) => "limit",
            (Offset, Lang::Es) => "desplazamiento",
            (Offset, Lang::En) => "offset",
            (Email, _) => "e-mail",
            (Password, Lang::Es) => "contraseña",
            (Password, Lang::En) => "password",
            (JobTitle, Lang::Es) => "puesto",
            (JobTitle, Lang::En) => "job title",
            (HireDate, Lang::Es) => "fecha de ingreso",
            (HireDate, Lang::En) => "hire date",
            (Role, Lang::Es) => "rol",
            (Role, Lang::En) => "role",
            (UnitKind, Lang::Es) => "tipo de unidad",
            (UnitKind, Lang::En) => "unit type",
            (Unit, Lang::Es) => "unidad",
            (Unit, Lang::En) => "unit",
            (Parent, Lang::Es) => "unidad superior",
            (Parent, Lang::En) => "parent unit",
            (Department, Lang::Es) => "departamento",
            (Department, Lang::En) => "department",
            (Manager, Lang::Es) => "jefe directo",
            (Manager, Lang::En) => "manager",
            (Key, Lang::Es) => "clave",
            (Key, Lang::En) => "key",
            (Record, Lang::Es) => "tipo de registro",
            (Record, Lang::En) => "record type",
            (Language, Lang::Es) => "idioma",
            (Language, Lang::En) => "language",
            (TokenName, Lang::Es) => "nombre del token",
            (TokenName, Lang::En) => "token name",
            (Person, Lang::Es) => "colaborador",
            (Person, Lang::En) => "employee",
            (Description, Lang::Es) => "descripción",
            (Description, Lang::En) => "description",
            (Position, Lang::Es) => "posición",
            (Position, Lang::En) => "position",
            (Title, Lang::Es) => "título",
            (Title, Lang::En) => "title",
            (Question, Lang::Es) => "pregunta",
            (Question, Lang::En) => "question",
            (Options, Lang::Es) => "opciones",
            (Options, Lang::En) => "options",
            (Scale, Lang::Es) => "escala",
            (Scale, Lang::En) => "scale",
            (Contact, Lang::Es) => "datos de contacto",
            (Contact, Lang::En) => "contact details",
            (Answer, Lang::Es) => "respuesta",
            (Answer, Lang::En) => "answer",
            (Survey, Lang::Es) => "encuesta",
            (Survey, Lang::En) => "survey",
            (Touchpoint, Lang::Es) => "punto de contacto",
            (Touchpoint, Lang::En) => "touchpoint",
            (Priority, Lang::Es) => "prioridad",
            (Priority, Lang::En) => "priority",
            (Condition, Lang::Es) => "condición",
            (Condition, Lang::En) => "condition",
            (Webhook, _) => "webhook",
            (TimeZone, Lang::Es) => "zona horaria",
            (TimeZone, Lang::En) => "time zone",
            (BusinessHours, Lang::Es) => "horario laboral",
            (BusinessHours, Lang::En) => "business hours",
            (Words, Lang::Es) => "palabras clave",
            (Words, Lang::En) => "keywords",
            (Status, Lang::Es) => "estado",
            (Status, Lang::En) => "status",
            (RootCause, Lang::Es) => "causa raíz",
            (RootCause, Lang::En) => "root cause",
            (Amount, Lang::Es) => "importe",
            (Amount, Lang::En) => "amount",
            (Metric, Lang::Es) => "métrica",
            (Metric, Lang::En) => "metric",
            (Interval, Lang::Es) => "intervalo",
            (Interval, Lang::En) => "interval",
            (Breakdown, Lang::Es) => "desglose",
            (Breakdown, Lang::En) => "breakdown",
            (From, Lang::Es) => "desde",
            (From, Lang::En) => "from",
            (To, Lang::Es) => "hasta",
            (To, Lang::En) => "to",
            (SubmittedAt, Lang::Es) => "fecha de respuesta",
            (SubmittedAt, Lang::En) => "answered at",
            (DueAt, Lang::Es) => "fecha comprometida",
            (DueAt, Lang::En) => "due date",
            (Day, Lang::Es) => "fecha",
            (Day, Lang::En) => "date",
            (Case, Lang::Es) => "caso",
            (Case, Lang::En) => "case",
            (Approval, Lang::Es) => "aprobación",
            (Approval, Lang::En) => "approval",
            (Promise, Lang::Es) => "compromiso",
            (Promise, Lang::En) => "promise",
            (VisitDate, Lang::Es) => "fecha de visita",
            (VisitDate, Lang::En) => "visit date",
            (Standard, Lang::Es) => "estándar",
            (Standard, Lang::En) => "standard",
            (Weight, Lang::Es) => "peso",
            (Weight, Lang::En) => "weight",
            (TimeLimit, Lang::Es) => "tiempo límite",
            (TimeLimit, Lang::En) => "time limit",
            (Measure, Lang::Es) => "medición",
            (Measure, Lang::En) => "measurement",
            (Outcome, Lang::Es) => "resultado",
            (Outcome, Lang::En) => "result",
            (Note, Lang::Es) => "nota",
            (Note, Lang::En) => "note",
            (Section, Lang::Es) => "sección",
            (Section, Lang::En) => "section",
            (Vision, Lang::Es) => "visión de servicio",
            (Vision, Lang::En) => "service vision",
            (Proposition, Lang::Es) => "propuesta de valor",
            (Proposition, Lang::En) => "value proposition",
            (Value, Lang::Es) => "valor",
            (Value, Lang::En) => "value",
            (Version, Lang::Es) => "versión",
            (Version, Lang::En) => "version",
            (Frequency, Lang::Es) => "frecuencia",
            (Frequency, Lang::En) => "frequency",
            (Briefing, Lang::Es) => "instrucciones",
            (Briefing, Lang::En) => "briefing",
            (DisputeDays, Lang::Es) => "días para disputar",
            (DisputeDays, Lang::En) => "days to dispute",
            (Auditor, Lang::Es) => "auditor",
            (Auditor, Lang::En) => "auditor",
            (Programme, Lang::Es) => "programa",
            (Programme, Lang::En) => "programme",
            (Assignment, Lang::Es) => "asignación",
            (Assignment, Lang::En) => "assignment",
            (Decision, Lang::Es) => "decisión",
            (Decision, Lang::En) => "decision",
            (Reason, Lang::Es) => "motivo",
            (Reason, Lang::En) => "reason",
            (Photo, Lang::Es) => "foto",
            (Photo, Lang::En) => "photo",
            (Target, Lang::Es) => "meta",
            (Target, Lang::En) => "target",
            (Sentiment, Lang::Es) => "sentimiento",
            (Sentiment, Lang::En) => "sentiment",
            (Theme, Lang::Es) => "tema",
            (Theme, Lang::En) => "theme",
            (NameEs, Lang::Es) => "nombre en español",
            (NameEs, Lang::En) => "Spanish name",
            (NameEn, Lang::Es) => "nombre en inglés",
            (NameEn, Lang::En) => "English name",
            (Term, Lang::Es) => "término",
            (Term, Lang::En) => "term",
            (Mode, Lang::Es) => "modalidad",
            (Mode, Lang::En) => "mode",
            (Cadence, Lang::Es) => "frecuencia",
            (Cadence, Lang::En) => "cadence",
            (Comment, Lang::Es) => "comentario",
            (Comment, Lang::En) => "comment",
            (Pulse, Lang::Es) => "pulso",
            (Pulse, Lang::En) => "pulse",
            (Template, Lang::Es) => "plantilla",
            (Template, Lang::En) => "template",
            (MinGroup, Lang::Es) => "umbral de respuestas",
            (MinGroup, Lang::En) => "answers threshold",
            (MinComments, Lang::Es) => "umbral de comentarios",
            (MinComments, Lang::En) => "comments threshold",
            (Search, Lang::Es) => "búsqueda",
            (Search, Lang::En) => "search",
        }
    }
}

/// The longest message shown for refused input.
pub const MAX_MESSAGE: usize = 400;

/// A precise reason why input was refused. Nothing was changed when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidInput {
    #[error("{} is required", .0.label(Lang::En))]
    Required(Field),
    #[error("{} is too long (at most {max} characters)", .field.label(Lang::En))]
    TooLong { field: Field, max: usize },
    #[error("{} is too short (at least {min} characters)", .field.label(Lang::En))]
    TooShort { field: Field, min: usize },
    #[error("{} contains control characters", .0.label(Lang::En))]
    ControlCharacters(Field),
    #[error("'{value}' is not a valid e-mail address")]
    Email { value: String },
    #[error("{}: '{value}' is not a date in the form YYYY-MM-DD", .field.label(Lang::En))]
    Date { field: Field, value: String },
    #[error("{}: '{value}' is not a date and time such as 2026-11-30T14:05:00Z", .field.label(Lang::En))]
    Instant { field: Field, value: String },
    #[error("{}: '{value}' is outside the supported dates, 1970-01-01 to 2199-12-31", .field.label(Lang::En))]
    DateOutOfRange { field: Field, value: String },
    #[error("the range starts ({from}) after it ends ({to})")]
    RangeReversed { from: String, to: String },
    #[error("a range may cover at most {max_days} days")]
    RangeTooLong { max_days: i32 },
    #[error("the {} {value} is in the future", .field.label(Lang::En))]
    FutureDate { field: Field, value: String },
    #[error("the {} must be in the future", .0.label(Lang::En))]
    NotInFuture(Field),
    #[error("'{value}' is not one of: {allowed}")]
    NotOneOf {
        field: Field,
        value: String,
        allowed: &'static str,
    },
    #[error("a unit cannot be moved under itself or one of its own sub-units")]
    MoveIntoOwnSubtree,
    #[error("the organisation already has a top unit; choose a parent unit")]
    SecondRoot,
    #[error("the top unit cannot be moved")]
    MoveRoot,
    #[error("{} '{value}' does not exist", .field.label(Lang::En))]
    UnknownReference { field: Field, value: String },
    #[error("{} '{value}' appears more than once", .field.label(Lang::En))]
    Duplicate { field: Field, value: String },
    #[error("the e-mail {value} is already in use")]
    EmailTaken { value: String },
    #[error("units form a cycle through '{value}'")]
    Cycle { value: String },
    #[error("a person cannot be their own manager")]
    SelfManager,
    #[error("a manager account needs the unit it manages")]
    ManagerNeedsUnit,
    #[error("the current password is not correct")]
    WrongCurrentPassword,
    #[error("the new passwords do not match")]
    PasswordMismatch,
    #[error("expected {expected} columns, found {found}")]
    ColumnCount { expected: usize, found: usize },
    #[error("the header must be: {expected}")]
    Header { expected: &'static str },
    #[error("the file is not valid CSV: {detail}")]
    Csv { detail: String },
    #[error("the file has no rows")]
    EmptyFile,
    #[error("you cannot deactivate or demote your own account")]
    OwnAccount,
    #[error("the form could not be read; reload the page and try again")]
    BadForm,
    #[error("{} needs a text in '{lang}'", .field.label(Lang::En))]
    MissingTranslation { field: Field, lang: String },
    #[error("'{value}' is not a valid key (1–40 of a–z, 0–9, _ and -)")]
    BadKey { value: String },
    #[error("{} allows at most {max}", .field.label(Lang::En))]
    TooMany { field: Field, max: usize },
    #[error("'{value}' is outside {min}–{max}")]
    OutOfRange {
        field: Field,
        min: i64,
        max: i64,
        value: String,
    },
    #[error("'{value}' is not one of the options")]
    NotAnOption { value: String },
    #[error("the condition refers to '{value}', which is not an earlier question")]
    ConditionOrder { value: String },
    #[error("there is no question '{value}' in this survey")]
    UnknownQuestion { value: String },
    #[error("to be contacted, leave an e-mail or a phone")]
    ContactNeedsChannel,
    #[error("'{value}' is not a valid phone number")]
    Phone { value: String },
    #[error("{}: cannot go from '{}' to '{}'", .what.label(Lang::En), status_label(.from, Lang::En), status_label(.to, Lang::En))]
    StatusChange {
        what: Field,
        from: &'static str,
        to: &'static str,
    },
    #[error("this survey is not accepting answers")]
    SurveyClosed,
    #[error("this link has already been answered")]
    AlreadyAnswered,
    #[error(
        "the pulse has answers: its mode and thresholds, shown to those who answered, can no longer change"
    )]
    PulseLocked,
    #[error(
        "the pulse's terms changed since the page was opened: read them again before answering"
    )]
    TermsChanged,
    #[error("the JSON body could not be read: {detail}")]
    BadJson { detail: String },
    #[error("'{value}' is not a number")]
    NotANumber { field: Field, value: String },
    #[error("this is not a delivery status report (RFC 3464): no Final-Recipient field")]
    NotABounceReport,
    #[error("only a notification that failed can be sent again")]
    NotFailed,
    #[error(
        "a win-back survey is sent once per case, by e-mail: this case has one already, no customer e-mail, or the organisation has no win-back survey"
    )]
    WinbackUnavailable,
    #[error("this customer left no e-mail address they agreed to be written to")]
    NoGuestEmail,
    #[error("survey links need the address customers reach: set public_url (CUMBRE_PUBLIC_URL)")]
    NoPublicUrl,
    #[error("'{value}' is not a field here")]
    UnknownField { value: String },
    #[error("search for at least one word of {min} or more letters")]
    SearchWordTooShort { min: usize },
    #[error("a failed item needs a note saying what was seen: {item}")]
    FailureNeedsNote { item: String },
    #[error("version {current} was published since this page was read; read it first")]
    NewerVersion { current: i64 },
    #[error("this assignment is {status}: it takes no audit now")]
    AssignmentClosed { status: &'static str },
    #[error("disputes are accepted for {days} days after publication; that time is over")]
    DisputeWindowClosed { days: u32 },
    #[error("only a failed item of a published audit can be disputed, once: {item}")]
    NotDisputable { item: String },
    #[error("this was already decided")]
    AlreadyDecided,
    #[error("the visit is dated before its window, which opens on {opens}")]
    BeforeWindow { opens: String },
    #[error("a photo must be a JPEG or PNG image of at most {max_kb} KB")]
    BadPhoto { max_kb: usize },
    #[error("a question linked to a standard must be scored (NPS, CSAT, CES or a rating): {value}")]
    StandardNeedsScore { value: String },
}

impl InvalidInput {
    /// The reason in `lang`, for people, at most [`MAX_MESSAGE`] characters (values echoed
    /// from the input are cut, so a megabyte cell never comes back whole).
    pub fn message(&self, lang: Lang) -> String {
        let full = self.full_message(lang);
        match full.char_indices().nth(MAX_MESSAGE) {
            Some((cut, _)) => format!("{}…", &full[..cut]),
            None => full,
        }
    }

    fn full_message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        use InvalidInput::*;
        match self {
            Required(f) => format!("El campo «{}» es obligatorio", f.label(lang)),
            TooLong { field, max } => format!(
                "El campo «{}» es demasiado largo (máximo {max} caracteres)",
                field.label(lang)
            ),
            TooShort { field, min } => format!(
                "El campo «{}» es demasiado corto (mínimo {min} caracteres)",
                field.label(lang)
            ),
            ControlCharacters(f) => {
                format!(
                    "El campo «{}» contiene caracteres de control",
                    f.label(lang)
                )
            }
            Email { value } => format!("«{value}» no es una dirección de e-mail válida"),
            Date { field, value } => format!(
                "{}: «{value}» no es una fecha con el formato AAAA-MM-DD",
                field.label(lang)
            ),
            Instant { field, value } => format!(
                "{}: «{value}» no es una fecha y hora como 2026-11-30T14:05:00Z",
                field.label(lang)
            ),
            DateOutOfRange { field, value } => format!(
                "{}: «{value}» está fuera de las fechas admitidas, del 1970-01-01 al 2199-12-31",
                field.label(lang)
            ),
            RangeReversed { from, to } => {
                format!("El periodo empieza ({from}) después de terminar ({to})")
            }
            RangeTooLong { max_days } => {
                format!("Un periodo puede abarcar como máximo {max_days} días")
            }
            FutureDate { field, value } => {
                format!("La {} {value} está en el futuro", field.label(lang))
            }
            NotInFuture(field) => format!("La {} debe estar en el futuro", field.label(lang)),
            NotOneOf {
                field,
                value,
                allowed,
            } => format!(
                "«{value}» no es un valor válido de {}: {allowed}",
                field.label(lang)
            ),
            MoveIntoOwnSubtree => {
                "Una unidad no puede moverse dentro de sí misma ni de una de sus subunidades".into()
            }
            SecondRoot => {
                "La organización ya tiene una unidad principal; elija la unidad superior".into()
            }
            MoveRoot => "La unidad principal no puede moverse".into(),
            UnknownReference { field, value } => {
                format!("No existe {} «{value}»", field.label(lang))
            }
            Duplicate { field, value } => {
                format!(
                    "El valor «{value}» de {} aparece más de una vez",
                    field.label(lang)
                )
            }
            EmailTaken { value } => format!("El e-mail {value} ya está en uso"),
            Cycle { value } => format!("Las unidades forman un ciclo a través de «{value}»"),
            SelfManager => "Una persona no puede ser su propio jefe directo".into(),
            ManagerNeedsUnit => "Una cuenta de gerente necesita la unidad que dirige".into(),
            WrongCurrentPassword => "La contraseña actual no es correcta".into(),
            PasswordMismatch => "Las contraseñas nuevas no coinciden".into(),
            ColumnCount { expected, found } => {
                format!("Se esperaban {expected} columnas y hay {found}")
            }
            Header { expected } => format!("La cabecera debe ser: {expected}"),
            Csv { detail } => format!("El archivo no es un CSV válido: {detail}"),
            EmptyFile => "El archivo no tiene filas".into(),
            OwnAccount => "No puede desactivar ni degradar su propia cuenta".into(),
            BadForm => {
                "No se pudo leer el formulario; recargue la página e intente de nuevo".into()
            }
            MissingTranslation { field, lang } => {
                format!("Falta el texto en «{lang}» de {}", field.label(Lang::Es))
            }
            BadKey { value } => {
                format!("«{value}» no es una clave válida (1–40 de a–z, 0–9, _ y -)")
            }
            TooMany { field, max } => format!("{} admite como máximo {max}", field.label(Lang::Es)),
            OutOfRange {
                min, max, value, ..
            } => format!("«{value}» está fuera de {min}–{max}"),
            NotAnOption { value } => format!("«{value}» no es una de las opciones"),
            ConditionOrder { value } => {
                format!("La condición se refiere a «{value}», que no es una pregunta anterior")
            }
            UnknownQuestion { value } => format!("La encuesta no tiene la pregunta «{value}»"),
            ContactNeedsChannel => "Para que le contactemos, deje un e-mail o un teléfono".into(),
            Phone { value } => format!("«{value}» no es un teléfono válido"),
            StatusChange { what, from, to } => format!(
                "{}: no puede pasar de «{}» a «{}»",
                what.label(lang),
                status_label(from, lang),
                status_label(to, lang)
            ),
            SurveyClosed => "Esta encuesta no está recibiendo respuestas".into(),
            AlreadyAnswered => "Este enlace ya fue respondido".into(),
            TermsChanged => "Las condiciones del pulso cambiaron desde que abriste la página: léelas de nuevo antes de responder".into(),
            PulseLocked => "El pulso ya tiene respuestas: su modalidad y sus umbrales, que vieron quienes respondieron, ya no pueden cambiar".into(),
            BadJson { detail } => format!("No se pudo leer el cuerpo JSON: {detail}"),
            NotANumber { value, .. } => format!("«{value}» no es un número"),
            NotABounceReport => {
                "No es un informe de entrega (RFC 3464): falta el campo Final-Recipient".into()
            }
            NotFailed => "Solo se puede reenviar un aviso que falló".into(),
            NoGuestEmail => "Este cliente no dejó un e-mail al que aceptara que le escribamos".into(),
            WinbackUnavailable => "La encuesta de recuperación se envía una vez por caso y por e-mail: este caso ya la tiene, no tiene e-mail del cliente o la organización no eligió encuesta de recuperación".into(),
            UnknownField { value } => format!("«{value}» no es un campo de este lugar"),
            SearchWordTooShort { min } => {
                format!("Busque al menos una palabra de {min} letras o más")
            }
            BadPhoto { max_kb } => {
                format!("Una foto debe ser una imagen JPEG o PNG de {max_kb} KB como máximo")
            }
            StandardNeedsScore { value } => format!(
                "Una pregunta vinculada a un estándar debe ser de puntuación (NPS, CSAT, CES o valoración): {value}"
            ),
            FailureNeedsNote { item } => {
                format!("Un punto no cumplido necesita una nota que diga lo observado: {item}")
            }
            AssignmentClosed { status } => format!(
                "Esta asignación está {}: no recibe una auditoría ahora",
                match *status {
                    "submitted" => "enviada y en revisión",
                    "published" => "publicada",
                    "cancelled" => "cancelada",
                    other => other,
                }
            ),
            DisputeWindowClosed { days } => format!(
                "Las disputas se aceptan durante {days} días después de publicada; ese plazo terminó"
            ),
            NotDisputable { item } => format!(
                "Solo se puede disputar, una vez, un punto no cumplido de una auditoría publicada: {item}"
            ),
            AlreadyDecided => "Esto ya se decidió".into(),
            BeforeWindow { opens } => {
                format!("La visita tiene fecha anterior a su plazo, que empieza el {opens}")
            }
            NewerVersion { current } => format!(
                "Desde que abrió esta página se publicó la versión {current}; léala primero"
            ),
            NoPublicUrl => "Los enlaces de encuesta necesitan la dirección que usan los clientes: configure public_url (CUMBRE_PUBLIC_URL)".into(),
        }
    }
}

impl InvalidInput {
    /// Refused because of the state of what it acts on (a case already closed, an e-mail
    /// already used), not because of how the request is written: the same request may be
    /// right another time. HTTP says 409 for these.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            InvalidInput::NewerVersion { .. }
                | InvalidInput::AssignmentClosed { .. }
                | InvalidInput::DisputeWindowClosed { .. }
                | InvalidInput::AlreadyDecided
                | InvalidInput::StatusChange { .. }
                | InvalidInput::SurveyClosed
                | InvalidInput::AlreadyAnswered
                | InvalidInput::PulseLocked
                | InvalidInput::TermsChanged
                | InvalidInput::NotFailed
                | InvalidInput::WinbackUnavailable
                | InvalidInput::NoGuestEmail
                | InvalidInput::EmailTaken { .. }
                | InvalidInput::SecondRoot
        )
    }
}

/// serde's reason for refusing a body, for people: without the name of the Rust type it
/// was read into (`expected struct SurveyDefinition` says nothing to a caller) and cut
/// to a sentence.
pub fn readable_json_error(raw: &str) -> String {
    let text = raw
        .trim_start_matches("Failed to deserialize the JSON body into the target type: ")
        .trim_start_matches("Failed to parse the request body as JSON: ");
    let mut out = String::with_capacity(text.len());
    let mut words = text.split(' ').peekable();
    while let Some(word) = words.next() {
        if matches!(word, "struct" | "enum" | "tuple") && words.peek().is_some() {
            let name = words.next().unwrap_or_default();
            let tail: String = name
                .chars()
                .skip_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push_str(if word == "enum" {
                "one of the allowed values"
            } else {
                "an object"
            });
            out.push_str(&tail);
        } else if let Some(readable) = rust_number(word) {
            out.push_str(&readable);
        } else {
            out.push_str(word);
        }
        out.push(' ');
    }
    out.trim_end().chars().take(300).collect()
}

/// A Rust number type serde names ("expected i64,"), as people read it, with what
/// follows it.
fn rust_number(word: &str) -> Option<String> {
    let end = word
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(word.len());
    let (name, tail) = word.split_at(end);
    let kind = match name {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer",
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number of zero or more",
        "f32" | "f64" => "a number",
        _ => return None,
    };
    Some(format!("{kind}{tail}"))
}

/// A status code as people read it.
fn status_label(code: &str, lang: Lang) -> &str {
    let es = lang == Lang::Es;
    match code {
        "draft" if es => "borrador",
        "published" if es => "publicada",
        "closed" if es => "cerrado",
        "new" if es => "nuevo",
        "contacted" if es => "contactado",
        "resolved" if es => "resuelto",
        "decided" if es => "decidida",
        "approved" if es => "aprobada",
        "declined" if es => "rechazada",
        "kept" if es => "cumplido",
        "win-back" if es => "seguimiento de recuperación",
        "win-back" => "win-back follow-up",
        other => other,
    }
}

/// Trims `raw` and checks it is a non-empty single line of at most `max` characters.
pub fn required_text(raw: &str, field: Field, max: usize) -> Result<String, InvalidInput> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(InvalidInput::Required(field));
    }
    optional_text(text, field, max).map(|t| t.unwrap_or_default())
}

/// Like [`required_text`] but an empty value is `None`.
pub fn optional_text(raw: &str, field: Field, max: usize) -> Result<Option<String>, InvalidInput> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().any(char::is_control) {
        return Err(InvalidInput::ControlCharacters(field));
    }
    if text.chars().count() > max {
        return Err(InvalidInput::TooLong { field, max });
    }
    Ok(Some(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(
            required_text("  Cancún ", Field::Name, 10).unwrap(),
            "Cancún"
        );
        assert_eq!(
            required_text("   ", Field::Name, 10),
            Err(InvalidInput::Required(Field::Name))
        );
        assert_eq!(
            required_text("abcdefghijk", Field::Name, 10),
            Err(InvalidInput::TooLong {
                field: Field::Name,
                max: 10
            })
        );
        assert_eq!(
            required_text("a\u{7}b", Field::Name, 10),
            Err(InvalidInput::ControlCharacters(Field::Name))
        );
        assert_eq!(optional_text(" ", Field::JobTitle, 5).unwrap(), None);
    }

    #[test]
    fn messages_exist_in_both_languages() {
        let e = InvalidInput::Required(Field::Email);
        assert_eq!(e.message(Lang::En), "e-mail is required");
        assert_eq!(e.message(Lang::Es), "El campo «e-mail» es obligatorio");
    }
}
