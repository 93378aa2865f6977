//! The demo's free-text comments, composed from fragments written for this product: an
//! opener, one or two themed remarks, sometimes a closer. Deterministic for a given `Rng`.

use crate::Lang;

/// Themes customers write about; the demo's analytics should find them again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    CheckinWait,
    Cleanliness,
    Food,
    Staff,
    Pool,
    Noise,
    Wifi,
    Room,
    Value,
}

const POSITIVE_THEMES: [Theme; 6] = [
    Theme::Cleanliness,
    Theme::Food,
    Theme::Staff,
    Theme::Pool,
    Theme::Room,
    Theme::Value,
];
const NEGATIVE_THEMES: [Theme; 8] = [
    Theme::CheckinWait,
    Theme::Cleanliness,
    Theme::Food,
    Theme::Noise,
    Theme::Wifi,
    Theme::Room,
    Theme::Value,
    Theme::Staff,
];

fn praise(theme: Theme, lang: Lang) -> &'static [&'static str] {
    match (theme, lang) {
        (Theme::Cleanliness, Lang::Es) => &[
            "la habitación siempre impecable",
            "todo muy limpio, hasta la playa",
            "la limpieza de las áreas comunes es de diez",
        ],
        (Theme::Cleanliness, Lang::En) => &[
            "the room was spotless every day",
            "everything was clean, even the beach",
            "the common areas were kept perfectly clean",
        ],
        (Theme::Food, Lang::Es) => &[
            "el desayuno buffet tiene de todo",
            "la cena en el restaurante de mariscos fue memorable",
            "los chilaquiles del desayuno, una delicia",
        ],
        (Theme::Food, Lang::En) => &[
            "the breakfast buffet has everything",
            "dinner at the seafood restaurant was memorable",
            "the fresh fruit and coffee at breakfast were great",
        ],
        (Theme::Staff, Lang::Es) => &[
            "el personal siempre con una sonrisa",
            "nos atendieron como familia",
            "el equipo resolvió todo antes de que lo pidiéramos",
        ],
        (Theme::Staff, Lang::En) => &[
            "the staff always had a smile",
            "they treated us like family",
            "the team solved things before we even asked",
        ],
        (Theme::Pool, Lang::Es) => &[
            "la alberca es preciosa",
            "los camastros junto al mar, perfectos",
            "el bar de la alberca con muy buen servicio",
        ],
        (Theme::Pool, Lang::En) => &[
            "the pool is gorgeous",
            "loungers by the sea were perfect",
            "great service at the pool bar",
        ],
        (Theme::Room, Lang::Es) => &[
            "la cama comodísima",
            "la vista desde el balcón vale cada peso",
            "la habitación amplia y silenciosa",
        ],
        (Theme::Room, Lang::En) => &[
            "the bed was so comfortable",
            "the balcony view was worth every penny",
            "a spacious, quiet room",
        ],
        (Theme::Value, Lang::Es) => &[
            "excelente relación calidad-precio",
            "el paquete todo incluido valió la pena",
        ],
        (Theme::Value, Lang::En) => &[
            "excellent value for money",
            "the all-inclusive package was worth it",
        ],
        (_, Lang::Es) => &["todo salió muy bien"],
        (_, Lang::En) => &["everything went well"],
    }
}

fn complaint(theme: Theme, lang: Lang) -> &'static [&'static str] {
    match (theme, lang) {
        (Theme::CheckinWait, Lang::Es) => &[
            "esperamos más de una hora para el check-in",
            "la fila en recepción era eterna",
            "el check-in fue lentísimo y nadie nos explicó por qué",
            "llegamos cansados y la habitación no estaba lista",
        ],
        (Theme::CheckinWait, Lang::En) => &[
            "we waited over an hour to check in",
            "the line at the front desk was endless",
            "check-in was very slow and nobody told us why",
            "we arrived tired and the room was not ready",
        ],
        (Theme::Cleanliness, Lang::Es) => &[
            "encontramos el baño sucio",
            "las toallas olían a humedad",
            "la limpieza de la habitación dejó que desear",
        ],
        (Theme::Cleanliness, Lang::En) => &[
            "the bathroom was dirty when we arrived",
            "the towels smelled damp",
            "housekeeping missed our room twice",
        ],
        (Theme::Food, Lang::Es) => &[
            "la comida del buffet estaba fría",
            "poca variedad en la cena",
            "tardaron mucho en servir en el restaurante",
        ],
        (Theme::Food, Lang::En) => &[
            "the buffet food was cold",
            "little variety at dinner",
            "service at the restaurant was very slow",
        ],
        (Theme::Noise, Lang::Es) => &[
            "mucho ruido de la música por la noche",
            "las paredes dejan pasar todo el ruido",
        ],
        (Theme::Noise, Lang::En) => &[
            "loud music late at night",
            "thin walls, we heard everything",
        ],
        (Theme::Wifi, Lang::Es) => &[
            "el wifi no funcionaba en la habitación",
            "internet lentísimo para trabajar",
        ],
        (Theme::Wifi, Lang::En) => &[
            "the wifi did not work in the room",
            "internet far too slow to work",
        ],
        (Theme::Room, Lang::Es) => &[
            "el aire acondicionado no enfriaba",
            "la regadera casi sin presión",
        ],
        (Theme::Room, Lang::En) => &[
            "the air conditioning barely worked",
            "hardly any water pressure in the shower",
        ],
        (Theme::Value, Lang::Es) => &[
            "caro para lo que ofrecen",
            "nos cobraron cargos que no esperábamos",
        ],
        (Theme::Value, Lang::En) => &[
            "expensive for what you get",
            "we were charged fees we did not expect",
        ],
        (Theme::Staff, Lang::Es) => &[
            "en recepción fueron poco amables",
            "nadie respondía en el teléfono de la habitación",
        ],
        (Theme::Staff, Lang::En) => &[
            "the front desk was unfriendly",
            "nobody answered the room phone",
        ],
        (Theme::Pool, Lang::Es) => &["no había camastros libres en la alberca"],
        (Theme::Pool, Lang::En) => &["no free loungers at the pool"],
    }
}

const OPENERS_GOOD: [(&str, &str); 5] = [
    ("", ""),
    ("Nos encantó: ", "We loved it: "),
    ("Lo mejor: ", "The best part: "),
    ("Volveremos, ", "We'll be back, "),
    ("Gracias, ", "Thank you, "),
];
const OPENERS_BAD: [(&str, &str); 4] = [
    ("", ""),
    ("Lamentablemente ", "Unfortunately "),
    ("A mejorar: ", "To improve: "),
    ("Una pena, ", "A shame, "),
];

fn pick<'a>(rng: &mut fastrand::Rng, list: &'a [&'a str]) -> &'a str {
    list[rng.usize(..list.len())]
}

fn sentence(opener: &str, body: &str) -> String {
    let mut s = format!("{opener}{body}");
    if let Some(first) = s.chars().next() {
        let upper: String = first.to_uppercase().collect();
        s.replace_range(..first.len_utf8(), &upper);
    }
    s.push('.');
    s
}

/// A positive comment; `name` (a first name) is credited when given.
pub fn positive(rng: &mut fastrand::Rng, lang: Lang, name: Option<&str>) -> String {
    let (es, en) = OPENERS_GOOD[rng.usize(..OPENERS_GOOD.len())];
    let opener = if lang == Lang::Es { es } else { en };
    let theme = POSITIVE_THEMES[rng.usize(..POSITIVE_THEMES.len())];
    let mut text = sentence(opener, pick(rng, praise(theme, lang)));
    if let Some(name) = name {
        let credit = match (lang, rng.u8(..3)) {
            (Lang::Es, 0) => format!(" {name} en recepción nos hizo sentir en casa."),
            (Lang::Es, 1) => {
                format!(" Un agradecimiento especial a {name}, siempre atenta a todo.")
            }
            (Lang::Es, _) => format!(" {name} resolvió nuestro cambio de habitación en minutos."),
            (Lang::En, 0) => format!(" {name} at the front desk made us feel at home."),
            (Lang::En, 1) => format!(" Special thanks to {name}, who looked after every detail."),
            (Lang::En, _) => format!(" {name} sorted out our room change in minutes."),
        };
        text.push_str(&credit);
    } else if rng.bool() {
        let second = POSITIVE_THEMES[rng.usize(..POSITIVE_THEMES.len())];
        if second != theme {
            text.push(' ');
            text.push_str(&sentence("", pick(rng, praise(second, lang))));
        }
    }
    text
}

/// A negative comment, about `forced` when given (the demo's worsening check-in).
pub fn negative(rng: &mut fastrand::Rng, lang: Lang, forced: Option<Theme>) -> String {
    let (es, en) = OPENERS_BAD[rng.usize(..OPENERS_BAD.len())];
    let opener = if lang == Lang::Es { es } else { en };
    let theme = forced.unwrap_or_else(|| NEGATIVE_THEMES[rng.usize(..NEGATIVE_THEMES.len())]);
    let mut text = sentence(opener, pick(rng, complaint(theme, lang)));
    if rng.u8(..3) == 0 {
        let second = NEGATIVE_THEMES[rng.usize(..NEGATIVE_THEMES.len())];
        if second != theme {
            text.push(' ');
            text.push_str(&sentence("", pick(rng, complaint(second, lang))));
        }
    }
    text
}
